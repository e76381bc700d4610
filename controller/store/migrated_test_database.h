// For the store's tests: a connection pool on a fresh test database with
// every embedded migration applied.
#ifndef NAS_CONTROLLER_STORE_MIGRATED_TEST_DATABASE_H_
#define NAS_CONTROLLER_STORE_MIGRATED_TEST_DATABASE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "controller/store/database.h"

namespace nas::testing {

absl::StatusOr<std::unique_ptr<Database>> OpenMigratedDatabase(const std::string& dsn,
                                                               int pool_size);

// The first column of the one row `sql` returns, as a count; -1 if the query
// fails (so that an expected count does not match).
int64_t CountRows(Database& db, const std::string& sql);

}  // namespace nas::testing

#endif  // NAS_CONTROLLER_STORE_MIGRATED_TEST_DATABASE_H_
