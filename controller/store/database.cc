#include "controller/store/database.h"

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"

namespace nas {
namespace {

// SQLSTATEs of a statement PostgreSQL cancelled: statement_timeout (or an
// administrator's pg_cancel_backend) and lock_timeout.
constexpr char kQueryCanceled[] = "57014";
constexpr char kLockNotAvailable[] = "55P03";

// Whether the exception in flight is a statement cancelled by a timeout.
bool CurrentExceptionIsTimeout() {
  try {
    throw;
  } catch (const pqxx::sql_error& e) {
    return e.sqlstate() == kQueryCanceled || e.sqlstate() == kLockNotAvailable;
  } catch (...) {
    return false;
  }
}

}  // namespace

absl::Status StatusFromCurrentException() {
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    return absl::UnavailableError(absl::StrCat("database connection: ", e.what()));
  } catch (const pqxx::serialization_failure& e) {
    return absl::AbortedError(absl::StrCat("database: ", e.what()));
  } catch (const pqxx::deadlock_detected& e) {
    return absl::AbortedError(absl::StrCat("database: ", e.what()));
  } catch (const pqxx::unique_violation& e) {
    return absl::AlreadyExistsError(absl::StrCat("database: ", e.what()));
  } catch (const pqxx::in_doubt_error& e) {
    return absl::UnavailableError(absl::StrCat("database commit in doubt: ", e.what()));
  } catch (const pqxx::sql_error& e) {
    // UNAVAILABLE: the same call is likely to succeed once the lock holder
    // or the load goes away, so workers and clients retry it.
    if (e.sqlstate() == kLockNotAvailable) {
      return absl::UnavailableError(absl::StrCat(
          "database busy: a statement waited longer than lock_timeout for a lock held by "
          "another connection: ",
          e.what()));
    }
    if (e.sqlstate() == kQueryCanceled) {
      return absl::UnavailableError(
          absl::StrCat("database busy: a statement was cancelled (statement_timeout): ", e.what()));
    }
    return absl::InternalError(absl::StrCat("database: ", e.what()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("database: ", e.what()));
  }
}

absl::StatusOr<std::unique_ptr<Database>> Database::Create(Options options) {
  if (options.statement_timeout_ms <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("statement_timeout_ms: must be > 0 (got ", options.statement_timeout_ms, ")"));
  }
  if (options.lock_timeout_ms <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("lock_timeout_ms: must be > 0 (got ", options.lock_timeout_ms, ")"));
  }
  std::unique_ptr<Database> db(new Database(std::move(options)));
  auto conn = db->Acquire();
  if (!conn.ok()) return conn.status();
  db->Release(std::move(*conn));
  return db;
}

std::unique_ptr<pqxx::connection> Database::Connect() const {
  auto conn = std::make_unique<pqxx::connection>(options_.dsn);
  // Session settings, so they hold for every transaction on this connection.
  pqxx::nontransaction setup(*conn);
  setup.exec(absl::StrCat("SET statement_timeout = ", options_.statement_timeout_ms,
                          "; SET lock_timeout = ", options_.lock_timeout_ms));
  return conn;
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Database::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    // A condition variable, not Mutex::Await: Await re-evaluates every
    // waiter's condition on each unlock, which with hundreds of RPC threads
    // queued for a few connections took a fifth of the controller's CPU
    // (callgrind, 256 workers).
    while (idle_.empty() && open_ >= options_.pool_size) connection_freed_.Wait(&mu_);
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;
  }
  try {
    return Connect();
  } catch (...) {
    absl::MutexLock lock(&mu_);
    --open_;
    connection_freed_.Signal();
    return StatusFromCurrentException();
  }
}

void Database::Release(std::unique_ptr<pqxx::connection> conn) {
  absl::MutexLock lock(&mu_);
  if (conn && conn->is_open()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  connection_freed_.Signal();  // Either way one waiter can now proceed.
}

absl::Status Database::Transact(const std::function<absl::Status(pqxx::work&)>& body) {
  return WithRetries([&](pqxx::connection& conn) {
    pqxx::work txn(conn);
    absl::Status status = body(txn);
    if (status.ok()) txn.commit();
    // On error the work's destructor rolls back.
    return status;
  });
}

absl::Status Database::RunAlone(const std::function<absl::Status(pqxx::nontransaction&)>& body) {
  return WithRetries([&](pqxx::connection& conn) {
    pqxx::nontransaction txn(conn);
    return body(txn);
  });
}

absl::Status Database::WithRetries(
    const std::function<absl::Status(pqxx::connection&)>& attempt_on) {
  absl::Status status;
  for (int attempt = 0; attempt <= options_.max_retries; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20 << std::min(attempt, 5)));
    }
    auto conn = Acquire();
    if (!conn.ok()) {
      status = conn.status();
      if (absl::IsUnavailable(status)) continue;
      return status;
    }
    bool timed_out = false;
    try {
      status = attempt_on(**conn);
    } catch (...) {
      status = StatusFromCurrentException();
      timed_out = CurrentExceptionIsTimeout();
    }
    if (timed_out) {
      // The connection is sound (the statement was rolled back); retrying
      // here would only multiply the wait the timeout exists to bound.
      Release(std::move(*conn));
      return status;
    }
    if (absl::IsUnavailable(status)) {
      conn->reset();  // Broken: drop it, a retry opens a fresh one.
    }
    Release(std::move(*conn));
    if (!absl::IsAborted(status) && !absl::IsUnavailable(status)) return status;
  }
  return status;
}

}  // namespace nas
