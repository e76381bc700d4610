// Peak memory and step time of one supernet search step (architect step +
// weight step) for DARTS and PC-DARTS at the same batch size, on 28x28x1
// inputs, printed as a Markdown table (or, with --format=json, one JSON line).
//
// Each method runs in a fresh child process (this binary re-executed with
// --child_method), because a process's peak RSS (VmHWM) never goes down:
// measuring both in one process would hide the smaller peak. On the CPU the
// child reports VmHWM at the end minus VmRSS just before the first step, i.e.
// the memory the steps themselves needed (activations, gradients, optimiser
// state), not the shared libraries or the model's parameters. On a GPU it
// reports the same from the CUDA caching allocator (peak allocated bytes
// minus those allocated before the first step), which needs a build with
// NAS_WITH_CUDA (worker/training/torch_compat.h); without it the peak is -1.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "torch/cuda.h"
#include "torch/torch.h"
#include "worker/supernet/architect.h"
#include "worker/supernet/supernet.h"
#include "worker/training/device.h"
#include "worker/training/torch_compat.h"

ABSL_FLAG(int, batch_size, 32, "Examples per batch (the same for every method).");
ABSL_FLAG(int, init_channels, 16, "C of the supernet.");
ABSL_FLAG(int, cells, 5, "Cells of the supernet.");
ABSL_FLAG(int, nodes, 4, "Intermediate nodes per cell.");
ABSL_FLAG(int, partial_k, 4, "K of PC-DARTS.");
ABSL_FLAG(int, steps, 4, "Timed steps (after one warm-up step).");
ABSL_FLAG(bool, second_order, false, "Second-order architect steps.");
ABSL_FLAG(int, threads, 0, "LibTorch intra-op threads (0 = LibTorch's default).");
ABSL_FLAG(std::string, device, "cpu", "cpu, cuda, cuda:N or auto.");
ABSL_FLAG(std::string, format, "markdown", "markdown (a table) or json (one line).");
ABSL_FLAG(std::string, child_method, "", "Internal: run one method (darts|pc_darts) and print a line.");

namespace nas {
namespace {

// A field of /proc/self/status in KiB, or -1.
int64_t ProcStatusKib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}

// Bytes the steps need on `device` from here on: a peak-tracking baseline.
class MemoryPeak {
 public:
  explicit MemoryPeak(const torch::Device& device) : device_(device) {
#ifdef NAS_WITH_CUDA
    if (device_.is_cuda()) {
      ResetCudaPeakMemory(device_.index());
      baseline_ = CudaAllocatedBytes(device_.index());
      return;
    }
#endif
    baseline_ = ProcStatusKib("VmRSS") * 1024;
  }
  // The peak since construction minus the baseline, in MiB; -1 when this
  // build cannot see the device's memory.
  double DeltaMib() const {
    if (device_.is_cuda()) {
#ifdef NAS_WITH_CUDA
      return (CudaPeakAllocatedBytes(device_.index()) - baseline_) / 1048576.0;
#else
      return -1;
#endif
    }
    return (ProcStatusKib("VmHWM") * 1024 - baseline_) / 1048576.0;
  }

 private:
  const torch::Device device_;
  int64_t baseline_ = 0;
};

void Synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

// Prints "<peak delta MiB> <median step ms> <intra-op threads>".
int RunChild(SupernetMethod method) {
  if (absl::GetFlag(FLAGS_threads) > 0) torch::set_num_threads(absl::GetFlag(FLAGS_threads));
  auto device = ResolveDevice(absl::GetFlag(FLAGS_device));
  if (!device.ok()) {
    std::cerr << "--device: " << device.status() << "\n";
    return 2;
  }
  torch::manual_seed(0);
  SupernetOptions so;
  so.method = method;
  so.partial_k = absl::GetFlag(FLAGS_partial_k);
  so.init_channels = absl::GetFlag(FLAGS_init_channels);
  so.cells = absl::GetFlag(FLAGS_cells);
  so.nodes = absl::GetFlag(FLAGS_nodes);
  Supernet net(so);
  net->to(*device);
  ArchitectOptions ao;
  ao.order = absl::GetFlag(FLAGS_second_order) ? ArchitectOrder::kSecond : ArchitectOrder::kFirst;
  Architect architect(net, ao);
  torch::optim::SGD sgd(net->weight_parameters(),
                        torch::optim::SGDOptions(0.025).momentum(0.9).weight_decay(3e-4));
  const int64_t b = absl::GetFlag(FLAGS_batch_size);
  auto batch = [b, &device]() -> Batch {
    return {torch::randn({b, 1, 28, 28}).to(*device),
            torch::randint(0, 10, {b}, torch::kLong).to(*device)};
  };
  const Batch train = batch(), valid = batch();
  Synchronize(*device);
  const MemoryPeak peak(*device);
  std::vector<double> ms;
  for (int s = 0; s <= absl::GetFlag(FLAGS_steps); ++s) {
    Synchronize(*device);
    const auto start = std::chrono::steady_clock::now();
    const absl::Status st = architect.Step(train, valid);
    if (!st.ok()) {
      std::cerr << st << "\n";
      return 1;
    }
    sgd.zero_grad();
    torch::nn::functional::cross_entropy(net->forward(train.images), train.labels).backward();
    torch::nn::utils::clip_grad_norm_(net->weight_parameters(), 5.0);
    sgd.step();
    Synchronize(*device);
    const double elapsed = std::chrono::duration<double, std::milli>(
                               std::chrono::steady_clock::now() - start).count();
    if (s > 0) ms.push_back(elapsed);  // Step 0 warms up allocators and kernels.
  }
  std::sort(ms.begin(), ms.end());
  const double median = ms.empty() ? 0 : ms[ms.size() / 2];
  std::printf("%.1f %.1f %d\n", peak.DeltaMib(), median, torch::get_num_threads());
  return 0;
}

// Re-executes this binary for one method; false when the child failed.
bool MeasureInChild(const std::string& method, double* peak_mib, double* median_ms,
                    int* threads) {
  const std::string cmd = absl::StrCat(
      "/proc/", getpid(), "/exe --child_method=", method,
      " --batch_size=", absl::GetFlag(FLAGS_batch_size),
      " --init_channels=", absl::GetFlag(FLAGS_init_channels),
      " --cells=", absl::GetFlag(FLAGS_cells), " --nodes=", absl::GetFlag(FLAGS_nodes),
      " --partial_k=", absl::GetFlag(FLAGS_partial_k), " --steps=", absl::GetFlag(FLAGS_steps),
      " --threads=", absl::GetFlag(FLAGS_threads), " --device=", absl::GetFlag(FLAGS_device),
      absl::GetFlag(FLAGS_second_order) ? " --second_order" : " --nosecond_order");
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return false;
  const int read = std::fscanf(pipe, "%lf %lf %d", peak_mib, median_ms, threads);
  return pclose(pipe) == 0 && read == 3;
}

int RunParent() {
  // Checked here too: the flag is passed on through a shell command line.
  auto device = ResolveDevice(absl::GetFlag(FLAGS_device));
  const std::string format = absl::GetFlag(FLAGS_format);
  if (!device.ok() || (format != "markdown" && format != "json")) {
    std::cerr << (device.ok() ? "--format must be markdown or json" : device.status().ToString())
              << "\n";
    return 2;
  }
  struct Row {
    std::string name, flag;
    double peak = 0, ms = 0;
    int threads = 0;
  };
  std::vector<Row> rows = {{"DARTS", "darts"},
                           {absl::StrCat("PC-DARTS K=", absl::GetFlag(FLAGS_partial_k)), "pc_darts"}};
  for (Row& r : rows) {
    if (!MeasureInChild(r.flag, &r.peak, &r.ms, &r.threads)) {
      std::cerr << "measuring " << r.name << " failed\n";
      return 1;
    }
  }
  const bool cuda = device->is_cuda();
  const char* order = absl::GetFlag(FLAGS_second_order) ? "second" : "first";
  if (format == "json") {
    auto mib = [](double v) { return v < 0 ? std::string("null") : absl::StrFormat("%.1f", v); };
    const bool known = rows[0].peak > 0 && rows[1].peak >= 0;
    absl::PrintF(
        R"({"device": "%s", "memory": "%s", "batch_size": %d, "init_channels": %d, "cells": %d, )"
        R"("nodes": %d, "partial_k": %d, "architect_order": "%s", "darts_peak_mib": %s, )"
        R"("pc_darts_peak_mib": %s, "pc_darts_over_darts": %s, "darts_median_step_ms": %.1f, )"
        R"("pc_darts_median_step_ms": %.1f})"
        "\n",
        device->str(), cuda ? "CUDA caching allocator, peak allocated minus before the first step"
                            : "peak RSS minus RSS before the first step",
        absl::GetFlag(FLAGS_batch_size), absl::GetFlag(FLAGS_init_channels),
        absl::GetFlag(FLAGS_cells), absl::GetFlag(FLAGS_nodes), absl::GetFlag(FLAGS_partial_k),
        order, mib(rows[0].peak), mib(rows[1].peak),
        known ? absl::StrFormat("%.3f", rows[1].peak / rows[0].peak) : "null", rows[0].ms,
        rows[1].ms);
    return 0;
  }
  std::cout << absl::StrFormat(
      "%s, batch %d, 28x28x1, C=%d, %d cells, %d nodes, %s-order architect step\n\n",
      cuda ? device->str() : absl::StrFormat("CPU (%d threads)", rows[0].threads),
      absl::GetFlag(FLAGS_batch_size), absl::GetFlag(FLAGS_init_channels),
      absl::GetFlag(FLAGS_cells), absl::GetFlag(FLAGS_nodes), order);
  std::cout << "| method | " << (cuda ? "peak CUDA allocated delta" : "peak RSS delta")
            << " (MiB) | median step (ms) | memory vs DARTS |\n"
            << "| --- | ---: | ---: | ---: |\n";
  for (const Row& r : rows) {
    std::cout << absl::StrFormat("| %s | %.1f | %.1f | %.0f%% |\n", r.name, r.peak, r.ms,
                                 100.0 * r.peak / rows[0].peak);
  }
  return 0;
}

}  // namespace
}  // namespace nas

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string child = absl::GetFlag(FLAGS_child_method);
  if (child == "darts") return nas::RunChild(nas::SupernetMethod::kDarts);
  if (child == "pc_darts") return nas::RunChild(nas::SupernetMethod::kPcDarts);
  if (!child.empty()) {
    std::cerr << "--child_method must be darts or pc_darts\n";
    return 2;
  }
  return nas::RunParent();
}
