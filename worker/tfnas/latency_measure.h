// Measuring latency on the worker's own device: whole derived networks, and
// TF-NAS lookup tables for a search space (every block configuration of the
// space by width, plus 'base' = stem + head), in the format of
// latency_table.h, so that a table measured here and the paper's tables are
// used the same way.
#ifndef NAS_WORKER_TFNAS_LATENCY_MEASURE_H_
#define NAS_WORKER_TFNAS_LATENCY_MEASURE_H_

#include <functional>

#include "absl/status/statusor.h"
#include "common/genome/tfnas_genome.h"
#include "common/genome/tfnas_space.h"
#include "torch/torch.h"
#include "worker/tfnas/latency_table.h"

namespace nas {

struct LatencyMeasureOptions {
  int batch_size = 1;  // The paper: 1 on CPU, 32 on GPU.
  int warmup = 5;      // Untimed forward passes first.
  int repeats = 20;    // Timed passes; the median is reported.
  // Tables: widths measured every width_stride channels (and at both ends of
  // each key's range); the widths between are linearly interpolated.
  int width_stride = 8;
};

// INVALID_ARGUMENT names a field out of range (batch_size, repeats,
// width_stride >= 1, warmup >= 0).
absl::Status ValidateLatencyMeasureOptions(const LatencyMeasureOptions& options);

// Median ms of `forward` on a random input of `shape` on `device` (in eval
// mode, without gradients; CUDA is synchronised around each pass). Never
// throws: LibTorch errors become INTERNAL or RESOURCE_EXHAUSTED.
absl::StatusOr<double> MeasureForwardLatency(
    const std::function<torch::Tensor(const torch::Tensor&)>& forward,
    const std::vector<int64_t>& shape, const torch::Device& device,
    const LatencyMeasureOptions& options);

// The median latency of the plain network of `genome` (BuildTfNasNetwork).
absl::StatusOr<double> MeasureNetworkLatency(const TfNasSpace& space, const TfNasGenome& genome,
                                             const torch::Device& device,
                                             const LatencyMeasureOptions& options);

// A table for `space` measured on `device`: for each distinct block key of
// the space (BlockLatencyKey of every layer position and op) entries for
// every width of that position: without SE from the smallest e3 to the
// largest e6 width (one key serves both), with SE the op's expansion's
// widths (its key names its SE channels), timing SE blocks.
absl::StatusOr<LatencyTable> MeasureLatencyTable(const TfNasSpace& space,
                                                 const torch::Device& device,
                                                 const LatencyMeasureOptions& options);

}  // namespace nas

#endif  // NAS_WORKER_TFNAS_LATENCY_MEASURE_H_
