// Trains a candidate network and measures it on held-out data.
#ifndef NAS_WORKER_TRAINING_TRAINER_H_
#define NAS_WORKER_TRAINING_TRAINER_H_

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "common/genome/darts_genome.h"
#include "torch/torch.h"
#include "worker/data/image_dataset.h"

namespace nas {

struct TrainOptions {
  torch::Device device = torch::kCPU;
  int epochs = 1;
  int batch_size = 64;
  double learning_rate = 0.05;  // Initial value of the cosine schedule.
  double momentum = 0.9;
  double weight_decay = 3e-4;
  int init_channels = 16;
  int cells = 8;
  uint64_t seed = 0;  // Weights and batch order.
  // Called after every step with the fraction done; returning false stops
  // training (the result is then CANCELLED). May be empty.
  std::function<bool(double)> on_progress;
};

struct TrainOutcome {
  double validation_accuracy = 0;  // In [0, 1].
  double final_train_loss = 0;     // Mean over the last epoch.
  int64_t parameter_count = 0;
  double train_seconds = 0;
  int64_t train_examples = 0;
};

// SGD with momentum and weight decay, cosine learning rate per step, gradient
// norm clipped at 5. Never throws: a non-finite loss is INVALID_ARGUMENT
// ("non-finite loss ..."), out-of-memory RESOURCE_EXHAUSTED, a stop request
// CANCELLED, any other LibTorch error INTERNAL. The thread count is the
// caller's (torch::set_num_threads).
absl::StatusOr<TrainOutcome> TrainAndEvaluate(const DartsGenome& genome,
                                              const TrainValidationSplit& data,
                                              const TrainOptions& options);

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_TRAINER_H_
