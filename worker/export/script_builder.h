// Builds a torch::jit::Module from a LibTorch C++ module tree by writing
// straight-line TorchScript for its forward pass: each call appends one line
// that applies an operator, and the tensors the lines read are copied into
// the module. The exporters in torchscript_export.cc say in which order the
// submodules are applied; this class knows how each standard layer computes.
// Not thread-safe.
#ifndef NAS_WORKER_EXPORT_SCRIPT_BUILDER_H_
#define NAS_WORKER_EXPORT_SCRIPT_BUILDER_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "torch/script.h"
#include "torch/torch.h"

namespace nas {

class ScriptBuilder {
 public:
  // The generated forward's argument.
  static constexpr const char* kInput = "x";

  // `root` must outlive the builder and not change while it is used.
  explicit ScriptBuilder(torch::nn::Module& root);

  // Appends "<new variable> = <expression>"; returns the variable's name.
  std::string Let(const std::string& expression);

  // "self.<name>" for the root's parameter or buffer at dotted `path`; its
  // value is copied into the module the first time. INTERNAL if none.
  absl::StatusOr<std::string> Tensor(const std::string& path);

  // The root's submodule at dotted `path` (empty = the root), or nullptr.
  std::shared_ptr<torch::nn::Module> Submodule(const std::string& path) const;

  // Applies the submodule at `path` to variable `x` as its forward() would
  // in eval mode; returns the result variable. Knows Conv2d, BatchNorm2d,
  // ReLU, MaxPool2d, AvgPool2d, Linear and Sequentials of them; INTERNAL
  // naming the module for anything else or an option it cannot express.
  absl::StatusOr<std::string> Apply(const std::string& path, const std::string& x);

  // The module `class_name` whose forward(x) runs the lines so far and
  // returns `output`. INTERNAL if a parameter or floating-point buffer of the
  // root was never read (the generated code would not be the root's
  // function) or if the generated source does not compile.
  absl::StatusOr<torch::jit::Module> Finish(const std::string& class_name,
                                            const std::string& output);

 private:
  absl::StatusOr<std::string> Conv2d(const std::string& path, const torch::nn::Conv2dImpl& conv,
                                     const std::string& x);
  absl::StatusOr<std::string> BatchNorm2d(const std::string& path,
                                          const torch::nn::BatchNorm2dImpl& bn,
                                          const std::string& x);
  absl::StatusOr<std::string> Linear(const std::string& path, const torch::nn::LinearImpl& linear,
                                     const std::string& x);

  torch::nn::Module& root_;
  std::map<std::string, std::shared_ptr<torch::nn::Module>> modules_;
  std::map<std::string, torch::Tensor> parameters_, buffers_;
  std::map<std::string, std::string> used_;  // Module attribute -> root path.
  std::vector<std::pair<std::string, torch::Tensor>> copied_parameters_, copied_buffers_;
  std::vector<std::string> lines_;
  int next_variable_ = 0;
};

}  // namespace nas

#endif  // NAS_WORKER_EXPORT_SCRIPT_BUILDER_H_
