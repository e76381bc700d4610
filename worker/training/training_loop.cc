#include "worker/training/training_loop.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "worker/training/sgd_steps.h"

namespace nas {

int64_t StepsPerEpoch(int64_t examples, int64_t batch_size, bool skip_single_example_batch) {
  const int64_t steps = (examples + batch_size - 1) / batch_size;
  return skip_single_example_batch && batch_size > 1 && examples > 1 && examples % batch_size == 1
             ? steps - 1
             : steps;
}

absl::StatusOr<double> RunTrainingLoop(const TrainableNetwork& net, const torch::Tensor& images,
                                       const torch::Tensor& labels, const TrainingLoopOptions& o) {
  const std::vector<torch::Tensor> parameters =
      o.parameters.empty() ? net.module->parameters() : o.parameters;
  // The rate is set before every step; 0 here because SGD's constructor
  // rejects a NaN rate, which must reach the loss check.
  torch::optim::SGD sgd(
      parameters, torch::optim::SGDOptions(0.0).momentum(o.momentum).weight_decay(o.weight_decay));
  torch::Generator shuffle = torch::make_generator<torch::CPUGeneratorImpl>(o.shuffle_seed);
  StepContext at;
  at.epoch_examples = o.examples_per_epoch > 0 ? o.examples_per_epoch : images.size(0);
  at.steps_per_epoch = StepsPerEpoch(at.epoch_examples, o.batch_size, o.skip_single_example_batch);
  at.total_steps = at.steps_per_epoch * o.epochs;
  double epoch_loss = 0;
  for (at.epoch = 0; at.epoch < o.epochs; ++at.epoch) {
    const torch::Tensor order =
        o.epoch_order
            ? o.epoch_order(at.epoch)
            : torch::randperm(at.epoch_examples, shuffle, torch::kInt64).to(images.device());
    net.module->train();
    double loss_sum = 0;
    for (at.step_in_epoch = 0; at.step_in_epoch < at.steps_per_epoch; ++at.step_in_epoch) {
      at.batch_begin = at.step_in_epoch * o.batch_size;
      at.batch_end = std::min(at.epoch_examples, at.batch_begin + o.batch_size);
      at.learning_rate = o.schedule->Rate({at.step, at.steps_per_epoch, o.epochs});
      SetSgdLearningRate(sgd, at.learning_rate);
      Batch batch =
          TakeBatch(images, labels, order.slice(0, at.batch_begin, at.batch_end), o.device);
      if (o.augment) batch.images = o.augment(at, batch.images);
      if (o.before_step) RETURN_IF_ERROR(o.before_step(at, batch));
      StepLoss step;
      if (o.step_loss) {
        step = o.step_loss(at, batch);
      } else {
        step.logits = net.forward(batch.images);
        step.loss = torch::nn::functional::cross_entropy(step.logits, batch.labels);
      }
      ASSIGN_OR_RETURN(const double loss, FiniteLoss(step.loss, at.step, at.total_steps));
      sgd.zero_grad();
      step.loss.backward();
      torch::nn::utils::clip_grad_norm_(parameters, o.max_grad_norm);
      sgd.step();
      loss_sum += loss;
      if (o.after_step) RETURN_IF_ERROR(o.after_step(at, batch, loss, step.logits.detach()));
      ++at.step;
    }
    epoch_loss = loss_sum / static_cast<double>(at.steps_per_epoch);
    if (o.at_epoch_end) RETURN_IF_ERROR(o.at_epoch_end(at.epoch, epoch_loss));
  }
  return epoch_loss;
}

std::function<absl::Status(const StepContext&, const Batch&, double, const torch::Tensor&)>
ProgressByStep(std::function<bool(double fraction_done)> on_progress) {
  return [on_progress = std::move(on_progress)](const StepContext& at, const Batch&, double,
                                                const torch::Tensor&) {
    if (on_progress &&
        !on_progress(static_cast<double>(at.step + 1) / static_cast<double>(at.total_steps))) {
      return absl::CancelledError(absl::StrCat("training stopped on request at step ", at.step + 1,
                                               " of ", at.total_steps));
    }
    return absl::OkStatus();
  };
}

}  // namespace nas
