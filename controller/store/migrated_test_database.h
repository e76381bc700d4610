// For the store's tests: a connection pool on a fresh test database with
// every embedded migration applied.
#ifndef NAS_CONTROLLER_STORE_MIGRATED_TEST_DATABASE_H_
#define NAS_CONTROLLER_STORE_MIGRATED_TEST_DATABASE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "controller/store/database.h"

namespace nas::testing {

absl::StatusOr<std::unique_ptr<Database>> OpenMigratedDatabase(const std::string& dsn,
                                                               int pool_size);

}  // namespace nas::testing

#endif  // NAS_CONTROLLER_STORE_MIGRATED_TEST_DATABASE_H_
