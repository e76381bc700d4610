#include "worker/model/multiply_adds.h"

#include <memory>
#include <string>

#include "ATen/record_function.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nas {
namespace {

// Multiply-adds per output element of the op being run, noted at its start
// (from its inputs) and multiplied out at its end (by its output).
struct OpContext : at::ObserverContext {
  int64_t per_output_element = 0;
  // Whether no counted op encloses this one: linear runs as addmm or mm
  // inside, and only the outermost is counted.
  bool outermost = false;
};

// The counter of the CountMultiplyAdds running on this thread, if any, and
// how many counted ops are running on it now.
thread_local int64_t* current_total = nullptr;
thread_local int counted_depth = 0;

// Products summed into each output element of `name` given its inputs, or
// -1 for an op that is not counted.
int64_t ProductsPerOutput(const std::string& name, c10::ArrayRef<const c10::IValue> inputs) {
  const auto tensor = [&](size_t i) -> const at::Tensor* {
    return i < inputs.size() && inputs[i].isTensor() ? &inputs[i].toTensor() : nullptr;
  };
  // conv2d(input, weight [out, in / groups, kh, kw], ...): in/groups x kh x kw.
  if (name == "aten::conv2d") {
    const at::Tensor* w = tensor(1);
    return w != nullptr && w->dim() == 4 ? w->numel() / w->size(0) : -1;
  }
  // linear(input, weight [out, in], bias): in.
  if (name == "aten::linear") {
    const at::Tensor* w = tensor(1);
    return w != nullptr && w->dim() == 2 ? w->size(1) : -1;
  }
  // addmm(bias, a [n, k], b [k, m]) and mm(a [n, k], b): k.
  if (name == "aten::addmm" || name == "aten::mm") {
    const at::Tensor* a = tensor(name == "aten::addmm" ? 1 : 0);
    return a != nullptr && a->dim() == 2 ? a->size(1) : -1;
  }
  // bmm(a [b, n, k], b [b, k, m]): k.
  if (name == "aten::bmm") {
    const at::Tensor* a = tensor(0);
    return a != nullptr && a->dim() == 3 ? a->size(2) : -1;
  }
  return -1;
}

std::unique_ptr<at::ObserverContext> OnOpStart(const at::RecordFunction& fn) {
  const int64_t per_output = ProductsPerOutput(fn.name(), fn.inputs());
  if (per_output < 0) return nullptr;
  auto context = std::make_unique<OpContext>();
  context->per_output_element = per_output;
  context->outermost = counted_depth++ == 0;
  return context;
}

void OnOpEnd(const at::RecordFunction& fn, at::ObserverContext* context) {
  if (context == nullptr) return;
  --counted_depth;
  const auto* op = static_cast<OpContext*>(context);
  const auto& outputs = fn.outputs();
  if (!op->outermost || current_total == nullptr || outputs.empty() || !outputs[0].isTensor()) {
    return;
  }
  *current_total += op->per_output_element * outputs[0].toTensor().numel();
}

}  // namespace

absl::StatusOr<int64_t> CountMultiplyAdds(
    torch::nn::Module& module, const std::function<torch::Tensor(const torch::Tensor&)>& forward,
    const std::vector<int64_t>& image_shape) {
  if (image_shape.size() != 3 || image_shape[0] < 1 || image_shape[1] < 1 || image_shape[2] < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "image_shape: [", absl::StrJoin(image_shape, ", "), "] is not [C, H, W] with each >= 1"));
  }
  int64_t total = 0;
  const bool was_training = module.is_training();
  module.eval();
  current_total = &total;
  counted_depth = 0;
  const at::CallbackHandle handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(&OnOpStart, &OnOpEnd).needsInputs(true).needsOutputs(true));
  std::string error;
  try {
    torch::NoGradGuard no_grad;
    forward(torch::zeros({1, image_shape[0], image_shape[1], image_shape[2]}));
  } catch (const std::exception& e) {
    error = e.what();
  }
  at::removeCallback(handle);
  current_total = nullptr;
  module.train(was_training);
  if (!error.empty()) {
    return absl::InternalError(absl::StrCat("counting multiply-adds: the forward pass failed: ",
                                            error.substr(0, error.find('\n'))));
  }
  return total;
}

}  // namespace nas
