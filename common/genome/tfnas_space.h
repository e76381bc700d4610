// The TF-NAS search space (Hu et al. 2020), scaled to a dataset's image
// size: a stem (3x3 conv, then a 3x3 MBConv without expansion), stages of
// MBConv layers whose operator (kernel x expansion 3/6 x squeeze-and-
// excitation on/off), depth and width are searched, and a head (1x1 conv,
// global pooling, linear classifier). The default is the paper's 8 ops:
// kernels 3 and 5, expansions 3 and 6, each with and without SE.
//
// The first layer of a stage changes channels (and maybe resolution); later
// layers keep the shape and add a residual. A layer's width (mid channels)
// ranges elastically around expansion x in_channels, from 2/3 to 4/3 of it,
// as the paper's elastic scaling does.
//
// No LibTorch here: the space is shared by latency tables, derivation and
// the modules that build it.
#ifndef NAS_COMMON_GENOME_TFNAS_SPACE_H_
#define NAS_COMMON_GENOME_TFNAS_SPACE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/genome/tfnas_genome.h"

namespace nas {

struct TfNasStageSpec {
  int out_channels = 0;
  int stride = 1;                    // Of the stage's first layer: 1 or 2.
  int max_layers = 1;                // Searched depth is 1..max_layers.
  std::string activation = "swish";  // "relu" or "swish".
};

struct TfNasSpace {
  int image_size = 0;  // Square images.
  int image_channels = 0;
  int num_classes = 0;
  int stem_channels = 0;  // The stem's 3x3 conv ...
  int stem_stride = 1;
  int first_block_channels = 0;  // ... and its MBConv, which feeds stage 1.
  std::vector<TfNasStageSpec> stages;
  int head_channels = 0;
  std::vector<int> kernels;  // Candidate depthwise kernels, ascending, from {3, 5, 7}.
  // Squeeze-and-excitation variants: {false}, {true} or {false, true}
  // (MakeTfNasSpace's default); a space built by hand has the plain ops.
  std::vector<bool> squeeze_excitation = {false};
};

struct TfNasOp {
  int kernel = 3;
  int expansion = 3;
  bool se = false;
};

// The candidate ops of a layer: squeeze_excitation x kernels x expansions
// {3, 6}, ops without SE first and kernel-major within (k3e3, k3e6, k5e3,
// k5e6, k3e3se, ...), the reference's order. The op index used by supernet
// and derivation.
std::vector<TfNasOp> SpaceOps(const TfNasSpace& space);
// Index into SpaceOps, or -1 when the space has no such op.
int OpIndex(const TfNasSpace& space, int kernel, int expansion, bool se = false);
inline int OpIndex(const TfNasSpace& space, const TfNasLayer& layer) {
  return OpIndex(space, layer.kernel, layer.expansion, layer.se);
}
// "k3e6" or "k3e6se", as in the genome text.
std::string OpName(const TfNasOp& op);

// The squeeze-and-excitation bottleneck of an SE op, as the reference sets
// it: in_channels for expansion 3, 2 x in_channels for 6 (a third of the
// initial mid channels, however wide the layer); 0 without SE.
int SeChannels(int in_channels, const TfNasOp& op);

struct TfNasSpaceOptions {
  int image_size = 28;
  int image_channels = 1;
  int num_classes = 10;
  // Scales the paper's channel counts (stem 32, 16, stages 24 40 80 112 192
  // 320, head 1280); results are rounded to multiples of 4, at least 4.
  double width_multiplier = 1.0;
  // Caps the paper's stage depths (2, 3, 4, 4, 4, 1).
  int max_layers_per_stage = 4;
  std::vector<int> kernels = {3, 5};
  std::vector<bool> squeeze_excitation = {false, true};
};

// The paper's six stages with its activations (relu in stage 1, swish
// after). Resolution halves while it is >= 8, at most five times, at the
// paper's stride-2 places in the order stage 1, stage 3, stage 5, stage 2,
// stem: 224 gives the paper's strides (224 -> 7), 28 halves in stages 1 and
// 3 (28 -> 7), 8 in stage 1 (8 -> 4). INVALID_ARGUMENT names a bad option.
absl::StatusOr<TfNasSpace> MakeTfNasSpace(const TfNasSpaceOptions& options);

// OK iff every field is in range (errors name the field and the rule).
absl::Status ValidateTfNasSpace(const TfNasSpace& space);

// The shape of layer `layer` of stage `stage` (0-based; layer < max_layers).
struct TfNasLayerShape {
  int input_size = 0;  // Height = width of the layer's input.
  int in_channels = 0;
  int out_channels = 0;
  int stride = 1;
  std::string activation;
  bool residual = false;  // Same shape in and out: adds the input.
};
TfNasLayerShape LayerShape(const TfNasSpace& space, int stage, int layer);

// Spatial size after a conv of `stride` with 'same' padding.
int ConvOutputSize(int size, int stride);
int StemOutputSize(const TfNasSpace& space);
// The size of the last stage's output (the head's input).
int FinalFeatureSize(const TfNasSpace& space);

struct WidthRange {
  int min = 0, initial = 0, max = 0;  // min <= initial <= max.
};
// initial = expansion * in_channels, max = 4/3 of it, min = max / 2.
WidthRange MidChannelRange(int in_channels, int expansion);

// OK iff the genome is valid, has one stage per space stage, depth <=
// max_layers, ops (kernel, SE) in the space and widths in MidChannelRange.
// Errors (INVALID_ARGUMENT) name the stage, layer, field and rule.
absl::Status ValidateGenomeInSpace(const TfNasSpace& space, const TfNasGenome& genome);

// The latency table key of an MBConv layer, as in the paper's tables:
// MBInvertedResBlock_<input size>_<in ch>_<se ch>_<out ch>_k<kernel>_s<stride>_<act>,
// se ch = SeChannels (0 without SE). Without SE one key serves both
// expansions (the width tells them apart); with SE each has its own.
std::string BlockLatencyKey(const TfNasLayerShape& shape, int kernel, int se_channels = 0);
std::string BlockLatencyKey(const TfNasLayerShape& shape, const TfNasOp& op);

}  // namespace nas

#endif  // NAS_COMMON_GENOME_TFNAS_SPACE_H_
