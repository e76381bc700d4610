// training_throughput: images per second of the worker's candidate training
// on Fashion-MNIST, for DARTS-cell genomes, in two forms:
//   end_to_end  TrainAndEvaluate itself (worker/training/trainer), batches
//               gathered from the shuffled training set as the trainer does;
//               timed from its per-step progress callback, after a warm-up.
//   compute     the same network, optimizer and step (forward, cross-entropy,
//               backward, gradient clip 5, SGD step) over batches cut before
//               the clock starts: no data handling at all.
// Both run on --device (the training tensors moved there once, as the
// trainer does). Prints one JSON object per genome (one line each). The
// PyTorch peer is bench/training/pytorch_darts.py; bench/training.sh runs both
// alternately on the CPU, bench/gpu/run_on_device.sh on a GPU.
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "worker/data/image_dataset.h"
#include "worker/model/darts_network.h"
#include "worker/training/allocator_tuning.h"
#include "worker/training/cpu_convolution_check.h"
#include "worker/training/device.h"
#include "worker/training/gpu_training.h"
#include "worker/training/trainer.h"

ABSL_FLAG(std::string, data, "/usr/share/datasets/fashion-mnist", "Fashion-MNIST idx directory");
ABSL_FLAG(std::vector<std::string>, genomes, {}, "DARTS genomes, canonical text, comma-separated");
ABSL_FLAG(int, threads, 2, "LibTorch intra-op threads");
ABSL_FLAG(int, batch_size, 64, "examples per step");
ABSL_FLAG(int, warmup_steps, 3, "steps run before the clock starts");
ABSL_FLAG(int, steps, 20, "timed steps");
ABSL_FLAG(int, init_channels, 16, "C");
ABSL_FLAG(int, cells, 5, "cells");
ABSL_FLAG(uint64_t, seed, 1, "weights and batch order");
ABSL_FLAG(std::string, device, "cpu", "cpu, cuda, cuda:N or auto");

namespace nas {
namespace {

using Clock = std::chrono::steady_clock;

struct Shape {
  int batch, warmup, steps, init_channels, cells;
  uint64_t seed;
  torch::Device device = torch::kCPU;
};

// The trainer's own loop on (warmup + steps) batches, one epoch; the clock
// runs from the end of the last warm-up step to the end of the last step.
absl::StatusOr<double> EndToEnd(const DartsGenome& genome, const ImageDataset& all, const Shape& s,
                                int64_t* parameters) {
  auto split = SplitTrainValidation(all, /*validation_examples=*/s.batch,
                                    s.batch * (s.warmup + s.steps), s.seed);
  if (!split.ok()) return split.status();
  std::vector<Clock::time_point> step_end;
  TrainOptions o;
  o.batch_size = s.batch;
  o.init_channels = s.init_channels;
  o.cells = s.cells;
  o.seed = s.seed;
  o.device = s.device;
  o.on_progress = [&step_end](double) {
    step_end.push_back(Clock::now());
    return true;
  };
  auto outcome = TrainAndEvaluate(genome, *split, o);
  if (!outcome.ok()) return outcome.status();
  *parameters = outcome->parameter_count;
  const double seconds =
      std::chrono::duration<double>(step_end.back() - step_end[s.warmup - 1]).count();
  return s.steps * s.batch / seconds;
}

// The same step over batches prepared in advance, with the network's
// convolution weights and the batches in `format` (channels-last lets oneDNN
// skip its layout conversions on the CPU).
absl::StatusOr<double> ComputeOnly(const DartsGenome& genome, const ImageDataset& all,
                                   const Shape& s, torch::MemoryFormat format,
                                   int64_t* parameters) {
  try {
    torch::manual_seed(s.seed);
    DartsNetworkOptions shape;
    shape.in_channels = all.images.size(1);
    shape.num_classes = all.num_classes;
    shape.init_channels = s.init_channels;
    shape.cells = s.cells;
    DartsNetwork net(genome, shape);
    net->to(s.device);
    if (format == torch::MemoryFormat::ChannelsLast) ToChannelsLast(*net);
    net->train();
    *parameters = CountParameters(*net);
    torch::optim::SGD sgd(net->parameters(),
                          torch::optim::SGDOptions(0.05).momentum(0.9).weight_decay(3e-4));
    std::vector<std::pair<torch::Tensor, torch::Tensor>> batches;
    for (int b = 0; b < s.warmup + s.steps; ++b) {
      batches.emplace_back(
          all.images.slice(0, b * s.batch, (b + 1) * s.batch).to(s.device).contiguous(format),
          all.labels.slice(0, b * s.batch, (b + 1) * s.batch).to(s.device).contiguous());
    }
    Clock::time_point start;
    for (int b = 0; b < s.warmup + s.steps; ++b) {
      if (b == s.warmup) start = Clock::now();
      const torch::Tensor loss =
          torch::nn::functional::cross_entropy(net->forward(batches[b].first), batches[b].second);
      loss.item<double>();  // The trainer reads every loss (divergence check).
      sgd.zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(net->parameters(), 5.0);
      sgd.step();
    }
    return s.steps * s.batch / std::chrono::duration<double>(Clock::now() - start).count();
  } catch (const std::exception& e) {
    return absl::InternalError(e.what());
  }
}

int Main() {
  Shape s{absl::GetFlag(FLAGS_batch_size), absl::GetFlag(FLAGS_warmup_steps),
          absl::GetFlag(FLAGS_steps),      absl::GetFlag(FLAGS_init_channels),
          absl::GetFlag(FLAGS_cells),      absl::GetFlag(FLAGS_seed)};
  if (s.batch < 1 || s.warmup < 1 || s.steps < 1) {
    std::cerr << "--batch_size, --warmup_steps and --steps: must be >= 1" << std::endl;
    return 2;
  }
  auto device = ResolveDevice(absl::GetFlag(FLAGS_device));
  if (!device.ok()) {
    std::cerr << "--device: " << device.status() << std::endl;
    return 2;
  }
  s.device = *device;
  torch::set_num_threads(absl::GetFlag(FLAGS_threads));
  KeepFreedMemoryForReuse();  // As the worker does at start-up.
  if (!device->is_cuda()) {
    std::cerr << DescribeCpuConvolutionCheck(CheckCpuConvolutions()) << std::endl;  // Likewise.
  }
  auto all = LoadIdxDataset(absl::GetFlag(FLAGS_data), /*train=*/true);
  if (!all.ok()) {
    std::cerr << all.status() << std::endl;
    return 1;
  }
  for (const std::string& text : absl::GetFlag(FLAGS_genomes)) {
    auto genome = ParseDartsGenome(text);
    if (!genome.ok()) {
      std::cerr << "--genomes: " << genome.status() << std::endl;
      return 2;
    }
    int64_t params_e2e = 0, params_compute = 0, params_channels_last = 0;
    auto e2e = EndToEnd(*genome, *all, s, &params_e2e);
    auto compute = ComputeOnly(*genome, *all, s, torch::MemoryFormat::Contiguous, &params_compute);
    auto channels_last =
        ComputeOnly(*genome, *all, s, torch::MemoryFormat::ChannelsLast, &params_channels_last);
    for (const auto* result : {&e2e, &compute, &channels_last}) {
      if (!result->ok()) {
        std::cerr << result->status() << std::endl;
        return 1;
      }
    }
    if (params_e2e != params_compute || params_e2e != params_channels_last) {
      std::cerr << "parameter counts differ: " << params_e2e << ", " << params_compute << ", "
                << params_channels_last << std::endl;
      return 1;
    }
    absl::PrintF(
        R"({"impl": "libtorch_cpp", "genome": "%s", "parameters": %d, "threads": %d, )"
        R"("batch_size": %d, "steps": %d, "end_to_end_images_per_second": %.2f, )"
        R"("compute_images_per_second": %.2f, "compute_channels_last_images_per_second": %.2f, )"
        R"("device": "%s"})"
        "\n",
        DartsGenomeToText(*genome), params_e2e, torch::get_num_threads(), s.batch, s.steps, *e2e,
        *compute, *channels_last, s.device.str());
  }
  return 0;
}

}  // namespace
}  // namespace nas

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return nas::Main();
}
