// Resuming a plain training run (one network, one SGD: candidate training,
// NASH's SGDR) after an epoch, so that it ends as it would have without the
// stop: the network's parameters and buffers (BatchNorm statistics) and the
// SGD's momentum are restored from a state (SaveTrainingState,
// search_state.h); the learning-rate schedule, the batch orders and the
// augmentation draws follow from the seed and the step, so the training
// loop's first_epoch puts them where they were.
#ifndef NAS_WORKER_TRAINING_TRAINING_RESUME_H_
#define NAS_WORKER_TRAINING_TRAINING_RESUME_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "torch/torch.h"
#include "worker/training/training_loop.h"

namespace nas {

// The option a refused state is named by, e.g.
// "training.resume_state: not a state of this run: ...".
inline constexpr char kTrainingResumeField[] = "training.resume_state";

struct TrainingResume {
  // An earlier run's state (one given to on_state); empty: from scratch.
  std::string state;
  // Given the state after every epoch but the last, with the epochs done
  // (>= 1), on the training thread before the epoch's at_epoch_end hook.
  // Empty: no state is taken, at no cost.
  std::function<void(int epochs_done, const std::string& state)> on_state;
};

// Sets `loop` (its epochs already set) to resume from resume.state and to
// take states as resume.on_state asks. With a state, `network` (on
// `device`) is loaded from it here and the loop's SGD when it is made.
// Errors: INVALID_ARGUMENT "training.resume_state: ..." when the state is
// not one of this run's (another network's shapes, not an archive, as many
// epochs as the run has or more); `network` and `loop` are then as they
// were. Throws c10::Error on other LibTorch errors, as RunTrainingLoop does.
absl::Status ResumeTraining(const TrainingResume& resume,
                            const std::shared_ptr<torch::nn::Module>& network,
                            const torch::Device& device, TrainingLoopOptions& loop);

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_TRAINING_RESUME_H_
