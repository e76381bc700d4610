// The state a gradient architecture search (DARTS / PC-DARTS, TF-NAS) needs
// to go on after an epoch exactly as if it had not stopped: the supernet's
// parameters (weights and architecture parameters) and buffers, the weight
// optimiser's and the architecture optimiser's state (SGD momentum buffers,
// Adam moments and step counts; which parameters have a gradient tensor,
// since optimisers step exactly those), the generator its draws come from, named
// scalars of its own (a temperature), and the epochs done. Learning-rate
// schedules and augmentation draws are functions of the step, so they
// follow from the epoch and need no state of their own. A plain training run
// (one network, one SGD: candidate training, NASH) keeps the same state less
// the architecture optimiser, the generator and the scalars
// (SaveTrainingState): its epoch orders follow from its seed and epoch too.
#ifndef NAS_WORKER_TRAINING_SEARCH_STATE_H_
#define NAS_WORKER_TRAINING_SEARCH_STATE_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "torch/torch.h"

namespace nas {

// The state after `epochs_done` epochs as bytes (a torch::serialize archive).
// Throws c10::Error on LibTorch errors.
std::string SaveSearchState(int epochs_done, const torch::nn::Module& network,
                            const torch::optim::Optimizer& weight_optimizer,
                            const torch::optim::Optimizer& arch_optimizer,
                            const torch::Generator& draws,
                            const std::map<std::string, double>& scalars = {});

// The state of a plain training run after `epochs_done` epochs: the
// network and its one optimiser. Throws c10::Error on LibTorch errors.
std::string SaveTrainingState(int epochs_done, const torch::nn::Module& network,
                              const torch::optim::Optimizer& optimizer);

// A saved state, parsed; restored in two steps because the weight optimiser
// is made by the training loop after the rest is built. Errors are
// INVALID_ARGUMENT "<field>: ..." (field: the option the bytes came in, e.g.
// "supernet_search.resume_state").
class SearchState {
 public:
  // Tensors are mapped onto `device`.
  static absl::StatusOr<SearchState> Parse(const std::string& bytes, const torch::Device& device,
                                           const std::string& field);

  int epochs_done() const { return epochs_done_; }

  // Loads the network (refused when its parameters' or buffers' shapes
  // differ: a state of another supernet), the architecture optimiser and
  // the generator. The network must be on the parse's device.
  absl::Status Restore(torch::nn::Module& network, torch::optim::Optimizer& arch_optimizer,
                       torch::Generator& draws) const;
  // Loads only the network (a state of SaveTrainingState, or the network of
  // any state): refused as Restore refuses it, and then the network's
  // parameters and buffers are as they were.
  absl::Status RestoreNetwork(torch::nn::Module& network) const;
  // Loads the weight optimiser (TrainingLoopOptions::load_optimizer), or a
  // training state's one optimiser.
  absl::Status RestoreWeightOptimizer(torch::optim::Optimizer& weight_optimizer) const;
  // A scalar saved under `name`.
  absl::StatusOr<double> Scalar(const std::string& name) const;

 private:
  SearchState(std::shared_ptr<torch::serialize::InputArchive> archive, int epochs_done,
              std::string field)
      : archive_(std::move(archive)), epochs_done_(epochs_done), field_(std::move(field)) {}

  absl::Status NotAState(const std::string& why) const;
  // RestoreNetwork's load, which may leave the network half loaded.
  absl::Status LoadNetwork(torch::nn::Module& network) const;

  std::shared_ptr<torch::serialize::InputArchive> archive_;
  int epochs_done_ = 0;
  std::string field_;
};

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_SEARCH_STATE_H_
