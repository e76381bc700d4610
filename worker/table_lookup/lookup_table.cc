#include "worker/table_lookup/lookup_table.h"

#include <cmath>
#include <fstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace nas {
namespace {

// Splits one CSV line; fields may be double-quoted ("" is a literal quote).
std::vector<std::string> SplitCsvLine(absl::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

}  // namespace

absl::StatusOr<LookupTable> LookupTable::Load(const std::string& path,
                                              const std::string& cell_column,
                                              const std::string& value_column) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("table ", path, ": cannot be read"));
  std::string line;
  if (!std::getline(in, line)) {
    return absl::InvalidArgumentError(absl::StrCat("table ", path, ": empty (no header row)"));
  }
  const std::vector<std::string> header = SplitCsvLine(line);
  int cell_index = -1, value_index = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string name(absl::StripAsciiWhitespace(header[i]));
    if (name == cell_column) cell_index = static_cast<int>(i);
    if (name == value_column) value_index = static_cast<int>(i);
  }
  if (cell_index < 0 || value_index < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "table ", path, ": header has no column '",
        cell_index < 0 ? cell_column : value_column, "'"));
  }
  LookupTable table;
  table.path_ = path;
  int line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    const std::vector<std::string> fields = SplitCsvLine(line);
    if (fields.size() != header.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "table ", path, " line ", line_number, ": has ", fields.size(),
          " fields; the header has ", header.size()));
    }
    double value = 0;
    if (!absl::SimpleAtod(fields[value_index], &value) || !std::isfinite(value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "table ", path, " line ", line_number, ": column '", value_column,
          "' value '", fields[value_index], "' is not a finite number"));
    }
    const std::string cell(absl::StripAsciiWhitespace(fields[cell_index]));
    if (!table.values_.emplace(cell, value).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "table ", path, " line ", line_number, ": cell '", cell, "' listed twice"));
    }
  }
  return table;
}

absl::StatusOr<double> LookupTable::Find(absl::string_view cell) const {
  auto it = values_.find(cell);
  if (it == values_.end()) {
    return absl::NotFoundError(
        absl::StrCat("table ", path_, ": no row for cell '", cell, "'"));
  }
  return it->second;
}

}  // namespace nas
