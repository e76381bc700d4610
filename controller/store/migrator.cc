#include "controller/store/migrator.h"

#include <set>

#include "absl/strings/str_cat.h"

namespace nas {
namespace {
// Arbitrary, fixed: the key of the advisory lock that serialises migrations.
constexpr int64_t kMigrationLockKey = 0x6e61735f6d6967;  // "nas_mig"
}  // namespace

absl::StatusOr<std::vector<int>> ApplyMigrations(
    Database& db, const std::vector<Migration>& migrations) {
  std::vector<int> applied;
  absl::Status status = db.Transact([&](pqxx::work& txn) -> absl::Status {
    applied.clear();
    // A migration may rewrite a large table: no statement_timeout for this
    // transaction. lock_timeout still bounds every wait for a lock.
    txn.exec("SET LOCAL statement_timeout = 0");
    txn.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
    txn.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "  version INT PRIMARY KEY,"
        "  name TEXT NOT NULL,"
        "  applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
    std::set<int> present;
    for (const auto& row : txn.exec("SELECT version FROM schema_migrations")) {
      present.insert(row[0].as<int>());
    }
    for (const Migration& m : migrations) {
      if (present.count(m.version)) continue;
      try {
        txn.exec(m.sql);
      } catch (const std::exception& e) {
        return absl::InternalError(
            absl::StrCat("migration ", m.name, " failed: ", e.what()));
      }
      txn.exec_params(
          "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
          m.version, m.name);
      applied.push_back(m.version);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return applied;
}

}  // namespace nas
