#include "tests/testing/csv_reader.h"

#include "absl/strings/str_cat.h"

namespace nas::testing {

absl::StatusOr<std::vector<std::vector<std::string>>> ParseCsv(absl::string_view text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  size_t i = 0;
  auto error = [&](const char* what) {
    return absl::InvalidArgumentError(absl::StrCat("CSV at byte ", i, ": ", what));
  };
  while (i < text.size()) {
    if (text[i] == '"') {  // A quoted field, up to its closing quote.
      ++i;
      while (true) {
        if (i >= text.size()) return error("unclosed quote");
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += text[i++];
      }
      if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        return error("text after a closing quote");
      }
      continue;
    }
    const char c = text[i];
    if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      ++i;
    } else if (c == '\n' || c == '\r') {
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
      i += (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
    } else {
      if (c == '"') return error("quote inside an unquoted field");
      field += c;
      ++i;
    }
  }
  if (!field.empty() || !record.empty()) {  // No line break after the last record.
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

absl::StatusOr<std::vector<std::map<std::string, std::string>>> ParseCsvWithHeader(
    absl::string_view text) {
  absl::StatusOr<std::vector<std::vector<std::string>>> records = ParseCsv(text);
  if (!records.ok()) return records.status();
  if (records->empty()) return absl::InvalidArgumentError("CSV without a header line");
  const std::vector<std::string>& header = records->front();
  std::vector<std::map<std::string, std::string>> rows;
  for (size_t r = 1; r < records->size(); ++r) {
    const std::vector<std::string>& record = (*records)[r];
    if (record.size() != header.size()) {
      return absl::InvalidArgumentError(absl::StrCat("CSV record ", r, " has ", record.size(),
                                                     " fields, the header ", header.size()));
    }
    std::map<std::string, std::string> row;
    for (size_t k = 0; k < header.size(); ++k) row[header[k]] = record[k];
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace nas::testing
