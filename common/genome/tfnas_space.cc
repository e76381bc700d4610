#include "common/genome/tfnas_space.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/status_macros.h"

namespace nas {
namespace {

struct PaperStage {
  int channels, layers;
  const char* activation;
};
constexpr PaperStage kPaperStages[] = {{24, 2, "relu"},   {40, 3, "swish"},  {80, 4, "swish"},
                                       {112, 4, "swish"}, {192, 4, "swish"}, {320, 1, "swish"}};
// Where the paper halves resolution, in the order the halvings are handed
// out (-1 = stem, else a stage index).
constexpr int kHalvingOrder[] = {0, 2, 4, 1, -1};

int Scale(int channels, double multiplier) {
  const int scaled = static_cast<int>(std::lround(channels * multiplier / 4.0)) * 4;
  return std::max(4, scaled);
}

absl::Status Invalid(const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat("tfnas space: ", message));
}

}  // namespace

std::vector<TfNasOp> SpaceOps(const TfNasSpace& space) {
  std::vector<TfNasOp> ops;
  for (bool se : space.squeeze_excitation) {
    for (int k : space.kernels) {
      ops.push_back({k, 3, se});
      ops.push_back({k, 6, se});
    }
  }
  return ops;
}

int OpIndex(const TfNasSpace& space, int kernel, int expansion, bool se) {
  const auto k = std::find(space.kernels.begin(), space.kernels.end(), kernel);
  const auto s = std::find(space.squeeze_excitation.begin(), space.squeeze_excitation.end(), se);
  if (k == space.kernels.end() || s == space.squeeze_excitation.end() ||
      (expansion != 3 && expansion != 6)) {
    return -1;
  }
  const int per_se = static_cast<int>(space.kernels.size()) * 2;
  return static_cast<int>(s - space.squeeze_excitation.begin()) * per_se +
         static_cast<int>(k - space.kernels.begin()) * 2 + (expansion == 6 ? 1 : 0);
}

std::string OpName(const TfNasOp& op) {
  return absl::StrCat("k", op.kernel, "e", op.expansion, op.se ? "se" : "");
}

int SeChannels(int in_channels, const TfNasOp& op) {
  return op.se ? in_channels * op.expansion / 3 : 0;
}

absl::StatusOr<TfNasSpace> MakeTfNasSpace(const TfNasSpaceOptions& o) {
  if (o.image_size < 1) return Invalid(absl::StrCat("image_size: ", o.image_size, " must be >= 1"));
  if (!(o.width_multiplier > 0 && o.width_multiplier <= 8)) {
    return Invalid(absl::StrCat("width_multiplier: ", o.width_multiplier, " must be in (0, 8]"));
  }
  if (o.max_layers_per_stage < 1 || o.max_layers_per_stage > kMaxTfNasLayersPerStage) {
    return Invalid(absl::StrCat("max_layers_per_stage: ", o.max_layers_per_stage, " must be in 1..",
                                kMaxTfNasLayersPerStage));
  }
  TfNasSpace space;
  space.image_size = o.image_size;
  space.image_channels = o.image_channels;
  space.num_classes = o.num_classes;
  space.stem_channels = Scale(32, o.width_multiplier);
  space.first_block_channels = Scale(16, o.width_multiplier);
  space.head_channels = Scale(1280, o.width_multiplier);
  space.kernels = o.kernels;
  space.squeeze_excitation = o.squeeze_excitation;
  for (const PaperStage& p : kPaperStages) {
    space.stages.push_back({Scale(p.channels, o.width_multiplier), 1,
                            std::min(p.layers, o.max_layers_per_stage), p.activation});
  }
  int size = o.image_size;
  for (int place : kHalvingOrder) {
    if (size < 8) break;
    size = ConvOutputSize(size, 2);
    if (place < 0) {
      space.stem_stride = 2;
    } else {
      space.stages[place].stride = 2;
    }
  }
  RETURN_IF_ERROR(ValidateTfNasSpace(space));
  return space;
}

absl::Status ValidateTfNasSpace(const TfNasSpace& s) {
  auto positive = [](int v) { return v >= 1 && v <= 100000; };
  if (!positive(s.image_size)) return Invalid("image_size must be in 1..100000");
  if (!positive(s.image_channels)) return Invalid("image_channels must be in 1..100000");
  if (s.num_classes < 2 || s.num_classes > 100000)
    return Invalid("num_classes must be in 2..100000");
  if (!positive(s.stem_channels)) return Invalid("stem_channels must be in 1..100000");
  if (!positive(s.first_block_channels))
    return Invalid("first_block_channels must be in 1..100000");
  if (!positive(s.head_channels)) return Invalid("head_channels must be in 1..100000");
  if (s.stem_stride != 1 && s.stem_stride != 2) return Invalid("stem_stride must be 1 or 2");
  if (s.kernels.empty()) return Invalid("kernels must not be empty");
  for (size_t i = 0; i < s.kernels.size(); ++i) {
    const int k = s.kernels[i];
    if ((k != 3 && k != 5 && k != 7) || (i > 0 && k <= s.kernels[i - 1])) {
      return Invalid("kernels must be ascending values from {3, 5, 7}");
    }
  }
  const std::vector<bool>& se = s.squeeze_excitation;
  if (se.empty() || se.size() > 2 || (se.size() == 2 && !(!se[0] && se[1]))) {
    return Invalid("squeeze_excitation must be [false], [true] or [false, true]");
  }
  const int stages = static_cast<int>(s.stages.size());
  if (stages < 1 || stages > kMaxTfNasStages) {
    return Invalid(absl::StrCat("stages: has ", stages, "; must have 1..", kMaxTfNasStages));
  }
  for (int i = 0; i < stages; ++i) {
    const TfNasStageSpec& st = s.stages[i];
    const std::string where = absl::StrCat("stage ", i + 1, ", ");
    if (!positive(st.out_channels)) return Invalid(where + "out_channels must be in 1..100000");
    if (st.stride != 1 && st.stride != 2) return Invalid(where + "stride must be 1 or 2");
    if (st.max_layers < 1 || st.max_layers > kMaxTfNasLayersPerStage) {
      return Invalid(absl::StrCat(where, "max_layers must be in 1..", kMaxTfNasLayersPerStage));
    }
    if (st.activation != "relu" && st.activation != "swish") {
      return Invalid(where + "activation must be relu or swish");
    }
  }
  return absl::OkStatus();
}

int ConvOutputSize(int size, int stride) { return (size - 1) / stride + 1; }

int StemOutputSize(const TfNasSpace& space) {
  return ConvOutputSize(space.image_size, space.stem_stride);
}

TfNasLayerShape LayerShape(const TfNasSpace& space, int stage, int layer) {
  int size = StemOutputSize(space);
  int channels = space.first_block_channels;
  for (int s = 0; s < stage; ++s) {
    size = ConvOutputSize(size, space.stages[s].stride);
    channels = space.stages[s].out_channels;
  }
  const TfNasStageSpec& spec = space.stages[stage];
  TfNasLayerShape shape;
  shape.activation = spec.activation;
  shape.out_channels = spec.out_channels;
  if (layer == 0) {
    shape.input_size = size;
    shape.in_channels = channels;
    shape.stride = spec.stride;
  } else {
    shape.input_size = ConvOutputSize(size, spec.stride);
    shape.in_channels = spec.out_channels;
    shape.stride = 1;
  }
  shape.residual = shape.stride == 1 && shape.in_channels == shape.out_channels;
  return shape;
}

int FinalFeatureSize(const TfNasSpace& space) {
  int size = StemOutputSize(space);
  for (const TfNasStageSpec& s : space.stages) size = ConvOutputSize(size, s.stride);
  return size;
}

WidthRange MidChannelRange(int in_channels, int expansion) {
  WidthRange r;
  r.initial = expansion * in_channels;
  r.max = (4 * r.initial + 2) / 3;
  r.min = r.max / 2;
  return r;
}

absl::Status ValidateGenomeInSpace(const TfNasSpace& space, const TfNasGenome& genome) {
  RETURN_IF_ERROR(ValidateTfNasGenome(genome));
  if (genome.stages.size() != space.stages.size()) {
    return absl::InvalidArgumentError(absl::StrFormat("stages: has %d; the space has %d",
                                                      genome.stages.size(), space.stages.size()));
  }
  for (size_t s = 0; s < space.stages.size(); ++s) {
    const auto& layers = genome.stages[s].layers;
    if (static_cast<int>(layers.size()) > space.stages[s].max_layers) {
      return absl::InvalidArgumentError(
          absl::StrFormat("stage %d, depth: %d must be <= %d (the space's max_layers)", s + 1,
                          layers.size(), space.stages[s].max_layers));
    }
    for (size_t l = 0; l < layers.size(); ++l) {
      const TfNasLayer& layer = layers[l];
      const std::string where = absl::StrFormat("stage %d, layer %d", s + 1, l + 1);
      if (std::find(space.kernels.begin(), space.kernels.end(), layer.kernel) ==
          space.kernels.end()) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s, kernel: %d is not one of the space's kernels", where, layer.kernel));
      }
      if (OpIndex(space, layer) < 0) {
        return absl::InvalidArgumentError(
            absl::StrFormat("%s, se: %s is not allowed by the space's squeeze_excitation", where,
                            layer.se ? "true" : "false"));
      }
      const WidthRange r = MidChannelRange(LayerShape(space, s, l).in_channels, layer.expansion);
      if (layer.mid_channels < r.min || layer.mid_channels > r.max) {
        return absl::InvalidArgumentError(
            absl::StrFormat("%s, width: %d must be in %d..%d for expansion %d", where,
                            layer.mid_channels, r.min, r.max, layer.expansion));
      }
    }
  }
  return absl::OkStatus();
}

std::string BlockLatencyKey(const TfNasLayerShape& shape, int kernel, int se_channels) {
  return absl::StrCat("MBInvertedResBlock_", shape.input_size, "_", shape.in_channels, "_",
                      se_channels, "_", shape.out_channels, "_k", kernel, "_s", shape.stride, "_",
                      shape.activation);
}

std::string BlockLatencyKey(const TfNasLayerShape& shape, const TfNasOp& op) {
  return BlockLatencyKey(shape, op.kernel, SeChannels(shape.in_channels, op));
}

}  // namespace nas
