// What a supernet search needs to go on after an epoch exactly as if it had
// not stopped: the supernet's weights, alphas (and betas) and BatchNorm
// buffers, both optimisers' state (SGD momentum buffers, Adam moments and
// step counts), the epoch orders' generator and the epochs done. The
// schedule and the augmentation draws follow from the epoch (they are
// functions of the step), so they need no state of their own.
#ifndef NAS_WORKER_SUPERNET_RESUME_STATE_H_
#define NAS_WORKER_SUPERNET_RESUME_STATE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "torch/torch.h"
#include "worker/supernet/architect.h"
#include "worker/supernet/supernet.h"

namespace nas {

// The state after `epochs_done` epochs as bytes (a torch::serialize archive).
// Throws c10::Error on LibTorch errors.
std::string SaveSupernetState(int epochs_done, const Supernet& net,
                              const torch::optim::SGD& weight_optimizer, const Architect& architect,
                              const torch::Generator& orders);

// A saved state, parsed; restored in two steps because the weight optimiser
// is made by the training loop after the rest is built.
class SupernetResumeState {
 public:
  // INVALID_ARGUMENT "supernet_search.resume_state: ..." when the bytes are
  // no saved state. Tensors are mapped onto `device`.
  static absl::StatusOr<SupernetResumeState> Parse(const std::string& bytes,
                                                   const torch::Device& device);

  int epochs_done() const { return epochs_done_; }

  // Loads the network, the architect's optimiser and the generator's state.
  // INVALID_ARGUMENT naming resume_state when they do not fit (a state of
  // another supernet).
  absl::Status Restore(Supernet& net, Architect& architect, torch::Generator& orders) const;
  // Loads the weight optimiser's state (TrainingLoopOptions::load_optimizer).
  absl::Status RestoreWeightOptimizer(torch::optim::SGD& weight_optimizer) const;

 private:
  SupernetResumeState(std::shared_ptr<torch::serialize::InputArchive> archive, int epochs_done)
      : archive_(std::move(archive)), epochs_done_(epochs_done) {}

  std::shared_ptr<torch::serialize::InputArchive> archive_;
  int epochs_done_ = 0;
};

}  // namespace nas

#endif  // NAS_WORKER_SUPERNET_RESUME_STATE_H_
