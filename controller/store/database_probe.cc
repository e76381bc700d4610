#include "controller/store/database_probe.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "controller/store/database.h"

namespace nas {

std::string WithConnectTimeout(const std::string& dsn, int seconds) {
  if (absl::StartsWith(dsn, "postgresql://") || absl::StartsWith(dsn, "postgres://")) {
    return absl::StrCat(dsn, absl::StrContains(dsn, "?") ? "&" : "?", "connect_timeout=", seconds);
  }
  return absl::StrCat(dsn, " connect_timeout=", seconds);  // The last setting wins.
}

DatabaseProbe::DatabaseProbe(std::string dsn, int timeout_seconds)
    : dsn_(WithConnectTimeout(dsn, std::max(2, timeout_seconds))),
      timeout_seconds_(std::max(2, timeout_seconds)) {}

DatabaseProbe::~DatabaseProbe() = default;

absl::Status DatabaseProbe::Check() {
  try {
    if (conn_ == nullptr || !conn_->is_open()) {
      conn_.reset();
      auto conn = std::make_unique<pqxx::connection>(dsn_);
      pqxx::nontransaction setup(*conn);
      setup.exec(absl::StrCat("SET statement_timeout = ", timeout_seconds_ * 1000));
      conn_ = std::move(conn);
    }
    pqxx::nontransaction txn(*conn_);
    txn.exec1("SELECT 1");
    return absl::OkStatus();
  } catch (...) {
    conn_.reset();  // Whatever broke, the next check starts afresh.
    const absl::Status status = StatusFromCurrentException();
    return absl::UnavailableError(absl::StrCat("database unreachable: ", status.message()));
  }
}

}  // namespace nas
