#include "worker/export/script_builder.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "worker/training/torch_compat.h"

namespace nas {
namespace {

absl::Status Unsupported(const std::string& path, absl::string_view what) {
  return absl::InternalError(absl::StrCat("cannot export module '", path, "': ", what));
}

std::string Join(const std::string& path, const std::string& name) {
  return path.empty() ? name : absl::StrCat(path, ".", name);
}

template <size_t D>
std::string IntList(const torch::ExpandingArray<D>& values) {
  return absl::StrCat("[", absl::StrJoin(*values, ", "), "]");
}

// A TorchScript float literal that parses back to exactly `v`.
std::string FloatLiteral(double v) {
  std::string s = absl::StrFormat("%.17g", v);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

const char* Bool(bool b) { return b ? "True" : "False"; }

}  // namespace

ScriptBuilder::ScriptBuilder(torch::nn::Module& root) : root_(root) {
  for (const auto& m : root_.named_modules("", /*include_self=*/false)) {
    modules_[m.key()] = m.value();
  }
  for (const auto& p : root_.named_parameters()) parameters_[p.key()] = p.value();
  for (const auto& b : root_.named_buffers()) buffers_[b.key()] = b.value();
}

std::string ScriptBuilder::Let(const std::string& expression) {
  std::string name = absl::StrCat("t", next_variable_++);
  lines_.push_back(absl::StrCat(name, " = ", expression));
  return name;
}

absl::StatusOr<std::string> ScriptBuilder::Tensor(const std::string& path) {
  const bool is_parameter = parameters_.count(path) > 0;
  if (!is_parameter && buffers_.count(path) == 0) {
    return absl::InternalError(absl::StrCat("cannot export: no tensor '", path, "'"));
  }
  const std::string attribute = absl::StrReplaceAll(path, {{".", "_"}});
  auto [it, inserted] = used_.emplace(attribute, path);
  if (!inserted) {
    if (it->second != path) {
      return absl::InternalError(absl::StrCat("cannot export: tensors '", it->second, "' and '",
                                              path, "' would both be named '", attribute, "'"));
    }
    return absl::StrCat("self.", attribute);
  }
  // A copy on the CPU: the module must not share storage with the network
  // (which may go on training) nor depend on the device it trained on.
  torch::NoGradGuard no_grad;
  const torch::Tensor source = is_parameter ? parameters_[path] : buffers_[path];
  torch::Tensor copy = source.detach().to(torch::kCPU).clone();
  if (is_parameter) {
    copy.set_requires_grad(source.requires_grad());
    copied_parameters_.emplace_back(attribute, copy);
  } else {
    copied_buffers_.emplace_back(attribute, copy);
  }
  return absl::StrCat("self.", attribute);
}

std::shared_ptr<torch::nn::Module> ScriptBuilder::Submodule(const std::string& path) const {
  const auto it = modules_.find(path);
  return it == modules_.end() ? nullptr : it->second;
}

absl::StatusOr<std::string> ScriptBuilder::Apply(const std::string& path, const std::string& x) {
  const std::shared_ptr<torch::nn::Module> module = Submodule(path);
  if (module == nullptr) return Unsupported(path, "no such submodule");
  if (const auto* conv = dynamic_cast<const torch::nn::Conv2dImpl*>(module.get())) {
    return Conv2d(path, *conv, x);
  }
  if (const auto* bn = dynamic_cast<const torch::nn::BatchNorm2dImpl*>(module.get())) {
    return BatchNorm2d(path, *bn, x);
  }
  if (const auto* linear = dynamic_cast<const torch::nn::LinearImpl*>(module.get())) {
    return Linear(path, *linear, x);
  }
  if (dynamic_cast<const torch::nn::ReLUImpl*>(module.get()) != nullptr) {
    return Let(absl::StrCat("torch.relu(", x, ")"));
  }
  if (const auto* pool = dynamic_cast<const torch::nn::MaxPool2dImpl*>(module.get())) {
    const auto& o = pool->options;
    return Let(absl::StrCat("torch.max_pool2d(", x, ", ", IntList(o.kernel_size()), ", ",
                            IntList(o.stride()), ", ", IntList(o.padding()), ", ",
                            IntList(o.dilation()), ", ", Bool(o.ceil_mode()), ")"));
  }
  if (const auto* pool = dynamic_cast<const torch::nn::AvgPool2dImpl*>(module.get())) {
    const auto& o = pool->options;
    const std::string divisor =
        o.divisor_override().has_value() ? absl::StrCat(*o.divisor_override()) : "None";
    return Let(absl::StrCat("torch.avg_pool2d(", x, ", ", IntList(o.kernel_size()), ", ",
                            IntList(o.stride()), ", ", IntList(o.padding()), ", ",
                            Bool(o.ceil_mode()), ", ", Bool(o.count_include_pad()), ", ", divisor,
                            ")"));
  }
  if (dynamic_cast<const torch::nn::SequentialImpl*>(module.get()) != nullptr) {
    std::string out = x;  // Children run in registration order.
    for (const auto& child : module->named_children()) {
      auto next = Apply(Join(path, child.key()), out);
      if (!next.ok()) return next.status();
      out = *next;
    }
    return out;
  }
  return Unsupported(path, absl::StrCat("unknown module type ", module->name()));
}

absl::StatusOr<std::string> ScriptBuilder::Conv2d(const std::string& path,
                                                  const torch::nn::Conv2dImpl& conv,
                                                  const std::string& x) {
  const auto& o = conv.options;
  const auto* padding = TorchGetIf<torch::ExpandingArray<2>>(&o.padding());
  if (padding == nullptr || TorchGetIf<torch::enumtype::kZeros>(&o.padding_mode()) == nullptr ||
      o.transposed()) {
    return Unsupported(path, "only zero-padded, non-transposed convolutions with explicit padding");
  }
  auto weight = Tensor(Join(path, "weight"));
  if (!weight.ok()) return weight.status();
  std::string bias = "None";
  if (conv.bias.defined()) {
    auto b = Tensor(Join(path, "bias"));
    if (!b.ok()) return b.status();
    bias = *b;
  }
  return Let(absl::StrCat("torch.conv2d(", x, ", ", *weight, ", ", bias, ", ", IntList(o.stride()),
                          ", ", IntList(*padding), ", ", IntList(o.dilation()), ", ", o.groups(),
                          ")"));
}

absl::StatusOr<std::string> ScriptBuilder::BatchNorm2d(const std::string& path,
                                                       const torch::nn::BatchNorm2dImpl& bn,
                                                       const std::string& x) {
  const auto& o = bn.options;
  std::string args[4] = {"None", "None", "None", "None"};  // weight, bias, mean, var
  const char* names[4] = {"weight", "bias", "running_mean", "running_var"};
  const bool defined[4] = {bn.weight.defined(), bn.bias.defined(), bn.running_mean.defined(),
                           bn.running_var.defined()};
  for (int i = 0; i < 4; ++i) {
    if (!defined[i]) continue;
    auto t = Tensor(Join(path, names[i]));
    if (!t.ok()) return t.status();
    args[i] = *t;
  }
  // As BatchNormImplBase::forward in eval mode: batch statistics only when
  // the layer keeps no running ones.
  const bool batch_statistics = !o.track_running_stats();
  return Let(absl::StrCat("torch.batch_norm(", x, ", ", absl::StrJoin(args, ", "), ", ",
                          Bool(batch_statistics), ", ", FloatLiteral(o.momentum().value_or(0.0)),
                          ", ", FloatLiteral(o.eps()), ", True)"));
}

absl::StatusOr<std::string> ScriptBuilder::Linear(const std::string& path,
                                                  const torch::nn::LinearImpl& linear,
                                                  const std::string& x) {
  auto weight = Tensor(Join(path, "weight"));
  if (!weight.ok()) return weight.status();
  std::string bias = "None";
  if (linear.bias.defined()) {
    auto b = Tensor(Join(path, "bias"));
    if (!b.ok()) return b.status();
    bias = *b;
  }
  return Let(absl::StrCat("torch.linear(", x, ", ", *weight, ", ", bias, ")"));
}

absl::StatusOr<torch::jit::Module> ScriptBuilder::Finish(const std::string& class_name,
                                                         const std::string& output) {
  std::set<std::string> read;
  for (const auto& u : used_) read.insert(u.second);
  for (const auto& p : parameters_) {
    if (read.count(p.first) == 0) {
      return absl::InternalError(
          absl::StrCat("cannot export: the generated code does not use parameter '", p.first, "'"));
    }
  }
  for (const auto& b : buffers_) {
    if (b.second.is_floating_point() && read.count(b.first) == 0) {
      return absl::InternalError(
          absl::StrCat("cannot export: the generated code does not use buffer '", b.first, "'"));
    }
  }
  std::string source = absl::StrCat("def forward(self, ", kInput, "):\n");
  for (const std::string& line : lines_) absl::StrAppend(&source, "    ", line, "\n");
  absl::StrAppend(&source, "    return ", output, "\n");
  try {
    torch::jit::Module module(class_name);
    for (const auto& p : copied_parameters_) module.register_parameter(p.first, p.second, false);
    for (const auto& b : copied_buffers_) module.register_buffer(b.first, b.second);
    module.define(source);
    module.eval();
    return module;
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("cannot export: the generated TorchScript does not compile: ", e.what()));
  }
}

}  // namespace nas
