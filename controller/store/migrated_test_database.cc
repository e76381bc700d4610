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

int64_t CountRows(Database& db, const std::string& sql) {
  int64_t n = -1;
  const absl::Status status = db.Transact([&](pqxx::work& txn) {
    n = txn.exec1(sql)[0].as<int64_t>();
    return absl::OkStatus();
  });
  return status.ok() ? n : -1;
}

}  // namespace nas::testing
