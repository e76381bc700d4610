#include "worker/tfnas/supernet.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace nas {
namespace {

int ArgmaxIndex(const torch::Tensor& t) { return static_cast<int>(t.argmax().item<int64_t>()); }

// torch::nn::functional::gumbel_softmax over dim 0 (its formula: softmax((logits
// + g) / tau) with g = -log(Exponential(1)), straight-through one-hot when
// `hard`), drawing g from `gen` on the CPU: LibTorch's takes no generator.
torch::Tensor GumbelSoftmax(const torch::Tensor& logits, double tau, bool hard,
                            torch::Generator& gen) {
  const torch::Tensor exponential =
      torch::empty(logits.sizes(), torch::dtype(logits.scalar_type())).exponential_(1, gen);
  const torch::Tensor gumbels = -exponential.log().to(logits.device());
  const torch::Tensor soft = ((logits + gumbels) / tau).softmax(0);
  if (!hard) return soft;
  const torch::Tensor index = std::get<1>(soft.max(0, /*keepdim=*/true));
  const torch::Tensor one_hot = torch::zeros_like(logits).scatter_(0, index, 1.0);
  return one_hot - soft.detach() + soft;
}

std::vector<double> ToVector(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kCPU, torch::kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

}  // namespace

MixedLayerImpl::MixedLayerImpl(const TfNasSpace& space, int stage, int layer) {
  const TfNasLayerShape shape = LayerShape(space, stage, layer);
  const std::vector<TfNasOp> ops = SpaceOps(space);
  for (size_t i = 0; i < ops.size(); ++i) {
    const WidthRange r = MidChannelRange(shape.in_channels, ops[i].expansion);
    ops_.push_back(register_module(absl::StrCat("op", i),
                                   MbConv(LayerBlockOptions(space, stage, layer, ops[i], r.max))));
    torch::Tensor mask = torch::zeros({r.max});
    mask.slice(0, 0, r.initial).fill_(1);
    masks_.push_back(register_buffer(absl::StrCat("mask", i), mask));
    widths_.push_back(r.initial);
  }
  log_alphas = register_parameter(
      "log_alphas", torch::log_softmax(torch::zeros({static_cast<int64_t>(ops.size())}), 0));
}

torch::Tensor MixedLayerImpl::ForwardOp(const torch::Tensor& x, int op) {
  return ops_[op]->forward(x, masks_[op]);
}

void MixedLayerImpl::SetWidth(int op, int width) {
  torch::NoGradGuard no_grad;
  const int64_t max = masks_[op].size(0);
  width = static_cast<int>(std::clamp<int64_t>(width, 1, max));
  const torch::Tensor importance = ops_[op]->depthwise_weight().abs().sum({1, 2, 3});
  const torch::Tensor keep = std::get<1>(importance.topk(width));
  masks_[op].zero_();
  masks_[op].index_fill_(0, keep, 1);
  widths_[op] = width;
}

void MixedLayerImpl::WidthsFromMasks() {
  for (size_t op = 0; op < masks_.size(); ++op) {
    widths_[op] = static_cast<int>(masks_[op].sum().item<double>());
  }
}

TfNasSupernetImpl::TfNasSupernetImpl(const TfNasSpace& space) : space_(space) {
  stem_ = register_module("stem", Stem(space));
  for (size_t s = 0; s < space.stages.size(); ++s) {
    layers_.emplace_back();
    for (int l = 0; l < space.stages[s].max_layers; ++l) {
      layers_[s].push_back(
          register_module(absl::StrCat("stage", s + 1, "_layer", l + 1), MixedLayer(space, s, l)));
      ++num_layers_;
    }
    betas_.push_back(register_parameter(absl::StrCat("stage", s + 1, "_betas"),
                                        torch::zeros({space.stages[s].max_layers})));
  }
  head_ = register_module("head", Head(space));
}

torch::Tensor TfNasSupernetImpl::ForwardStages(
    const torch::Tensor& x,
    const std::function<torch::Tensor(MixedLayer&, int, const torch::Tensor&)>& layer_fn) {
  torch::Tensor h = stem_(x);
  int flat = 0;
  for (size_t s = 0; s < layers_.size(); ++s) {
    // Sink connection: each depth's output, weighted by its probability.
    const torch::Tensor depth = torch::softmax(betas_[s], 0);
    torch::Tensor sink;
    for (size_t l = 0; l < layers_[s].size(); ++l, ++flat) {
      h = layer_fn(layers_[s][l], flat, h);
      const torch::Tensor weighted = depth[l] * h;
      sink = sink.defined() ? sink + weighted : weighted;
    }
    h = sink;
  }
  return head_(h);
}

torch::Tensor TfNasSupernetImpl::ForwardPath(const torch::Tensor& x, const PathChoice& path) {
  return ForwardStages(x, [&](MixedLayer& layer, int flat, const torch::Tensor& h) {
    torch::Tensor out = layer->ForwardOp(h, path.ops[flat]);
    const torch::Tensor& w = path.weights[flat];
    return w.defined() ? w * out : out;
  });
}

torch::Tensor TfNasSupernetImpl::ForwardMixture(const torch::Tensor& x, double temperature,
                                                torch::Generator& gen) {
  return ForwardStages(x, [&](MixedLayer& layer, int, const torch::Tensor& h) {
    const torch::Tensor w = GumbelSoftmax(layer->log_alphas, temperature, /*hard=*/false, gen);
    torch::Tensor sum;
    for (int op = 0; op < layer->num_ops(); ++op) {
      const torch::Tensor term = w[op] * layer->ForwardOp(h, op);
      sum = sum.defined() ? sum + term : term;
    }
    return sum;
  });
}

BiSample TfNasSupernetImpl::SampleBiPaths(double temperature, torch::Generator& gen) {
  BiSample sample;
  for (auto& stage : layers_) {
    for (auto& layer : stage) {
      const torch::Tensor hard = GumbelSoftmax(layer->log_alphas, temperature, /*hard=*/true, gen);
      const int g = ArgmaxIndex(hard.detach());
      sample.gumbel.ops.push_back(g);
      sample.gumbel.weights.push_back(hard[g]);
      // Uniform over the other ops: draw from n - 1 and skip g.
      int r = static_cast<int>(torch::randint(layer->num_ops() - 1, {1}, gen).item<int64_t>());
      if (r >= g) ++r;
      sample.random.ops.push_back(r);
      sample.random.weights.emplace_back();
    }
  }
  return sample;
}

PathChoice TfNasSupernetImpl::ArgmaxPath() const {
  PathChoice path;
  for (const auto& stage : layers_) {
    for (const auto& layer : stage) {
      path.ops.push_back(ArgmaxIndex(layer->log_alphas.detach()));
      path.weights.emplace_back();
    }
  }
  return path;
}

torch::Tensor TfNasSupernetImpl::ExpectedLatency(const SpaceLatencies& latencies) const {
  const auto options = torch::TensorOptions().dtype(torch::kFloat).device(betas_[0].device());
  torch::Tensor total = torch::tensor(latencies.base_ms(), options);
  for (size_t s = 0; s < layers_.size(); ++s) {
    const torch::Tensor depth = torch::softmax(betas_[s], 0);
    torch::Tensor prefix = torch::zeros({}, options);
    for (size_t l = 0; l < layers_[s].size(); ++l) {
      const MixedLayer& layer = layers_[s][l];
      std::vector<float> ms;
      for (int op = 0; op < layer->num_ops(); ++op) {
        ms.push_back(static_cast<float>(latencies.LayerMs(s, l, op, layer->width(op))));
      }
      const torch::Tensor op_ms = torch::tensor(ms, torch::kFloat).to(options.device());
      prefix = prefix + (torch::softmax(layer->log_alphas, 0) * op_ms).sum();
      total = total + depth[l] * prefix;
    }
  }
  return total;
}

std::vector<torch::Tensor> TfNasSupernetImpl::arch_parameters() const {
  std::vector<torch::Tensor> params;
  for (const auto& stage : layers_) {
    for (const auto& layer : stage) params.push_back(layer->log_alphas);
  }
  for (const auto& b : betas_) params.push_back(b);
  return params;
}

std::vector<torch::Tensor> TfNasSupernetImpl::weight_parameters() const {
  std::vector<torch::Tensor> params;
  for (const auto& item : named_parameters()) {
    const std::string& name = item.key();
    if (!absl::EndsWith(name, "log_alphas") && !absl::EndsWith(name, "_betas")) {
      params.push_back(item.value());
    }
  }
  return params;
}

void TfNasSupernetImpl::NormalizeLogAlphas() {
  torch::NoGradGuard no_grad;
  for (auto& stage : layers_) {
    for (auto& layer : stage) layer->log_alphas.copy_(torch::log_softmax(layer->log_alphas, 0));
  }
}

ArchDistribution TfNasSupernetImpl::Distribution() const {
  ArchDistribution d;
  for (size_t s = 0; s < layers_.size(); ++s) {
    d.depth.push_back(ToVector(torch::softmax(betas_[s].detach(), 0)));
    d.op.emplace_back();
    for (const auto& layer : layers_[s]) {
      d.op[s].push_back(ToVector(torch::softmax(layer->log_alphas.detach(), 0)));
    }
  }
  return d;
}

std::vector<std::vector<std::vector<int>>> TfNasSupernetImpl::Widths() const {
  std::vector<std::vector<std::vector<int>>> widths;
  for (const auto& stage : layers_) {
    widths.emplace_back();
    for (const auto& layer : stage) {
      widths.back().emplace_back();
      for (int op = 0; op < layer->num_ops(); ++op)
        widths.back().back().push_back(layer->width(op));
    }
  }
  return widths;
}

void TfNasSupernetImpl::ApplyWidths(const TfNasGenome& genome) {
  for (size_t s = 0; s < genome.stages.size(); ++s) {
    const auto& layers = genome.stages[s].layers;
    for (size_t l = 0; l < layers.size(); ++l) {
      layers_[s][l]->SetWidth(OpIndex(space_, layers[l]), layers[l].mid_channels);
    }
  }
}

void TfNasSupernetImpl::WidthsFromMasks() {
  for (auto& stage : layers_) {
    for (auto& layer : stage) layer->WidthsFromMasks();
  }
}

}  // namespace nas
