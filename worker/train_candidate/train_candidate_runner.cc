#include "worker/train_candidate/train_candidate_runner.h"

#include "absl/strings/str_cat.h"
#include "common/genome/darts_genome.h"
#include "worker/training/trainer.h"

namespace nas {

absl::StatusOr<std::shared_ptr<const TrainValidationSplit>> TrainCandidateRunner::Data(
    const v1::SearchSpec& spec) {
  const v1::Dataset& d = spec.dataset();
  // The split depends on the search seed only: every individual of a search
  // is measured on the same validation examples.
  const std::string key = absl::StrCat(d.format(), "|", d.path(), "|", d.train_examples(),
                                       "|", d.validation_examples(), "|", spec.seed());
  absl::MutexLock lock(&mu_);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  auto all = LoadDataset(d);
  if (!all.ok()) return all.status();
  auto split = SplitTrainValidation(*all, d.validation_examples(), d.train_examples(),
                                    spec.seed());
  if (!split.ok()) return split.status();
  auto shared = std::make_shared<const TrainValidationSplit>(*std::move(split));
  if (cache_.size() >= 4) cache_.clear();  // Bounded: a worker rarely serves more.
  cache_[key] = shared;
  return shared;
}

absl::StatusOr<v1::EvaluationResult> TrainCandidateRunner::Run(const v1::Job& job,
                                                               const ProgressFn& progress) {
  auto genome = ParseDartsGenome(job.architecture().text());
  if (!genome.ok()) return genome.status();
  auto data = Data(job.spec());
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
