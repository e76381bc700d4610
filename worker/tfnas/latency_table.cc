#include "worker/tfnas/latency_table.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status/status_macros.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace nas {
namespace {

absl::Status Invalid(const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat("latency table: ", message));
}

absl::StatusOr<std::map<int, double>> ReadBlock(const std::string& key,
                                                const google::protobuf::Value& value) {
  if (!value.has_struct_value()) return Invalid(absl::StrCat("'", key, "' must be an object"));
  std::map<int, double> widths;
  for (const auto& [width_text, ms] : value.struct_value().fields()) {
    int width = 0;
    if (!absl::SimpleAtoi(width_text, &width) || width < 1) {
      return Invalid(
          absl::StrCat("'", key, "': mid channels '", width_text, "' must be a positive integer"));
    }
    if (!ms.has_number_value() || !std::isfinite(ms.number_value())) {
      return Invalid(absl::StrCat("'", key, "' at ", width, ": latency must be a finite number"));
    }
    widths[width] = ms.number_value();
  }
  if (widths.empty()) return Invalid(absl::StrCat("'", key, "' has no entries"));
  return widths;
}

std::string Number(double v) { return absl::StrFormat("%.17g", v); }

}  // namespace

absl::StatusOr<LatencyTable> ReadLatencyTableJson(absl::string_view text) {
  google::protobuf::Struct root;
  const auto parsed = google::protobuf::util::JsonStringToMessage(std::string(text), &root);
  if (!parsed.ok()) {
    return Invalid(absl::StrCat("malformed JSON: ", std::string(parsed.message())));
  }
  LatencyTable table;
  const auto base = root.fields().find("base");
  if (base == root.fields().end() || !base->second.has_number_value() ||
      !std::isfinite(base->second.number_value())) {
    return Invalid("'base' must be present and a finite number");
  }
  table.base_ms = base->second.number_value();
  for (const auto& [key, value] : root.fields()) {
    if (key == "base") continue;
    ASSIGN_OR_RETURN(table.blocks[key], ReadBlock(key, value));
  }
  return table;
}

absl::StatusOr<LatencyTable> ReadLatencyTableFile(const std::string& path,
                                                  absl::string_view field) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(field, ": cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<LatencyTable> table = ReadLatencyTableJson(text.str());
  if (!table.ok()) {
    return absl::Status(table.status().code(),
                        absl::StrCat(field, ": ", path, ": ", table.status().message()));
  }
  return table;
}

std::string WriteLatencyTableJson(const LatencyTable& table) {
  std::vector<std::string> entries = {absl::StrCat("\"base\": ", Number(table.base_ms))};
  for (const auto& [key, widths] : table.blocks) {
    std::vector<std::string> inner;
    for (const auto& [width, ms] : widths) {
      inner.push_back(absl::StrCat("\"", width, "\": ", Number(ms)));
    }
    entries.push_back(absl::StrCat("\"", key, "\": {", absl::StrJoin(inner, ", "), "}"));
  }
  return absl::StrCat("{\n", absl::StrJoin(entries, ",\n"), "\n}\n");
}

absl::StatusOr<double> BlockLatency(const LatencyTable& table, const std::string& key,
                                    int mid_channels) {
  const auto block = table.blocks.find(key);
  if (block == table.blocks.end()) {
    return absl::NotFoundError(absl::StrCat("latency table has no block '", key, "'"));
  }
  const auto entry = block->second.find(mid_channels);
  if (entry == block->second.end()) {
    return absl::NotFoundError(absl::StrCat("latency table block '", key, "' has no entry for ",
                                            mid_channels, " mid channels"));
  }
  return entry->second;
}

absl::StatusOr<double> PredictLatency(const LatencyTable& table, const TfNasSpace& space,
                                      const TfNasGenome& genome) {
  RETURN_IF_ERROR(ValidateGenomeInSpace(space, genome));
  double ms = table.base_ms;
  for (size_t s = 0; s < genome.stages.size(); ++s) {
    const auto& layers = genome.stages[s].layers;
    for (size_t l = 0; l < layers.size(); ++l) {
      const TfNasOp op{layers[l].kernel, layers[l].expansion, layers[l].se};
      const std::string key = BlockLatencyKey(LayerShape(space, s, l), op);
      ASSIGN_OR_RETURN(const double block, BlockLatency(table, key, layers[l].mid_channels));
      ms += block;
    }
  }
  return ms;
}

}  // namespace nas
