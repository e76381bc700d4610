// A small pool of PostgreSQL connections and the one place where libpqxx
// exceptions become absl::Status. Every store operation runs through
// Database::Transact: one transaction, committed on success, rolled back on
// any error, retried when PostgreSQL asks for a retry (serialization failure,
// deadlock) or the connection broke.
//
// No statement waits without bound: every connection is opened with
// PostgreSQL's statement_timeout and lock_timeout, so a lock held by another
// connection (or a runaway query) cancels the statement instead of holding an
// RPC thread and a pooled connection indefinitely.
#ifndef NAS_CONTROLLER_STORE_DATABASE_H_
#define NAS_CONTROLLER_STORE_DATABASE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "pqxx/pqxx"

namespace nas {

class Database {
 public:
  struct Options {
    std::string dsn;  // libpq connection string, e.g. "host=127.0.0.1 port=5432 dbname=nas".
    int pool_size = 4;
    int max_retries = 5;  // For ABORTED (serialization/deadlock) and a broken connection.
    // PostgreSQL cancels a statement that runs longer than this...
    int statement_timeout_ms = 30000;
    // ...or that waits longer than this for a lock (row, table or advisory).
    int lock_timeout_ms = 5000;
  };

  // Opens one connection to check the DSN; the rest open on demand.
  // UNAVAILABLE if the server cannot be reached; INVALID_ARGUMENT naming the
  // option if a timeout is not > 0.
  static absl::StatusOr<std::unique_ptr<Database>> Create(Options options);

  // Runs `body` in one read-committed transaction and commits it if `body`
  // returns OK. `body` may run more than once (retries), so it must not have
  // side effects outside the transaction. A statement cancelled by
  // statement_timeout or lock_timeout makes it return UNAVAILABLE at once,
  // naming the timeout: not retried here (the database is stuck, not flaky;
  // the caller, who knows its own deadline, retries), and the connection
  // stays in the pool. Thread-safe.
  absl::Status Transact(const std::function<absl::Status(pqxx::work&)>& body);

  // As Transact, with the same retries and timeouts, but outside a
  // transaction block: each statement `body` runs commits on its own
  // (autocommit), which saves the BEGIN and COMMIT round trips. Only for a
  // body that runs ONE statement: PostgreSQL makes a statement atomic, its
  // data-modifying CTEs included, so an error or a retry leaves nothing
  // half done. A broken connection while the statement ran is retried as in
  // Transact (which retries a commit in doubt too): the statement may have
  // committed, so it must be one whose repeat is harmless.
  absl::Status RunAlone(const std::function<absl::Status(pqxx::nontransaction&)>& body);

 private:
  explicit Database(Options options) : options_(std::move(options)) {}

  absl::StatusOr<std::unique_ptr<pqxx::connection>> Acquire();
  // Opens a connection with the session's timeouts set.
  std::unique_ptr<pqxx::connection> Connect() const;
  void Release(std::unique_ptr<pqxx::connection> conn);
  // The retry loop of Transact and RunAlone: runs `attempt` on a pooled
  // connection until it succeeds or fails for good.
  absl::Status WithRetries(const std::function<absl::Status(pqxx::connection&)>& attempt);

  const Options options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  absl::CondVar connection_freed_;  // Signalled when idle_ grows or open_ shrinks.
};

// Maps a libpqxx exception (in flight inside a catch block) to a status:
// broken connection -> UNAVAILABLE, statement or lock timeout (SQLSTATE
// 57014, 55P03) -> UNAVAILABLE naming which, serialization failure /
// deadlock -> ABORTED, unique violation -> ALREADY_EXISTS, anything else ->
// INTERNAL.
absl::Status StatusFromCurrentException();

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_DATABASE_H_
