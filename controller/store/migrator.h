// Applies the embedded schema migrations that a database lacks.
#ifndef NAS_CONTROLLER_STORE_MIGRATOR_H_
#define NAS_CONTROLLER_STORE_MIGRATOR_H_

#include <vector>

#include "absl/status/statusor.h"
#include "controller/store/database.h"
#include "controller/store/migrations.h"

namespace nas {

// Applies, in one transaction and in version order, each migration whose
// version is not yet recorded in schema_migrations. Idempotent, and safe when
// several controllers start at once (an advisory lock serialises them).
// Returns the versions applied by this call.
absl::StatusOr<std::vector<int>> ApplyMigrations(
    Database& db, const std::vector<Migration>& migrations);

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_MIGRATOR_H_
