#include "common/genome/tfnas_genome.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status/status_macros.h"

namespace nas {
namespace {

absl::Status ValidateLayer(const TfNasLayer& layer, int stage, int index) {
  const std::string where = absl::StrFormat("stage %d, layer %d", stage, index);
  if (layer.kernel != 3 && layer.kernel != 5 && layer.kernel != 7) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s, kernel: %d must be 3, 5 or 7", where, layer.kernel));
  }
  if (layer.expansion != 3 && layer.expansion != 6) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s, expansion: %d must be 3 or 6", where, layer.expansion));
  }
  if (layer.mid_channels < 1 || layer.mid_channels > kMaxTfNasMidChannels) {
    return absl::InvalidArgumentError(absl::StrFormat("%s, width: %d must be in 1..%d", where,
                                                      layer.mid_channels, kMaxTfNasMidChannels));
  }
  return absl::OkStatus();
}

// Reads the digits after `prefix` at the front of `text` and advances it.
bool ConsumeNumber(absl::string_view& text, char prefix, int* value) {
  if (text.empty() || text.front() != prefix) return false;
  text.remove_prefix(1);
  size_t digits = 0;
  while (digits < text.size() && absl::ascii_isdigit(text[digits])) ++digits;
  if (digits == 0 || digits > 9) return false;
  if (!absl::SimpleAtoi(text.substr(0, digits), value)) return false;
  text.remove_prefix(digits);
  return true;
}

absl::StatusOr<TfNasLayer> ParseLayer(absl::string_view token, int stage, int index) {
  TfNasLayer layer;
  absl::string_view rest = token;
  bool ok = ConsumeNumber(rest, 'k', &layer.kernel) && ConsumeNumber(rest, 'e', &layer.expansion);
  if (ok) layer.se = absl::ConsumePrefix(&rest, "se");
  if (!ok || !ConsumeNumber(rest, 'w', &layer.mid_channels) || !rest.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("stage %d, layer %d: expected k<kernel>e<expansion>[se]w<width>, e.g. "
                        "k3e6w96 or k3e6sew96; got '%s'",
                        stage, index, token));
  }
  return layer;
}

}  // namespace

absl::Status ValidateTfNasGenome(const TfNasGenome& genome) {
  const int stages = static_cast<int>(genome.stages.size());
  if (stages < 1 || stages > kMaxTfNasStages) {
    return absl::InvalidArgumentError(
        absl::StrFormat("stages: has %d; must have 1..%d", stages, kMaxTfNasStages));
  }
  for (int s = 0; s < stages; ++s) {
    const int depth = static_cast<int>(genome.stages[s].layers.size());
    if (depth < 1 || depth > kMaxTfNasLayersPerStage) {
      return absl::InvalidArgumentError(
          absl::StrFormat("stage %d, depth: has %d layers; must have 1..%d", s + 1, depth,
                          kMaxTfNasLayersPerStage));
    }
    for (int l = 0; l < depth; ++l) {
      RETURN_IF_ERROR(ValidateLayer(genome.stages[s].layers[l], s + 1, l + 1));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<TfNasGenome> ParseTfNasGenome(absl::string_view text) {
  TfNasGenome genome;
  const std::vector<absl::string_view> stages = absl::StrSplit(text, '|');
  for (size_t s = 0; s < stages.size(); ++s) {
    TfNasStage stage;
    const std::vector<absl::string_view> tokens =
        absl::StrSplit(stages[s], absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty());
    for (size_t l = 0; l < tokens.size(); ++l) {
      ASSIGN_OR_RETURN(TfNasLayer layer,
                       ParseLayer(tokens[l], static_cast<int>(s) + 1, static_cast<int>(l) + 1));
      stage.layers.push_back(layer);
    }
    genome.stages.push_back(std::move(stage));
  }
  RETURN_IF_ERROR(ValidateTfNasGenome(genome));
  return genome;
}

std::string TfNasGenomeToText(const TfNasGenome& genome) {
  std::vector<std::string> stages;
  for (const TfNasStage& stage : genome.stages) {
    std::vector<std::string> layers;
    for (const TfNasLayer& l : stage.layers) {
      layers.push_back(
          absl::StrCat("k", l.kernel, "e", l.expansion, l.se ? "se" : "", "w", l.mid_channels));
    }
    stages.push_back(absl::StrJoin(layers, " "));
  }
  return absl::StrJoin(stages, " | ");
}

}  // namespace nas
