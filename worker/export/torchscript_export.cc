#include "worker/export/torchscript_export.h"

#include <exception>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status_macros.h"
#include "worker/export/script_builder.h"
#include "worker/model/darts_ops.h"
#include "worker/tfnas/blocks.h"

namespace nas {
namespace {

std::string Cat(const std::vector<std::string>& parts) {
  return absl::StrCat("torch.cat([", absl::StrJoin(parts, ", "), "], 1)");
}

// As FactorizedReduceImpl::forward: two stride-2 1x1 convs, the second on
// the grid shifted by one pixel (odd sizes padded), concatenated, then BN.
absl::StatusOr<std::string> FactorizedReduce(ScriptBuilder& b, const std::string& path,
                                             const std::string& x) {
  const std::string relu = b.Let(absl::StrCat("torch.relu(", x, ")"));
  const std::string shifted =
      b.Let(absl::StrCat("torch.constant_pad_nd(", relu, "[:, :, 1:, 1:], [0, 1, 0, 1], 0.0)"));
  ASSIGN_OR_RETURN(const std::string a, b.Apply(path + ".conv1", relu));
  ASSIGN_OR_RETURN(const std::string c, b.Apply(path + ".conv2", shifted));
  return b.Apply(path + ".bn", b.Let(Cat({a, c})));
}

// A cell input's preprocessing: FactorizedReduce or ReLU-conv-BN.
absl::StatusOr<std::string> Preprocess(ScriptBuilder& b, const std::string& path,
                                       const std::string& x) {
  const auto module = b.Submodule(path);
  if (dynamic_cast<const FactorizedReduceImpl*>(module.get()) != nullptr) {
    return FactorizedReduce(b, path, x);
  }
  if (dynamic_cast<const ReluConvBnImpl*>(module.get()) != nullptr) {
    return b.Apply(path + ".body", x);
  }
  return absl::InternalError(
      absl::StrCat("cannot export module '", path, "': not a known ", "cell preprocessing"));
}

// One edge's op, as MakeDartsOp builds it.
absl::StatusOr<std::string> EdgeOp(ScriptBuilder& b, const std::string& path, DartsOp op,
                                   const std::string& x) {
  switch (op) {
    case DartsOp::kSepConv3x3:
    case DartsOp::kSepConv5x5:
    case DartsOp::kDilConv3x3:
    case DartsOp::kDilConv5x5:
      return b.Apply(path + ".body", x);  // A wrapped Sequential.
    case DartsOp::kMaxPool3x3:
    case DartsOp::kAvgPool3x3:
      return b.Apply(path, x);
    case DartsOp::kSkipConnect:
      // Identity at stride 1 (no submodules), FactorizedReduce at stride 2.
      if (dynamic_cast<const FactorizedReduceImpl*>(b.Submodule(path).get()) != nullptr) {
        return FactorizedReduce(b, path, x);
      }
      return x;
  }
  return absl::InternalError(absl::StrCat("cannot export module '", path, "': unknown op"));
}

// As DartsCellModuleImpl::forward.
absl::StatusOr<std::string> Cell(ScriptBuilder& b, const std::string& path,
                                 const DartsCellModuleImpl& cell, const std::string& s0,
                                 const std::string& s1) {
  std::vector<std::string> states;
  ASSIGN_OR_RETURN(std::string p0, Preprocess(b, path + ".preprocess0", s0));
  ASSIGN_OR_RETURN(std::string p1, Preprocess(b, path + ".preprocess1", s1));
  states = {p0, p1};
  for (size_t n = 0; n < cell.cell.nodes.size(); ++n) {
    std::string edges[2];
    for (int e = 0; e < 2; ++e) {
      const DartsEdge& edge = cell.cell.nodes[n][e];
      ASSIGN_OR_RETURN(edges[e], EdgeOp(b, absl::StrCat(path, ".node", n, "_edge", e), edge.op,
                                        states[edge.input]));
    }
    states.push_back(b.Let(absl::StrCat(edges[0], " + ", edges[1])));
  }
  return b.Let(Cat(std::vector<std::string>(states.begin() + 2, states.end())));
}

// The head both networks share: global average pooling, flatten, linear.
absl::StatusOr<std::string> Head(ScriptBuilder& b, const std::string& features) {
  const std::string pooled =
      b.Let(absl::StrCat("torch.flatten(torch.adaptive_avg_pool2d(", features, ", [1, 1]), 1)"));
  return b.Apply("classifier", pooled);
}

// As ConvNetImpl::ConsumerInput.
absl::StatusOr<std::string> ConsumerInput(ScriptBuilder& b, const ConvNetImpl& net, int j,
                                          const std::vector<std::string>& outs) {
  std::string main = j == 0 ? ScriptBuilder::kInput : outs[j - 1];
  std::vector<std::string> parts;
  for (const ConvNetSkip& skip : net.genome.skips) {
    if (skip.to != j) continue;
    if (skip.kind == ConvNetSkipKind::kAdd) {
      ASSIGN_OR_RETURN(const std::string lambda, b.Tensor(LambdaName(skip)));
      main = b.Let(absl::StrCat(main, " + ", lambda, " * ", outs[skip.from]));
    } else {
      parts.push_back(outs[skip.from]);
    }
  }
  if (parts.empty()) return main;
  parts.insert(parts.begin(), main);
  return b.Let(Cat(parts));
}

// As MbConvImpl::forward without a mask: expand (unless the block has no
// expansion), depthwise, squeeze-and-excitation when the block has it (mean
// over H and W, 1x1 conv, activation, 1x1 conv, sigmoid gate on the mid
// channels), project, each of expand, depthwise and project with BatchNorm,
// activations after the first two, and the residual when shapes allow.
absl::StatusOr<std::string> MbConvBlock(ScriptBuilder& b, const std::string& path,
                                        const std::string& x) {
  const auto* block = dynamic_cast<const MbConvImpl*>(b.Submodule(path).get());
  if (block == nullptr) {
    return absl::InternalError(absl::StrCat("cannot export module '", path, "': not an MBConv"));
  }
  const MbConvOptions& o = block->options();
  const char* activation = o.swish ? "torch.silu(" : "torch.relu(";
  std::string h = x;
  if (o.expand) {
    ASSIGN_OR_RETURN(const std::string expanded, b.Apply(path + ".expand", h));
    ASSIGN_OR_RETURN(const std::string normed, b.Apply(path + ".expand_bn", expanded));
    h = b.Let(absl::StrCat(activation, normed, ")"));
  }
  ASSIGN_OR_RETURN(const std::string depthwise, b.Apply(path + ".depthwise", h));
  ASSIGN_OR_RETURN(const std::string depthwise_bn, b.Apply(path + ".depthwise_bn", depthwise));
  h = b.Let(absl::StrCat(activation, depthwise_bn, ")"));
  if (o.se_channels > 0) {
    const std::string squeezed = b.Let(absl::StrCat("torch.mean(", h, ", [2, 3], True)"));
    ASSIGN_OR_RETURN(const std::string reduced, b.Apply(path + ".se_reduce", squeezed));
    ASSIGN_OR_RETURN(const std::string gate,
                     b.Apply(path + ".se_expand", b.Let(absl::StrCat(activation, reduced, ")"))));
    h = b.Let(absl::StrCat(h, " * torch.sigmoid(", gate, ")"));
  }
  ASSIGN_OR_RETURN(const std::string projected, b.Apply(path + ".project", h));
  ASSIGN_OR_RETURN(h, b.Apply(path + ".project_bn", projected));
  const bool residual = o.stride == 1 && o.in_channels == o.out_channels;
  return residual ? b.Let(absl::StrCat(h, " + ", x)) : h;
}

// Runs an exporter so that nothing LibTorch throws (e.g. out of memory
// while copying the weights) leaves this file.
template <typename Fn>
absl::StatusOr<torch::jit::Module> Guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot export: ", e.what()));
  }
}

absl::StatusOr<torch::jit::Module> DartsNetworkToScript(DartsNetworkImpl& net) {
  ScriptBuilder b(net);
  ASSIGN_OR_RETURN(std::string s0, b.Apply("stem", ScriptBuilder::kInput));
  std::string s1 = s0;
  for (size_t i = 0; i < net.cells.size(); ++i) {
    ASSIGN_OR_RETURN(std::string next, Cell(b, absl::StrCat("cell", i), *net.cells[i], s0, s1));
    s0 = s1;
    s1 = next;
  }
  ASSIGN_OR_RETURN(const std::string logits, Head(b, s1));
  return b.Finish("nas.ExportedDartsNetwork", logits);
}

absl::StatusOr<torch::jit::Module> ConvNetToScript(ConvNetImpl& net) {
  ScriptBuilder b(net);
  const int n = net.genome.num_layers();
  std::vector<std::string> outs;
  for (int j = 0; j < n; ++j) {
    ASSIGN_OR_RETURN(const std::string in, ConsumerInput(b, net, j, outs));
    if (net.genome.layers[j].kind == ConvNetLayerKind::kPool) {
      // ConvNetImpl::forward's pool: 2x2, stride 2, ceil mode.
      outs.push_back(
          b.Let(absl::StrCat("torch.max_pool2d(", in, ", [2, 2], [2, 2], [0, 0], [1, 1], True)")));
      continue;
    }
    const std::string layer = absl::StrCat("layer", j);
    ASSIGN_OR_RETURN(const std::string conv, b.Apply(layer + ".conv", in));
    ASSIGN_OR_RETURN(const std::string bn, b.Apply(layer + ".bn", conv));
    outs.push_back(b.Let(absl::StrCat("torch.relu(", bn, ")")));
  }
  ASSIGN_OR_RETURN(const std::string features, ConsumerInput(b, net, n, outs));
  ASSIGN_OR_RETURN(const std::string logits, Head(b, features));
  return b.Finish("nas.ExportedConvNet", logits);
}

// As TfNasNetworkImpl::forward: stem (conv, BN, ReLU, an MBConv without
// expansion), the genome's MBConv layers, head (1x1 conv, BN, swish, global
// mean, linear).
absl::StatusOr<torch::jit::Module> TfNasNetworkToScript(TfNasNetworkImpl& net) {
  ScriptBuilder b(net);
  ASSIGN_OR_RETURN(const std::string conv, b.Apply("stem.conv", ScriptBuilder::kInput));
  ASSIGN_OR_RETURN(const std::string bn, b.Apply("stem.bn", conv));
  ASSIGN_OR_RETURN(std::string h, MbConvBlock(b, "stem.block", b.Let("torch.relu(" + bn + ")")));
  const auto layers = b.Submodule("layers");
  const size_t n = layers == nullptr ? 0 : layers->children().size();
  for (size_t i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(h, MbConvBlock(b, absl::StrCat("layers.", i), h));
  }
  ASSIGN_OR_RETURN(const std::string head_conv, b.Apply("head.conv", h));
  ASSIGN_OR_RETURN(const std::string head_bn, b.Apply("head.bn", head_conv));
  const std::string features = b.Let(absl::StrCat("torch.mean(torch.silu(", head_bn, "), [2, 3])"));
  ASSIGN_OR_RETURN(const std::string logits, b.Apply("head.classifier", features));
  return b.Finish("nas.ExportedTfNasNetwork", logits);
}

}  // namespace

absl::StatusOr<torch::jit::Module> ExportTfNasNetwork(TfNasNetworkImpl& net) {
  return Guarded([&] { return TfNasNetworkToScript(net); });
}

absl::StatusOr<torch::jit::Module> ExportDartsNetwork(DartsNetworkImpl& net) {
  return Guarded([&] { return DartsNetworkToScript(net); });
}

absl::StatusOr<torch::jit::Module> ExportConvNet(ConvNetImpl& net) {
  return Guarded([&] { return ConvNetToScript(net); });
}

absl::Status SaveTorchScript(const torch::jit::Module& module, const std::string& path) {
  try {
    module.save(path);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot write TorchScript to ", path, ": ", e.what()));
  }
}

}  // namespace nas
