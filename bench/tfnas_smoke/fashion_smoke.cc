// Not a test: a short TF-NAS search on Fashion-MNIST on the CPU, with a
// latency table measured first, printing the numbers a reader compares
// (table size and time, per-epoch progress, target, predicted and measured
// latency). Usage: fashion_smoke <fashion-mnist dir> [target fraction], e.g.
//   bazel run -c opt //bench/tfnas_smoke:fashion_smoke -- /path/to/fashion-mnist
#include <cstdlib>
#include <iostream>

#include "absl/time/clock.h"
#include "worker/data/image_dataset.h"
#include "worker/tfnas/latency_target.h"
#include "worker/tfnas/search.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: fashion_smoke <fashion-mnist dir> [target fraction]\n";
    return 2;
  }
  const double fraction = argc > 2 ? std::atof(argv[2]) : 0.3;
  torch::set_num_threads(2);
  auto all = nas::LoadIdxDataset(argv[1], /*train=*/true);
  if (!all.ok()) return std::cerr << all.status() << "\n", 1;
  auto split = nas::SplitTrainValidation(*all, 500, 2000, /*seed=*/1);
  if (!split.ok()) return std::cerr << split.status() << "\n", 1;
  nas::TfNasSearchOptions o;
  o.space.image_size = 28;
  o.space.width_multiplier = 0.25;
  o.space.max_layers_per_stage = 2;
  const nas::TfNasSpace space = *nas::MakeTfNasSpace(o.space);
  nas::LatencyMeasureOptions m;
  m.warmup = 2;
  m.repeats = 5;
  m.width_stride = 16;
  const absl::Time start = absl::Now();
  auto table = nas::MeasureLatencyTable(space, torch::kCPU, m);
  if (!table.ok()) return std::cerr << table.status() << "\n", 1;
  const auto lat = *nas::SpaceLatencies::Create(space, *table);
  const double min_ms = lat.Predict(lat.Fastest()), max_ms = lat.Predict(lat.Slowest());
  std::cout << "table: " << table->blocks.size() << " blocks, base " << table->base_ms
            << " ms, measured in " << absl::ToDoubleSeconds(absl::Now() - start)
            << " s; space latency " << min_ms << " .. " << max_ms << " ms" << std::endl;
  o.latency_table = *table;
  o.target_ms = min_ms + fraction * (max_ms - min_ms);
  o.epochs = 2;
  o.warmup_epochs = 1;
  o.batch_size = 64;
  o.weight_learning_rate = 0.05;
  o.arch_learning_rate = 1e-2;
  o.measure = m;
  o.on_epoch = [](const nas::TfNasProgress& p) {
    std::cout << "epoch " << p.epoch << " train loss " << p.train_loss << " acc "
              << p.train_accuracy << " valid loss " << p.valid_loss << " acc " << p.valid_accuracy
              << " expected " << p.expected_ms << " ms, derived " << p.genome << " predicted "
              << p.predicted_ms << " ms" << std::endl;
    return true;
  };
  auto outcome = nas::RunTfNasSearch(*split, o);
  if (!outcome.ok()) return std::cerr << outcome.status() << "\n", 1;
  std::cout << "target " << o.target_ms << " ms: " << nas::TfNasGenomeToText(outcome->genome)
            << " predicted " << outcome->predicted_ms << " ms, measured " << outcome->measured_ms
            << " ms, valid acc " << outcome->valid_accuracy << ", " << outcome->seconds << " s"
            << std::endl;
  return 0;
}
