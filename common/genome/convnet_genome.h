// The genome family of NASH (Elsken et al. 2017, seed 001): a feed-forward
// convolutional network that network morphisms grow.
//
// Layers are numbered 0, 1, ... in order. Each is either
//   conv<k>x<w>  Conv(k x k, stride 1, "same" padding, no bias) -> BatchNorm ->
//                ReLU with w output channels, k in {1, 3, 5}, w in 1..1024;
//   pool         max pool 2x2 stride 2 (ceil mode: a side s becomes
//                ceil(s / 2), so no input size shrinks to nothing); channels
//                pass through.
// Layer 0 must be a conv: it is the stem that adapts the data's channels, so
// every other channel count follows from the genome alone.
//
// A "consumer" j is layer j or, for j == layers.size(), the head (global
// average pool + linear classifier, implicit). Without skips consumer j reads
// out[j-1] (consumer 0 reads the data). Skips from a layer's output:
//   add(i,j)     consumer j reads out[j-1] + lambda * out[i]; lambda is a
//                learnt scalar of the weights, 0 when the skip is created so
//                the branch starts contributing nothing. Needs
//                out_channels(i) == out_channels(j-1).
//   concat(i,j)  consumer j reads out[j-1] (plus its adds), then out[i]
//                concatenated on channels; several concats in ascending i.
// Both need i + 2 <= j <= layers.size() and the same resolution at both ends
// (no pool among layers i+1 .. j-1).
//
// Text (one line; tokens separated by whitespace; spaces inside parentheses
// are allowed):
//   "conv3x8 pool conv3x16 conv3x16 pool conv3x32 add(2,4) concat(1,4)"
// Layer tokens are numbered in the order they appear; skip tokens may stand
// anywhere. Canonical text (ToText) lists all layers, then the skips sorted by
// (to, from, add before concat): two genomes that build the same network have
// the same canonical text and StableTextHash.
#ifndef NAS_COMMON_GENOME_CONVNET_GENOME_H_
#define NAS_COMMON_GENOME_CONVNET_GENOME_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nas {

inline constexpr int kMaxConvNetLayers = 64;
inline constexpr int kMaxConvNetWidth = 1024;  // Output channels of a conv.
inline constexpr int kMaxConvNetChannels =
    4096;  // Of any tensor (concats add up).

enum class ConvNetLayerKind { kConv, kPool };

struct ConvNetLayer {
  ConvNetLayerKind kind = ConvNetLayerKind::kConv;
  int kernel_size = 3;  // conv only: 1, 3 or 5.
  int width = 16;       // conv only: output channels.

  bool operator==(const ConvNetLayer& o) const;
  bool operator!=(const ConvNetLayer& o) const { return !(*this == o); }
};

enum class ConvNetSkipKind { kAdd, kConcat };

struct ConvNetSkip {
  ConvNetSkipKind kind = ConvNetSkipKind::kAdd;
  int from = 0;  // A layer: its output is the branch.
  int to = 0;    // A consumer: layers.size() is the head.

  bool operator==(const ConvNetSkip& o) const {
    return kind == o.kind && from == o.from && to == o.to;
  }
};

struct ConvNetGenome {
  std::vector<ConvNetLayer> layers;
  std::vector<ConvNetSkip> skips;

  int num_layers() const { return static_cast<int>(layers.size()); }
  bool operator==(const ConvNetGenome& o) const {
    return layers == o.layers && skips == o.skips;
  }
  bool operator!=(const ConvNetGenome& o) const { return !(*this == o); }
};

// Channel counts of a genome whose layers are valid (see ComputeChannels).
struct ConvNetChannels {
  std::vector<int> in;  // in[j]: channels consumer j reads (in[0]: the data's).
  std::vector<int> out;  // out[i]: channels layer i writes.
};

// OK iff: 1..kMaxConvNetLayers layers, layer 0 a conv, kernel sizes and
// widths in range, every skip in range, at one resolution, channel-matched
// (add), unique, and no tensor wider than kMaxConvNetChannels. Errors are
// INVALID_ARGUMENT naming the layer or skip and the rule.
absl::Status ValidateConvNetGenome(const ConvNetGenome& genome);

// Parses text (see above) and validates it; the result is canonical.
// INVALID_ARGUMENT naming the token or layer and the rule.
absl::StatusOr<ConvNetGenome> ParseConvNetGenome(absl::string_view text);

// Sorts the skips into canonical order.
ConvNetGenome Canonicalize(ConvNetGenome genome);

// Canonical one-line text.
std::string ConvNetGenomeToText(const ConvNetGenome& genome);

// "conv3x16", "pool", "add(1,3)", "concat(1,3)".
std::string ConvNetLayerToText(const ConvNetLayer& layer);
std::string ConvNetSkipToText(const ConvNetSkip& skip);

// Channels of every consumer input and layer output for data with
// `input_channels` channels. Needs layers and skip indices in range (any
// genome that passed ValidateConvNetGenome).
ConvNetChannels ComputeChannels(const ConvNetGenome& genome,
                                int input_channels);

// True iff no pool lies among layers from+1 .. to-1, i.e. out[from] and the
// main input of consumer `to` (out[to-1]) have the same spatial size.
bool SameResolution(const ConvNetGenome& genome, int from, int to);

// NASH's small start network, "conv3x8 pool conv3x16 pool conv3x32": the
// paper's conv-pool-conv-pool-conv shape at small widths (about 6k weights),
// so Fashion-MNIST (28x28x1) trains in seconds per epoch on a CPU.
ConvNetGenome DefaultNashStart();

}  // namespace nas

#endif  // NAS_COMMON_GENOME_CONVNET_GENOME_H_
