#include "worker/train_candidate/train_candidate_runner.h"

#include "common/genome/darts_genome.h"
#include "worker/training/trainer.h"

namespace nas {

absl::StatusOr<v1::EvaluationResult> TrainCandidateRunner::Run(const v1::Job& job,
                                                               const ProgressFn& progress) {
  auto genome = ParseDartsGenome(job.architecture().text());
  if (!genome.ok()) return genome.status();
  auto data = datasets_->Get(job.spec());
  if (!data.ok()) return data.status();

  const v1::Training& t = job.spec().training();
  TrainOptions options{device_};
  options.epochs = t.epochs();
  options.batch_size = t.batch_size();
  options.learning_rate = t.learning_rate();
  options.momentum = t.momentum();
  options.weight_decay = t.weight_decay();
  options.init_channels = t.init_channels();
  options.cells = t.cells();
  options.seed = job.seed();
  options.on_progress = progress;
  auto outcome = TrainAndEvaluate(*genome, **data, options);
  if (!outcome.ok()) return outcome.status();

  v1::EvaluationResult result;
  result.set_fitness(outcome->validation_accuracy);
  result.set_parameter_count(outcome->parameter_count);
  auto& metrics = *result.mutable_metrics();
  metrics["final_train_loss"] = outcome->final_train_loss;
  metrics["train_seconds"] = outcome->train_seconds;
  metrics["train_examples"] = static_cast<double>(outcome->train_examples);
  return result;
}

}  // namespace nas
