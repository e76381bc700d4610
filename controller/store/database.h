// A small pool of PostgreSQL connections and the one place where libpqxx
// exceptions become absl::Status. Every store operation runs through
// Database::Transact: one transaction, committed on success, rolled back on
// any error, retried when PostgreSQL asks for a retry (serialization failure,
// deadlock) or the connection broke.
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
    int max_retries = 5;  // For ABORTED (serialization/deadlock) and UNAVAILABLE.
  };

  // Opens one connection to check the DSN; the rest open on demand.
  // UNAVAILABLE if the server cannot be reached.
  static absl::StatusOr<std::unique_ptr<Database>> Create(Options options);

  // Runs `body` in one read-committed transaction and commits it if `body`
  // returns OK. `body` may run more than once (retries), so it must not have
  // side effects outside the transaction. Thread-safe.
  absl::Status Transact(const std::function<absl::Status(pqxx::work&)>& body);

 private:
  explicit Database(Options options) : options_(std::move(options)) {}

  absl::StatusOr<std::unique_ptr<pqxx::connection>> Acquire();
  void Release(std::unique_ptr<pqxx::connection> conn);

  const Options options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  absl::CondVar connection_freed_;  // Signalled when idle_ grows or open_ shrinks.
};

// Maps a libpqxx exception (in flight inside a catch block) to a status:
// broken connection -> UNAVAILABLE, serialization failure / deadlock ->
// ABORTED, unique violation -> ALREADY_EXISTS, anything else -> INTERNAL.
absl::Status StatusFromCurrentException();

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_DATABASE_H_
