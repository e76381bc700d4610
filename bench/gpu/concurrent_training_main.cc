// concurrent_training: K candidate trainings at once in one process, one
// thread each (each on a CUDA stream of its own when the device is a GPU),
// as a worker with K slots runs them; prints one JSON line with the images
// per second of all of them together and how busy the GPU was meanwhile.
//
// Every slot runs TrainAndEvaluate (worker/training/trainer) on the same
// genome and data, for as many epochs over a small training set as its steps
// need, and stops after them (its run then ends CANCELLED, skipping the
// evaluation). The slots wait for each other after their warm-up steps; the
// window measured runs from then until the first slot ends its timed steps, so
// that all K train throughout it. The GPU's utilization is the mean of the
// NVML samples read inside the window (gpu_utilization.h); on the CPU, or
// where NVML cannot be read, "gpu_busy_percent" is null and "gpu_busy_error"
// says why.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "bench/gpu/gpu_utilization.h"
#include "worker/data/image_dataset.h"
#include "worker/training/allocator_tuning.h"
#include "worker/training/device.h"
#include "worker/training/torch_compat.h"
#include "worker/training/trainer.h"

ABSL_FLAG(std::string, data, "/usr/share/datasets/fashion-mnist", "Fashion-MNIST idx directory");
ABSL_FLAG(std::string, genome, "", "DARTS genome, canonical text");
ABSL_FLAG(std::string, device, "auto", "auto, cpu, cuda or cuda:N");
ABSL_FLAG(int, slots, 1, "trainings at once (K)");
ABSL_FLAG(int, threads, 1, "LibTorch intra-op threads (CPU)");
ABSL_FLAG(int, batch_size, 128, "examples per step");
ABSL_FLAG(int, warmup_steps, 5, "steps each slot runs before the window opens");
ABSL_FLAG(int, steps, 50, "timed steps each slot runs");
ABSL_FLAG(int, init_channels, 16, "C");
ABSL_FLAG(int, cells, 8, "cells");
ABSL_FLAG(int, sample_ms, 50, "NVML sampling period");

namespace nas {
namespace {

using Clock = std::chrono::steady_clock;

// Releases the slots together once all of them have run their warm-up.
class StartLine {
 public:
  explicit StartLine(int slots) : waiting_(slots) {}
  // Blocks until `slots` callers have arrived; returns when they may go on.
  void ArriveAndWait() {
    std::unique_lock<std::mutex> lock(mu_);
    if (--waiting_ == 0) {
      opened_ = Clock::now();
      cv_.notify_all();
      return;
    }
    cv_.wait(lock, [this] { return waiting_ == 0; });
  }
  Clock::time_point opened() {
    std::lock_guard<std::mutex> lock(mu_);
    return opened_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int waiting_;
  Clock::time_point opened_;
};

struct SlotRun {
  std::vector<Clock::time_point> step_end;  // After every optimisation step.
  absl::Status status;
};

int Main() {
  const int slots = absl::GetFlag(FLAGS_slots);
  const int batch = absl::GetFlag(FLAGS_batch_size);
  const int warmup = absl::GetFlag(FLAGS_warmup_steps);
  const int steps = absl::GetFlag(FLAGS_steps);
  if (slots < 1 || batch < 1 || warmup < 1 || steps < 1) {
    std::cerr << "--slots, --batch_size, --warmup_steps and --steps: must be >= 1\n";
    return 2;
  }
  torch::set_num_threads(absl::GetFlag(FLAGS_threads));
  KeepFreedMemoryForReuse();
  auto device = ResolveDevice(absl::GetFlag(FLAGS_device));
  auto genome = ParseDartsGenome(absl::GetFlag(FLAGS_genome));
  auto all = LoadIdxDataset(absl::GetFlag(FLAGS_data), /*train=*/true);
  if (!device.ok() || !genome.ok() || !all.ok()) {
    std::cerr << (!device.ok() ? device.status() : !genome.ok() ? genome.status() : all.status())
              << "\n";
    return !all.ok() ? 1 : 2;
  }
  const int total_steps = warmup + steps;
  const int steps_per_epoch =
      std::min<int64_t>(total_steps, (all->size() - batch) / batch);
  if (steps_per_epoch < 1) {
    std::cerr << "--data: fewer than two batches of examples\n";
    return 1;
  }
  auto split = SplitTrainValidation(*all, /*validation_examples=*/batch, batch * steps_per_epoch,
                                    /*seed=*/1);
  if (!split.ok()) {
    std::cerr << split.status() << "\n";
    return 1;
  }

  StartLine start_line(slots);
  std::vector<SlotRun> runs(slots);
  std::vector<std::thread> threads;
  for (int k = 0; k < slots; ++k) {
    threads.emplace_back([&, k] {
#ifdef NAS_WITH_CUDA
      std::unique_ptr<ScopedCudaStream> stream;
      if (device->is_cuda()) stream = std::make_unique<ScopedCudaStream>(device->index());
#endif
      TrainOptions o;
      o.device = *device;
      o.batch_size = batch;
      o.epochs = (total_steps + steps_per_epoch - 1) / steps_per_epoch;
      o.init_channels = absl::GetFlag(FLAGS_init_channels);
      o.cells = absl::GetFlag(FLAGS_cells);
      o.seed = 1 + k;
      o.bn_recalibration_batches = 0;
      SlotRun& run = runs[k];
      o.on_progress = [&run, &start_line, warmup, total_steps](double) {
        run.step_end.push_back(Clock::now());
        if (static_cast<int>(run.step_end.size()) == warmup) start_line.ArriveAndWait();
        return static_cast<int>(run.step_end.size()) < total_steps;
      };
      auto outcome = TrainAndEvaluate(*genome, *split, o);
      // A slot that failed before the start line must not hold the others there.
      if (static_cast<int>(run.step_end.size()) < warmup) start_line.ArriveAndWait();
      // Stopping after the timed steps is how every slot ends.
      if (!absl::IsCancelled(outcome.status())) run.status = outcome.status();
    });
  }
  // Sampling from before the window opens: only samples inside it count.
  std::unique_ptr<GpuUtilizationSampler> sampler;
  std::string sampler_error;
  if (device->is_cuda()) {
    auto started = GpuUtilizationSampler::Start(device->has_index() ? device->index() : 0,
                                                absl::Milliseconds(absl::GetFlag(FLAGS_sample_ms)));
    if (started.ok()) {
      sampler = std::move(*started);
    } else {
      sampler_error = std::string(started.status().message());
    }
  } else {
    sampler_error = "not a GPU";
  }
  for (std::thread& t : threads) t.join();
  const std::vector<GpuUtilizationSampler::Sample> samples =
      sampler ? sampler->Stop() : std::vector<GpuUtilizationSampler::Sample>();
  for (const SlotRun& run : runs) {
    if (!run.status.ok()) {
      std::cerr << "a slot failed: " << run.status << "\n";
      return 1;
    }
  }
  const Clock::time_point opened = start_line.opened();
  Clock::time_point closed = Clock::time_point::max();
  for (const SlotRun& run : runs) closed = std::min(closed, run.step_end.back());
  int64_t images = 0;
  for (const SlotRun& run : runs) {
    images += batch * std::count_if(run.step_end.begin(), run.step_end.end(),
                                    [&](Clock::time_point t) { return t > opened && t <= closed; });
  }
  const double seconds = std::chrono::duration<double>(closed - opened).count();
  std::vector<int> inside;
  for (const GpuUtilizationSampler::Sample& s : samples) {
    if (s.at > opened && s.at <= closed) inside.push_back(s.percent);
  }
  std::string busy = "null", busy_error = "null";
  if (!inside.empty()) {
    busy = absl::StrFormat("%.1f",
                           std::accumulate(inside.begin(), inside.end(), 0.0) / inside.size());
  } else {
    if (sampler_error.empty()) sampler_error = "no NVML sample inside the window";
    busy_error = absl::StrCat("\"", absl::StrReplaceAll(sampler_error, {{"\"", "'"}}), "\"");
  }
  absl::PrintF(
      R"({"impl": "libtorch_cpp", "slots": %d, "device": "%s", "batch_size": %d, )"
      R"("images_per_second": %.2f, "window_seconds": %.3f, "gpu_busy_percent": %s, )"
      R"("gpu_busy_samples": %d, "gpu_busy_error": %s})"
      "\n",
      slots, device->str(), batch, images / seconds, seconds, busy, inside.size(), busy_error);
  return 0;
}

}  // namespace
}  // namespace nas

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return nas::Main();
}
