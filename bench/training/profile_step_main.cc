// profile_step: one training step of the worker's C++ trainer (forward,
// cross-entropy, backward, gradient clip, SGD), after warm-up steps, under
// LibTorch's profiler; writes a Chrome trace. bench/profile_training.sh runs
// it beside bench/training/profile_step.py (the PyTorch peer) and summarises
// where each side's time goes.
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "torch/csrc/autograd/profiler_legacy.h"
#include "worker/data/image_dataset.h"
#include "worker/model/darts_network.h"
#include "worker/training/allocator_tuning.h"
#include "worker/training/gpu_training.h"

ABSL_FLAG(std::string, data, "/usr/share/datasets/fashion-mnist", "Fashion-MNIST idx directory");
ABSL_FLAG(std::string, genome, "", "DARTS genome, canonical text");
ABSL_FLAG(int, threads, 1, "LibTorch intra-op threads");
ABSL_FLAG(int, batch_size, 64, "examples per step");
ABSL_FLAG(int, warmup_steps, 5, "steps before the profiled one");
ABSL_FLAG(int, init_channels, 16, "C");
ABSL_FLAG(int, cells, 5, "cells");
ABSL_FLAG(bool, channels_last, false, "convolution weights and batches channels-last");
ABSL_FLAG(std::string, trace, "", "where to write the Chrome trace");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  torch::set_num_threads(absl::GetFlag(FLAGS_threads));
  nas::KeepFreedMemoryForReuse();  // As the worker does at start-up.
  auto all = nas::LoadIdxDataset(absl::GetFlag(FLAGS_data), /*train=*/true);
  auto genome = nas::ParseDartsGenome(absl::GetFlag(FLAGS_genome));
  if (!all.ok() || !genome.ok() || absl::GetFlag(FLAGS_trace).empty()) {
    std::cerr << (all.ok() ? genome.status() : all.status()) << " (--trace must be set)"
              << std::endl;
    return 2;
  }
  torch::manual_seed(1);
  nas::DartsNetworkOptions shape;
  shape.in_channels = all->images.size(1);
  shape.num_classes = all->num_classes;
  shape.init_channels = absl::GetFlag(FLAGS_init_channels);
  shape.cells = absl::GetFlag(FLAGS_cells);
  nas::DartsNetwork net(*genome, shape);
  const torch::MemoryFormat format = absl::GetFlag(FLAGS_channels_last)
                                         ? torch::MemoryFormat::ChannelsLast
                                         : torch::MemoryFormat::Contiguous;
  if (format == torch::MemoryFormat::ChannelsLast) nas::ToChannelsLast(*net);
  net->train();
  torch::optim::SGD sgd(net->parameters(),
                        torch::optim::SGDOptions(0.05).momentum(0.9).weight_decay(3e-4));
  const int64_t b = absl::GetFlag(FLAGS_batch_size);
  auto step = [&](int i) {
    const torch::Tensor images = all->images.slice(0, i * b, (i + 1) * b).contiguous(format);
    const torch::Tensor labels = all->labels.slice(0, i * b, (i + 1) * b).contiguous();
    const torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(images), labels);
    loss.item<double>();  // The trainer reads every loss (divergence check).
    sgd.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(net->parameters(), 5.0);
    sgd.step();
  };
  const int warmup = absl::GetFlag(FLAGS_warmup_steps);
  for (int i = 0; i < warmup; ++i) step(i);
  {
    torch::autograd::profiler::RecordProfile profile(absl::GetFlag(FLAGS_trace));
    step(warmup);
  }
  return 0;
}
