#include "worker/training/training_resume.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "worker/training/search_state.h"

namespace nas {

absl::Status ResumeTraining(const TrainingResume& resume,
                            const std::shared_ptr<torch::nn::Module>& network,
                            const torch::Device& device, TrainingLoopOptions& loop) {
  if (!resume.state.empty()) {
    ASSIGN_OR_RETURN(SearchState parsed,
                     SearchState::Parse(resume.state, device, kTrainingResumeField));
    if (parsed.epochs_done() >= loop.epochs) {
      return absl::InvalidArgumentError(absl::StrCat(kTrainingResumeField, ": holds ",
                                                     parsed.epochs_done(), " epochs of a run of ",
                                                     loop.epochs));
    }
    // The optimiser's state is checked before the network is touched: the
    // loop loads it only when it starts, too late to leave `network` as it was.
    torch::optim::SGD probe(network->parameters(), torch::optim::SGDOptions(0.0));
    RETURN_IF_ERROR(parsed.RestoreWeightOptimizer(probe));
    RETURN_IF_ERROR(parsed.RestoreNetwork(*network));
    auto state = std::make_shared<const SearchState>(std::move(parsed));
    loop.first_epoch = state->epochs_done();
    loop.load_optimizer = [state](torch::optim::SGD& sgd) {
      return state->RestoreWeightOptimizer(sgd);
    };
  }
  if (!resume.on_state) return absl::OkStatus();
  loop.save_state = [network, on_state = resume.on_state, epochs = loop.epochs](
                        int epoch, const torch::optim::SGD& sgd) {
    // After the last epoch nothing is left to resume.
    if (epoch + 1 < epochs) on_state(epoch + 1, SaveTrainingState(epoch + 1, *network, sgd));
    return absl::OkStatus();
  };
  return absl::OkStatus();
}

}  // namespace nas
