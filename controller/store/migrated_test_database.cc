#include "controller/store/migrated_test_database.h"

#include "common/status/status_macros.h"
#include "controller/store/migrator.h"

namespace nas::testing {

absl::StatusOr<std::unique_ptr<Database>> OpenMigratedDatabase(const std::string& dsn,
                                                               int pool_size) {
  ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Create({dsn, pool_size}));
  RETURN_IF_ERROR(ApplyMigrations(*db, EmbeddedMigrations()).status());
  return db;
}

}  // namespace nas::testing
