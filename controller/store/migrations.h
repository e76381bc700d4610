// The schema as numbered migrations (controller/store/migrations/NNNN_name.sql),
// embedded in the binary at build time.
#ifndef NAS_CONTROLLER_STORE_MIGRATIONS_H_
#define NAS_CONTROLLER_STORE_MIGRATIONS_H_

#include <string>
#include <vector>

namespace nas {

struct Migration {
  int version;       // NNNN of the file name; applied in increasing order.
  std::string name;  // File name without .sql.
  std::string sql;
};

// In increasing version order.
const std::vector<Migration>& EmbeddedMigrations();

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_MIGRATIONS_H_
