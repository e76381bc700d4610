#include "worker/training/search_state.h"

#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace nas {
namespace {

// The shapes of a module's parameters and buffers, in order.
std::vector<std::vector<int64_t>> Shapes(const torch::nn::Module& module) {
  std::vector<std::vector<int64_t>> shapes;
  for (const torch::Tensor& t : module.parameters()) shapes.push_back(t.sizes().vec());
  for (const torch::Tensor& t : module.buffers()) shapes.push_back(t.sizes().vec());
  return shapes;
}

// Which of the module's parameters have a gradient tensor. Optimisers skip
// a parameter without one (an op no sampled path has used yet), and
// zero_grad keeps a zero one, which weight decay and momentum still step:
// the difference is state too.
torch::Tensor GradsDefined(const torch::nn::Module& module) {
  std::vector<uint8_t> defined;
  for (const torch::Tensor& p : module.parameters()) defined.push_back(p.grad().defined());
  return torch::tensor(std::vector<int64_t>(defined.begin(), defined.end()), torch::kInt64);
}

// What every state holds: the epochs done, the network (with which of its
// parameters have a gradient) and the weights' optimiser.
void WriteTrainingState(int epochs_done, const torch::nn::Module& network,
                        const torch::optim::Optimizer& weight_optimizer,
                        torch::serialize::OutputArchive& archive) {
  archive.write("epochs_done", torch::tensor(static_cast<int64_t>(epochs_done)));
  torch::serialize::OutputArchive net, weights;
  network.save(net);
  archive.write("network", net);
  archive.write("grads_defined", GradsDefined(network));
  weight_optimizer.save(weights);
  archive.write("weight_optimizer", weights);
}

std::string Bytes(torch::serialize::OutputArchive& archive) {
  std::ostringstream bytes;
  archive.save_to(bytes);
  return bytes.str();
}

}  // namespace

std::string SaveTrainingState(int epochs_done, const torch::nn::Module& network,
                              const torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  WriteTrainingState(epochs_done, network, optimizer, archive);
  return Bytes(archive);
}

std::string SaveSearchState(int epochs_done, const torch::nn::Module& network,
                            const torch::optim::Optimizer& weight_optimizer,
                            const torch::optim::Optimizer& arch_optimizer,
                            const torch::Generator& draws,
                            const std::map<std::string, double>& scalars) {
  torch::serialize::OutputArchive archive;
  WriteTrainingState(epochs_done, network, weight_optimizer, archive);
  torch::serialize::OutputArchive arch, named;
  arch_optimizer.save(arch);
  archive.write("arch_optimizer", arch);
  archive.write("draws", draws.get_state());
  for (const auto& [name, value] : scalars) {
    named.write(name, torch::tensor(value, torch::kFloat64));  // Exact.
  }
  archive.write("scalars", named);
  return Bytes(archive);
}

absl::Status SearchState::NotAState(const std::string& why) const {
  return absl::InvalidArgumentError(absl::StrCat(field_, ": not a state of this run: ", why));
}

absl::StatusOr<SearchState> SearchState::Parse(const std::string& bytes,
                                               const torch::Device& device,
                                               const std::string& field) {
  try {
    auto archive = std::make_shared<torch::serialize::InputArchive>();
    std::istringstream in(bytes);
    archive->load_from(in, device);
    torch::Tensor epochs_done;
    archive->read("epochs_done", epochs_done);
    const int64_t done = epochs_done.to(torch::kCPU).item<int64_t>();
    if (done < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": epochs_done ", done, " must be >= 1"));
    }
    return SearchState(std::move(archive), static_cast<int>(done), field);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": not a state of this run: ", e.what()));
  }
}

absl::Status SearchState::RestoreNetwork(torch::nn::Module& network) const {
  // Loading replaces tensors whatever their shapes; a state of another
  // network must not pass for this one's, nor leave it half loaded.
  std::vector<torch::Tensor> tensors = network.parameters();
  for (const torch::Tensor& t : network.buffers()) tensors.push_back(t);
  std::vector<torch::Tensor> before;
  for (const torch::Tensor& t : tensors) before.push_back(t.detach().clone());
  const absl::Status loaded = LoadNetwork(network);
  if (!loaded.ok()) {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < tensors.size(); ++i) tensors[i].set_data(before[i]);
  }
  return loaded;
}

absl::Status SearchState::LoadNetwork(torch::nn::Module& network) const {
  try {
    torch::serialize::InputArchive net;
    archive_->read("network", net);
    const std::vector<std::vector<int64_t>> shapes = Shapes(network);
    network.load(net);
    if (Shapes(network) != shapes) return NotAState("its network's shapes differ");
    torch::Tensor defined;
    archive_->read("grads_defined", defined);
    defined = defined.to(torch::kCPU);
    std::vector<torch::Tensor> parameters = network.parameters();
    if (defined.numel() != static_cast<int64_t>(parameters.size())) {
      return NotAState("its network has another number of parameters");
    }
    for (size_t i = 0; i < parameters.size(); ++i) {
      if (defined[i].item<int64_t>() != 0 && !parameters[i].grad().defined()) {
        parameters[i].mutable_grad() = torch::zeros_like(parameters[i]);
      }
    }
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return NotAState(e.what());
  }
}

absl::Status SearchState::Restore(torch::nn::Module& network,
                                  torch::optim::Optimizer& arch_optimizer,
                                  torch::Generator& draws) const {
  RETURN_IF_ERROR(RestoreNetwork(network));
  try {
    torch::serialize::InputArchive arch;
    archive_->read("arch_optimizer", arch);
    arch_optimizer.load(arch);
    torch::Tensor state;
    archive_->read("draws", state);
    draws.set_state(state.to(torch::kCPU));
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return NotAState(e.what());
  }
}

absl::Status SearchState::RestoreWeightOptimizer(torch::optim::Optimizer& weight_optimizer) const {
  try {
    torch::serialize::InputArchive weights;
    archive_->read("weight_optimizer", weights);
    weight_optimizer.load(weights);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return NotAState(e.what());
  }
}

absl::StatusOr<double> SearchState::Scalar(const std::string& name) const {
  try {
    torch::serialize::InputArchive named;
    archive_->read("scalars", named);
    torch::Tensor value;
    named.read(name, value);
    return value.to(torch::kCPU).item<double>();
  } catch (const std::exception& e) {
    return NotAState(e.what());
  }
}

}  // namespace nas
