// The TF-NAS derived architecture (Hu et al. 2020): a MobileNet-like network
// of stages of MBConv layers. Per stage the genome holds the chosen depth (the
// number of layers) and, per layer, the operator (depthwise kernel 3, 5 or 7,
// expansion 3 or 6, with or without squeeze-and-excitation) and the width
// (mid channels of the inverted bottleneck).
// Channel counts, strides and image size belong to the search space, not to
// the genome (common/genome/tfnas_space.h checks a genome against a space).
//
// Canonical text (what ToText writes and Parse reads, whitespace-tolerant):
//   "k3e6w96 k5e3sew48 | k7e6w120 | k3e3w60 k3e3sew58 k5e6w112"
// Stages are separated by '|', layers by spaces; a layer is
// k<kernel>e<expansion>[se]w<width>, "se" marking squeeze-and-excitation
// (texts written before SE existed have none and still parse).
#ifndef NAS_COMMON_GENOME_TFNAS_GENOME_H_
#define NAS_COMMON_GENOME_TFNAS_GENOME_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nas {

struct TfNasLayer {
  int kernel = 3;        // Depthwise kernel: 3, 5 or 7.
  int expansion = 3;     // 3 or 6 (the op; the real width is mid_channels).
  int mid_channels = 1;  // >= 1.
  bool se = false;       // Squeeze-and-excitation after the depthwise conv.

  bool operator==(const TfNasLayer& o) const {
    return kernel == o.kernel && expansion == o.expansion && mid_channels == o.mid_channels &&
           se == o.se;
  }
};

struct TfNasStage {
  std::vector<TfNasLayer> layers;  // Depth = layers.size(), >= 1.

  bool operator==(const TfNasStage& o) const { return layers == o.layers; }
};

struct TfNasGenome {
  std::vector<TfNasStage> stages;

  bool operator==(const TfNasGenome& o) const { return stages == o.stages; }
};

inline constexpr int kMaxTfNasStages = 8;
inline constexpr int kMaxTfNasLayersPerStage = 8;
inline constexpr int kMaxTfNasMidChannels = 1 << 16;

// OK iff 1..kMaxTfNasStages stages, each with 1..kMaxTfNasLayersPerStage
// layers, every kernel in {3, 5, 7}, expansion in {3, 6} and mid_channels in
// 1..kMaxTfNasMidChannels. Errors are INVALID_ARGUMENT naming the stage,
// layer and field (1-based) and the rule.
absl::Status ValidateTfNasGenome(const TfNasGenome& genome);

// Parses canonical text (any whitespace) and validates it.
absl::StatusOr<TfNasGenome> ParseTfNasGenome(absl::string_view text);

// Canonical one-line text; Parse(ToText(g)) == g for every valid g.
std::string TfNasGenomeToText(const TfNasGenome& genome);

}  // namespace nas

#endif  // NAS_COMMON_GENOME_TFNAS_GENOME_H_
