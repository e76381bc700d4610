#include "worker/supernet/supernet_search_runner.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/genome/darts_genome.h"
#include "common/status/status_macros.h"
#include "worker/errors/torch_errors.h"
#include "worker/model/darts_network.h"
#include "worker/runtime/job_payload.h"
#include "worker/runtime/job_runner_registry.h"
#include "worker/runtime/resumable_run.h"
#include "worker/supernet/architecture_weights.h"
#include "worker/train_candidate/pre_training_check.h"
#include "worker/training/augmentation.h"
#include "worker/training/default_generator.h"

namespace nas {

SupernetSearchOptions SupernetOptionsForPayload(const v1::SupernetPayload& payload,
                                                torch::Device device, uint64_t seed) {
  const v1::SupernetSearch& s = payload.search();
  SupernetSearchOptions o;
  o.supernet.method = s.method() == v1::SupernetSearch::PC_DARTS ? SupernetMethod::kPcDarts
                                                                 : SupernetMethod::kDarts;
  if (s.method() == v1::SupernetSearch::PC_DARTS) o.supernet.partial_k = s.partial_k();
  o.supernet.nodes = payload.space().nodes();
  o.supernet.cells = s.cells();
  o.supernet.init_channels = s.init_channels();
  o.order = s.order() == v1::SupernetSearch::SECOND_ORDER ? ArchitectOrder::kSecond
                                                          : ArchitectOrder::kFirst;
  o.device = device;
  o.epochs = s.epochs();
  o.batch_size = s.batch_size();
  o.weight_learning_rate = s.weight_learning_rate();
  o.weight_learning_rate_min = s.weight_learning_rate_min();
  o.weight_momentum = s.weight_momentum();
  o.weight_decay = s.weight_decay();
  o.grad_clip = s.grad_clip();
  o.arch_learning_rate = s.arch_learning_rate();
  o.arch_weight_decay = s.arch_weight_decay();
  o.arch_warmup_epochs = std::max(0, s.arch_warmup_epochs());  // -1 = none.
  o.seed = seed;
  return o;
}

namespace {

// Trainable scalars of the derived cell's network as it would be retrained:
// with the retrain's sizes when the payload has them, else the supernet's.
// The derived cell's network at the size it is retrained with (the
// supernet's size without retrain): its parameters and FLOPs, by which the
// search's constraints are checked.
absl::StatusOr<CandidateCost> DerivedCost(const DartsGenome& genome,
                                          const v1::SupernetPayload& payload,
                                          const TrainValidationSplit& data) {
  DartsNetworkOptions options;
  options.in_channels = data.train.images.size(1);
  options.num_classes = data.train.num_classes;
  const bool retrained = payload.retrain_cells() > 0;
  options.cells = retrained ? payload.retrain_cells() : payload.search().cells();
  options.init_channels =
      retrained ? payload.retrain_init_channels() : payload.search().init_channels();
  // Its weights are never used: built under RunSeeded only so that its
  // draws land in no other slot's seeded build.
  ASSIGN_OR_RETURN(DartsNetwork network, CallGuarded("building the derived network", [&] {
                     return absl::StatusOr<DartsNetwork>(
                         RunSeeded(0, [&] { return DartsNetwork(genome, options); }));
                   }));
  return MeasureNetwork(network, data.image_shape());
}

}  // namespace

absl::StatusOr<v1::EvaluationResult> SupernetSearchRunner::Run(const v1::Job& job,
                                                               const JobHooks& hooks) {
  RETURN_IF_ERROR(CheckJobPayload(job, v1::Job::kSupernet));
  const v1::SupernetPayload& payload = job.supernet();
  SupernetSearchOptions options = SupernetOptionsForPayload(payload, device_, job.seed());
  ASSIGN_OR_RETURN(DatasetCache::CheckedSplit checked, datasets_->GetChecked(payload.data()));
  const std::shared_ptr<const TrainValidationSplit> data = checked.split;
  RETURN_IF_ERROR(RequireInMemory(*data, payload.data().dataset(), "a supernet search"));
  options.augmentation = ResolveAugmentation(payload.data().dataset().augmentation(),
                                             data->train.images.sizes().slice(1));
  options.on_step = hooks.progress;  // Stops within an epoch when the job must stop.
  options.save_resume_state = static_cast<bool>(hooks.save_resume_state);
  options.on_epoch = [&](const SupernetProgress& p) {
    // Before the epoch's report, so that its heartbeat carries the state.
    SaveResumeState(hooks, p.epoch, p.resume_state);
    v1::EpochProgress report = EpochReport(p, options.epochs, p.genotype);
    for (auto& w : DartsArchitectureWeights(p.alpha_normal, p.alpha_reduce, p.beta_normal,
                                            p.beta_reduce, options.supernet.nodes)) {
      *report.add_architecture_weights() = std::move(w);
    }
    return ReportEpoch(report, hooks);
  };
  ASSIGN_OR_RETURN(
      SupernetOutcome outcome,
      RunResumable<SupernetOutcome>(job, *client_, hooks, "supernet_search.resume_state",
                                    [&](const std::string& state) {
                                      options.resume_state = state;
                                      return RunSupernetSearch(*data, options);
                                    }));
  ASSIGN_OR_RETURN(const CandidateCost cost, DerivedCost(outcome.genome, payload, *data));
  ASSIGN_OR_RETURN(std::string digest, client_->UploadCheckpoint(outcome.arch_bytes));

  v1::EvaluationResult result;
  // The supernet's own validation accuracy: an estimate of the cell's quality
  // (a retrain from scratch measures it properly).
  result.set_fitness(outcome.valid_accuracy);
  AddCost(cost, &result);
  result.set_checkpoint(digest);
  result.mutable_architecture()->set_text(DartsGenomeToText(outcome.genome));
  auto& metrics = *result.mutable_metrics();
  metrics["supernet_train_loss"] = outcome.train_loss;
  metrics["supernet_train_accuracy"] = outcome.train_accuracy;
  metrics["supernet_valid_loss"] = outcome.valid_loss;
  metrics["supernet_valid_accuracy"] = outcome.valid_accuracy;
  metrics["search_seconds"] = outcome.seconds;
  metrics["epochs"] = options.epochs;
  *result.mutable_data() = checked.description;
  return result;
}

namespace {

const JobRunnerRegistrar kRegistrar(
    {v1::SUPERNET_SEARCH, "supernet_search",
     "DARTS / PC-DARTS: trains a supernet and derives a cell from it",
     [](const JobRunnerContext& context) -> std::unique_ptr<JobRunner> {
       return std::make_unique<SupernetSearchRunner>(torch::Device(context.device),
                                                     context.datasets, context.client);
     }});

}  // namespace

}  // namespace nas
