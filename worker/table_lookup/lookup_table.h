// A benchmark table read from CSV: cell string -> numeric value, for one
// (cell column, value column) pair of any CSV with a header row.
#ifndef NAS_WORKER_TABLE_LOOKUP_LOOKUP_TABLE_H_
#define NAS_WORKER_TABLE_LOOKUP_LOOKUP_TABLE_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nas {

class LookupTable {
 public:
  // Reads `path`. Errors name the file, the line and the rule: a missing
  // column, a row with the wrong field count, a non-numeric value, a cell
  // listed twice.
  static absl::StatusOr<LookupTable> Load(const std::string& path,
                                          const std::string& cell_column,
                                          const std::string& value_column);

  // NOT_FOUND naming the cell if it is not in the table.
  absl::StatusOr<double> Find(absl::string_view cell) const;
  size_t size() const { return values_.size(); }

 private:
  std::string path_;
  absl::flat_hash_map<std::string, double> values_;
};

}  // namespace nas

#endif  // NAS_WORKER_TABLE_LOOKUP_LOOKUP_TABLE_H_
