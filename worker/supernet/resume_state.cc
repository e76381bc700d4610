#include "worker/supernet/resume_state.h"

#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace nas {
namespace {

absl::Status NotAState(const std::exception& e) {
  return absl::InvalidArgumentError(
      absl::StrCat("supernet_search.resume_state: not a state of this search: ", e.what()));
}

// The shapes of a module's parameters and buffers, in order.
std::vector<std::vector<int64_t>> Shapes(const torch::nn::Module& module) {
  std::vector<std::vector<int64_t>> shapes;
  for (const torch::Tensor& t : module.parameters()) shapes.push_back(t.sizes().vec());
  for (const torch::Tensor& t : module.buffers()) shapes.push_back(t.sizes().vec());
  return shapes;
}

}  // namespace

std::string SaveSupernetState(int epochs_done, const Supernet& net,
                              const torch::optim::SGD& weight_optimizer, const Architect& architect,
                              const torch::Generator& orders) {
  torch::serialize::OutputArchive archive;
  archive.write("epochs_done", torch::tensor(static_cast<int64_t>(epochs_done)));
  torch::serialize::OutputArchive network, weights, arch;
  net->save(network);
  archive.write("network", network);
  weight_optimizer.save(weights);
  archive.write("weight_optimizer", weights);
  architect.SaveOptimizer(arch);
  archive.write("arch_optimizer", arch);
  archive.write("orders", orders.get_state());
  std::ostringstream bytes;
  archive.save_to(bytes);
  return bytes.str();
}

absl::StatusOr<SupernetResumeState> SupernetResumeState::Parse(const std::string& bytes,
                                                               const torch::Device& device) {
  try {
    auto archive = std::make_shared<torch::serialize::InputArchive>();
    std::istringstream in(bytes);
    archive->load_from(in, device);
    torch::Tensor epochs_done;
    archive->read("epochs_done", epochs_done);
    const int64_t done = epochs_done.to(torch::kCPU).item<int64_t>();
    if (done < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("supernet_search.resume_state: epochs_done ", done, " must be >= 1"));
    }
    return SupernetResumeState(std::move(archive), static_cast<int>(done));
  } catch (const std::exception& e) {
    return NotAState(e);
  }
}

absl::Status SupernetResumeState::Restore(Supernet& net, Architect& architect,
                                          torch::Generator& orders) const {
  try {
    torch::serialize::InputArchive network, arch;
    archive_->read("network", network);
    // Loading replaces tensors whatever their shapes; a state of another
    // supernet must not pass for this one's.
    const std::vector<std::vector<int64_t>> shapes = Shapes(*net);
    net->load(network);
    if (Shapes(*net) != shapes) {
      return absl::InvalidArgumentError(
          "supernet_search.resume_state: its network's shapes differ from this search's");
    }
    archive_->read("arch_optimizer", arch);
    architect.LoadOptimizer(arch);
    torch::Tensor state;
    archive_->read("orders", state);
    orders.set_state(state.to(torch::kCPU));
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return NotAState(e);
  }
}

absl::Status SupernetResumeState::RestoreWeightOptimizer(
    torch::optim::SGD& weight_optimizer) const {
  try {
    torch::serialize::InputArchive weights;
    archive_->read("weight_optimizer", weights);
    weight_optimizer.load(weights);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return NotAState(e);
  }
}

}  // namespace nas
