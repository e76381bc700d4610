#include "worker/tfnas/latency_measure.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "torch/cuda.h"
#include "worker/errors/torch_errors.h"
#include "worker/tfnas/blocks.h"
#include "worker/tfnas/network.h"
#include "worker/training/default_generator.h"

namespace nas {
namespace {

// Timing does not depend on the values: modules are built and inputs drawn
// from this seed, under RunSeeded or from a generator of their own, so that
// a measurement draws nothing from another slot's seeded build.
constexpr uint64_t kMeasureSeed = 0;

torch::Tensor RandomInput(const std::vector<int64_t>& shape, const torch::Device& device) {
  torch::Generator gen = torch::make_generator<torch::CPUGeneratorImpl>(kMeasureSeed);
  return torch::randn(shape, gen).to(device);
}

// `Make` builds a module (its constructor draws initial weights).
template <typename Make>
auto Build(Make make) -> decltype(make()) {
  return RunSeeded(kMeasureSeed, make);
}

void Synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

double TimedMedian(const std::function<torch::Tensor(const torch::Tensor&)>& forward,
                   const torch::Tensor& input, const LatencyMeasureOptions& o) {
  for (int i = 0; i < o.warmup; ++i) forward(input);
  std::vector<double> ms;
  for (int i = 0; i < o.repeats; ++i) {
    Synchronize(input.device());
    const auto start = std::chrono::steady_clock::now();
    forward(input);
    Synchronize(input.device());
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  return ms[ms.size() / 2];
}

// Times the module's forward on `shape`; the module moves to `device`.
template <typename Module>
double TimeModule(Module module, const std::vector<int64_t>& shape, const torch::Device& device,
                  const LatencyMeasureOptions& o) {
  module->to(device);
  module->eval();
  const torch::Tensor input = RandomInput(shape, device);
  return TimedMedian([&](const torch::Tensor& x) { return module->forward(x); }, input, o);
}

// Measures op `op` at sampled widths and fills every width in [lo, hi]
// linearly.
std::map<int, double> MeasureWidths(const TfNasSpace& space, int stage, int layer,
                                    const TfNasOp& op, int lo, int hi, const torch::Device& device,
                                    const LatencyMeasureOptions& o) {
  const TfNasLayerShape shape = LayerShape(space, stage, layer);
  std::vector<int> sampled;
  for (int w = lo; w < hi; w += o.width_stride) sampled.push_back(w);
  sampled.push_back(hi);
  std::vector<double> ms;
  for (int w : sampled) {
    ms.push_back(TimeModule(
        Build([&] { return MbConv(LayerBlockOptions(space, stage, layer, op, w)); }),
        {o.batch_size, shape.in_channels, shape.input_size, shape.input_size}, device, o));
  }
  std::map<int, double> widths;
  for (size_t i = 0; i + 1 < sampled.size(); ++i) {
    for (int w = sampled[i]; w < sampled[i + 1]; ++w) {
      const double t = static_cast<double>(w - sampled[i]) / (sampled[i + 1] - sampled[i]);
      widths[w] = ms[i] + t * (ms[i + 1] - ms[i]);
    }
  }
  widths[hi] = ms.back();
  return widths;
}

LatencyTable MeasureTable(const TfNasSpace& space, const torch::Device& device,
                          const LatencyMeasureOptions& o) {
  torch::NoGradGuard no_grad;
  LatencyTable table;
  const int64_t image = space.image_size;
  const int64_t final_size = FinalFeatureSize(space);
  table.base_ms =
      TimeModule(Build([&] { return Stem(space); }),
                 {o.batch_size, space.image_channels, image, image}, device, o) +
      TimeModule(Build([&] { return Head(space); }),
                 {o.batch_size, space.stages.back().out_channels, final_size, final_size}, device,
                 o);
  for (size_t s = 0; s < space.stages.size(); ++s) {
    for (int l = 0; l < space.stages[s].max_layers; ++l) {
      const TfNasLayerShape shape = LayerShape(space, s, l);
      for (const TfNasOp& op : SpaceOps(space)) {
        const std::string key = BlockLatencyKey(shape, op);
        if (table.blocks.count(key)) continue;  // Later layers of a stage share a shape.
        // Without SE both expansions share a key (the width tells them
        // apart); an SE op's key has its own SE channels, so its own range.
        const WidthRange lo = MidChannelRange(shape.in_channels, op.se ? op.expansion : 3);
        const WidthRange hi = MidChannelRange(shape.in_channels, op.se ? op.expansion : 6);
        table.blocks[key] = MeasureWidths(space, s, l, op, lo.min, hi.max, device, o);
      }
    }
  }
  return table;
}

}  // namespace

absl::Status ValidateLatencyMeasureOptions(const LatencyMeasureOptions& o) {
  auto invalid = [](absl::string_view field, int value, absl::string_view rule) {
    return absl::InvalidArgumentError(
        absl::StrCat("latency_measure.", field, ": ", value, " must be ", rule));
  };
  if (o.batch_size < 1) return invalid("batch_size", o.batch_size, ">= 1");
  if (o.warmup < 0) return invalid("warmup", o.warmup, ">= 0");
  if (o.repeats < 1) return invalid("repeats", o.repeats, ">= 1");
  if (o.width_stride < 1) return invalid("width_stride", o.width_stride, ">= 1");
  return absl::OkStatus();
}

absl::StatusOr<double> MeasureForwardLatency(
    const std::function<torch::Tensor(const torch::Tensor&)>& forward,
    const std::vector<int64_t>& shape, const torch::Device& device,
    const LatencyMeasureOptions& options) {
  RETURN_IF_ERROR(ValidateLatencyMeasureOptions(options));
  double ms = 0;
  RETURN_IF_ERROR(CallGuarded("latency measurement", [&]() -> absl::Status {
    torch::NoGradGuard no_grad;
    ms = TimedMedian(forward, RandomInput(shape, device), options);
    return absl::OkStatus();
  }));
  return ms;
}

absl::StatusOr<double> MeasureNetworkLatency(const TfNasSpace& space, const TfNasGenome& genome,
                                             const torch::Device& device,
                                             const LatencyMeasureOptions& options) {
  RETURN_IF_ERROR(ValidateLatencyMeasureOptions(options));
  ASSIGN_OR_RETURN(TfNasNetwork net, Build([&] { return BuildTfNasNetwork(space, genome); }));
  double ms = 0;
  RETURN_IF_ERROR(CallGuarded("network latency measurement", [&]() -> absl::Status {
    torch::NoGradGuard no_grad;
    ms = TimeModule(net,
                    {options.batch_size, space.image_channels, space.image_size, space.image_size},
                    device, options);
    return absl::OkStatus();
  }));
  return ms;
}

absl::StatusOr<LatencyTable> MeasureLatencyTable(const TfNasSpace& space,
                                                 const torch::Device& device,
                                                 const LatencyMeasureOptions& options) {
  RETURN_IF_ERROR(ValidateLatencyMeasureOptions(options));
  RETURN_IF_ERROR(ValidateTfNasSpace(space));
  LatencyTable table;
  RETURN_IF_ERROR(CallGuarded("latency table measurement", [&]() -> absl::Status {
    table = MeasureTable(space, device, options);
    return absl::OkStatus();
  }));
  return table;
}

}  // namespace nas
