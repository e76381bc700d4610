// Reads RFC 4180 CSV (quoted fields may hold commas, doubled quotes and line
// breaks; lines end in LF or CRLF), for tests that check what a program wrote
// as CSV. Written apart from the writer (controller/cli/output_format.h) so
// that a test of one is not a test of itself.
#ifndef NAS_TESTS_TESTING_CSV_READER_H_
#define NAS_TESTS_TESTING_CSV_READER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nas::testing {

// The records of `text`, each a list of fields. INVALID_ARGUMENT for a quote
// inside an unquoted field, text after a closing quote, or an unclosed quote.
absl::StatusOr<std::vector<std::vector<std::string>>> ParseCsv(absl::string_view text);

// The records after the header, each as column name -> field.
// INVALID_ARGUMENT as ParseCsv, for no header, or a record whose field count
// differs from the header's.
absl::StatusOr<std::vector<std::map<std::string, std::string>>> ParseCsvWithHeader(
    absl::string_view text);

}  // namespace nas::testing

#endif  // NAS_TESTS_TESTING_CSV_READER_H_
