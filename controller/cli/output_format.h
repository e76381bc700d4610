// The machine-readable forms of nasctl's read commands (--format): the
// protobuf JSON mapping of a response, and CSV tables (RFC 4180 quoting).
// Pure functions of their arguments; nothing here talks to the controller.
#ifndef NAS_CONTROLLER_CLI_OUTPUT_FORMAT_H_
#define NAS_CONTROLLER_CLI_OUTPUT_FORMAT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace nas {

enum class OutputFormat { kText, kJson, kCsv };

// "text", "json" or "csv". Anything else is INVALID_ARGUMENT naming the flag
// and the allowed values: "--format: 'xml' is not one of text, json, csv".
absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view value);

// `message` in protobuf's JSON mapping (lowerCamelCase names, 64-bit integers
// as strings, timestamps in RFC 3339), every field printed even at its default
// so that a reader sees 0 rather than a missing key; ends with a newline.
// INTERNAL if protobuf refuses (it does not for nasctl's messages).
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);

// One CSV field: as it is, or in double quotes (inner quotes doubled) when it
// holds a comma, a quote, a CR or an LF, or starts or ends with a blank.
std::string CsvField(absl::string_view value);

// A number that parses back to exactly `value` (the shortest of %.15g and
// %.17g that does), e.g. "0.1", "12", "1e-07"; "nan"/"inf"/"-inf" as is.
std::string CsvNumber(double value);

// RFC 3339 in UTC ("2024-05-01T12:00:00.250Z"); empty for an unset timestamp.
std::string CsvTime(const google::protobuf::Timestamp& time);

// A CSV document: one header line, then one line per row, each ended by "\n"
// (fields holding line breaks are quoted, so a row may span lines).
class CsvTable {
 public:
  explicit CsvTable(std::vector<std::string> header) : header_(std::move(header)) {}
  // `row` has one field per header column (shorter rows are padded with
  // empty fields, so a caller may leave trailing columns off).
  void AddRow(std::vector<std::string> row);
  // The document; without its header line when `with_header` is false (for
  // rows appended to a table already printed).
  std::string ToString(bool with_header = true) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_CLI_OUTPUT_FORMAT_H_
