// Whether PostgreSQL answers at all, for health checks. It runs `SELECT 1`
// over a connection of its own, not the pool's: a pool busy with slow calls
// is not a database that is down, and a probe queued behind them would say
// nothing about the server.
#ifndef NAS_CONTROLLER_STORE_DATABASE_PROBE_H_
#define NAS_CONTROLLER_STORE_DATABASE_PROBE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "pqxx/pqxx"

namespace nas {

class DatabaseProbe {
 public:
  // `dsn` as Database::Options::dsn (key=value or a postgresql:// URI).
  // Connecting is bounded by `timeout_seconds` (libpq's connect_timeout, at
  // least 2) and so is the query (statement_timeout).
  DatabaseProbe(std::string dsn, int timeout_seconds);
  ~DatabaseProbe();

  // OK if the server answered; UNAVAILABLE with libpq's reason otherwise.
  // Connects again after a failure. Not thread-safe: one caller.
  absl::Status Check();

 private:
  const std::string dsn_;  // With connect_timeout added.
  const int timeout_seconds_;
  std::unique_ptr<pqxx::connection> conn_;
};

// `dsn` with libpq's connect_timeout set to `seconds`, in the DSN's own form.
std::string WithConnectTimeout(const std::string& dsn, int seconds);

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_DATABASE_PROBE_H_
