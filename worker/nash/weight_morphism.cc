#include "worker/nash/weight_morphism.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "worker/errors/torch_errors.h"

namespace nas {
namespace {

// A channel's identity, so that the same channel can be found in the parent
// and the child wherever concatenations and pools have moved it: the unit u
// of parent conv layer p is (p + 1) * kLabelStride + u, data channel c is c,
// and channels new in the child get unique negative labels.
constexpr int64_t kLabelStride = 2 * kMaxConvNetChannels;

struct ChannelLabels {
  std::vector<std::vector<int64_t>> in;   // Per consumer.
  std::vector<std::vector<int64_t>> out;  // Per layer.
};

// Child layer index -> parent layer index; only a deepen shifts them.
struct LayerMap {
  int inserted = -1;  // The child index of a deepen's new layer, else -1.

  int Parent(int child) const {
    if (inserted < 0 || child < inserted) return child;
    return child == inserted ? -1 : child - 1;
  }
};

// Labels of `g` (the parent itself, or a child with `map` into `parent`).
ChannelLabels LabelChannels(const ConvNetGenome& g, int64_t in_channels,
                            const ConvNetGenome& parent, const LayerMap& map) {
  const int n = g.num_layers();
  ChannelLabels l;
  l.in.resize(n + 1);
  l.out.resize(n);
  int64_t fresh = -1;
  for (int j = 0; j <= n; ++j) {
    std::vector<int64_t>& in = l.in[j];
    if (j == 0) {
      for (int64_t c = 0; c < in_channels; ++c) in.push_back(c);
    } else {
      in = l.out[j - 1];  // An add keeps the main path's channels.
    }
    for (const ConvNetSkip& s : g.skips) {  // Canonical: ascending `from`.
      if (s.to == j && s.kind == ConvNetSkipKind::kConcat) {
        in.insert(in.end(), l.out[s.from].begin(), l.out[s.from].end());
      }
    }
    if (j == n) break;
    // Pools and a deepen's identity layer pass their channels on unchanged.
    if (g.layers[j].kind == ConvNetLayerKind::kPool || j == map.inserted) {
      l.out[j] = in;
      continue;
    }
    const int p = map.Parent(j);
    for (int u = 0; u < g.layers[j].width; ++u) {
      l.out[j].push_back(u < parent.layers[p].width ? (p + 1) * kLabelStride + u : fresh--);
    }
  }
  return l;
}

// Positions of the channels present in both: child[k] holds parent[k].
struct Matches {
  torch::Tensor child, parent;  // int64 [K].
};

Matches MatchChannels(const std::vector<int64_t>& child, const std::vector<int64_t>& parent) {
  // Labels are unique within a tensor for valid genomes; pairing the k-th
  // occurrences keeps this correct even if they were not.
  std::unordered_map<int64_t, std::vector<int64_t>> where;
  for (int64_t i = static_cast<int64_t>(parent.size()) - 1; i >= 0; --i) {
    where[parent[i]].push_back(i);
  }
  std::vector<int64_t> c, p;
  for (int64_t i = 0; i < static_cast<int64_t>(child.size()); ++i) {
    auto it = where.find(child[i]);
    if (it == where.end() || it->second.empty()) continue;
    c.push_back(i);
    p.push_back(it->second.back());
    it->second.pop_back();
  }
  return {torch::tensor(c, torch::kInt64), torch::tensor(p, torch::kInt64)};
}

torch::Tensor OnCpuLike(const torch::Tensor& t, const torch::Tensor& like) {
  return t.detach().to(torch::kCPU, like.scalar_type());
}

// Parent values for the first parent-many entries, `fill` for new units.
void InheritVector(torch::Tensor child, const torch::Tensor& parent, double fill) {
  torch::Tensor v = torch::full_like(child, fill);
  v.slice(0, 0, parent.size(0)).copy_(OnCpuLike(parent, child));
  child.copy_(v);
}

void InheritBatchNorm(torch::nn::BatchNorm2d& c, const torch::nn::BatchNorm2d& p) {
  // New units start as a freshly built BatchNorm would.
  InheritVector(c->weight, p->weight, 1);
  InheritVector(c->bias, p->bias, 0);
  InheritVector(c->running_mean, p->running_mean, 0);
  InheritVector(c->running_var, p->running_var, 1);
  c->num_batches_tracked.copy_(p->num_batches_tracked.to(torch::kCPU));
}

void InheritConvLayer(ConvBnRelu& c, const ConvBnRelu& p, const Matches& in,
                      torch::Generator& gen) {
  const torch::Tensor parent_w = OnCpuLike(p->conv->weight, c->conv->weight);
  const int64_t old_units = parent_w.size(0);
  torch::Tensor w = torch::zeros_like(c->conv->weight);
  // Old units read their old channels; new input channels get weight 0.
  w.slice(0, 0, old_units).index_copy_(1, in.child, parent_w.index_select(1, in.parent));
  torch::Tensor fresh = w.slice(0, old_units);
  if (fresh.numel() > 0) {
    // LibTorch's default conv initialisation: U(-b, b), b = 1 / sqrt(fan_in).
    const double bound = 1.0 / std::sqrt(static_cast<double>(w[0].numel()));
    fresh.copy_((torch::rand(fresh.sizes(), gen, torch::kFloat64) * 2 - 1) * bound);
  }
  c->conv->weight.copy_(w);
  InheritBatchNorm(c->bn, p->bn);
}

// The per-channel mean and variance of relu(z), z ~ N(m, s^2).
std::pair<double, double> RectifiedGaussian(double m, double s) {
  if (!(s > 0)) return {std::max(m, 0.0), 0.0};
  constexpr double kInvSqrt2Pi = 0.398942280401432677940;
  const double a = m / s;
  const double cdf = 0.5 * std::erfc(-a / std::sqrt(2.0));
  const double pdf = kInvSqrt2Pi * std::exp(-0.5 * a * a);
  const double mean = m * cdf + s * pdf;
  const double second = (m * m + s * s) * cdf + m * s * pdf;
  return {mean, std::max(second - mean * mean, 0.0)};
}

// The deepen's new layer: identity conv, and a BatchNorm whose statistics
// are the expected ones of its input (layer `prev`'s output) and whose affine
// part undoes exactly that normalisation.
void InitIdentityLayer(ConvBnRelu& c, const ConvBnRelu& prev) {
  const int64_t units = c->conv->weight.size(0);
  const int64_t mid = c->conv->weight.size(2) / 2;
  torch::Tensor w = torch::zeros_like(c->conv->weight);
  w.select(3, mid).select(2, mid).copy_(torch::eye(units, w.options()));
  c->conv->weight.copy_(w);
  const torch::Tensor beta = prev->bn->bias.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  const torch::Tensor gamma =
      prev->bn->weight.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  const auto b = beta.accessor<double, 1>();
  const auto g = gamma.accessor<double, 1>();
  std::vector<double> means, vars;
  for (int64_t u = 0; u < units; ++u) {
    const auto [mu, v] = RectifiedGaussian(b[u], std::abs(g[u]));
    means.push_back(mu);
    vars.push_back(v);
  }
  const torch::Tensor mean = torch::tensor(means, torch::kFloat64);
  const torch::Tensor var = torch::tensor(vars, torch::kFloat64);
  const double eps = c->bn->options.eps();
  c->bn->running_mean.copy_(mean);
  c->bn->running_var.copy_(var);
  c->bn->weight.copy_(torch::sqrt(var + eps));
  c->bn->bias.copy_(mean);
}

void InheritClassifier(torch::nn::Linear& c, const torch::nn::Linear& p, const Matches& in) {
  const torch::Tensor parent_w = OnCpuLike(p->weight, c->weight);
  torch::Tensor w = torch::zeros_like(c->weight);
  w.index_copy_(1, in.child, parent_w.index_select(1, in.parent));
  c->weight.copy_(w);
  c->bias.copy_(OnCpuLike(p->bias, c->bias));
}

// Old adds keep their lambda; a new add starts at 0 (its zero init).
void InheritLambdas(ConvNet& child, ConvNet& parent, const LayerMap& map) {
  for (size_t s = 0; s < child->genome.skips.size(); ++s) {
    const ConvNetSkip& skip = child->genome.skips[s];
    if (skip.kind != ConvNetSkipKind::kAdd) continue;
    // Consumers map like layers: the child's head is the parent's.
    const ConvNetSkip old{ConvNetSkipKind::kAdd, map.Parent(skip.from), map.Parent(skip.to)};
    for (size_t t = 0; t < parent->genome.skips.size(); ++t) {
      if (parent->genome.skips[t] == old) {
        child->lambdas[s].copy_(OnCpuLike(parent->lambdas[t], child->lambdas[s]));
      }
    }
  }
}

// Builds the child on the CPU with the parent's dtype, fills every weight
// and buffer, then moves it to the parent's device and mode.
ConvNet BuildChild(ConvNet& parent, const ConvNetGenome& child_genome, const LayerMap& map,
                   uint64_t seed) {
  torch::NoGradGuard no_grad;
  const torch::Tensor any = parent->parameters().front();
  ConvNet child(child_genome, parent->in_channels, parent->num_classes);
  ConvertFloatingPoint(*child, any.scalar_type());
  torch::Generator gen = torch::make_generator<torch::CPUGeneratorImpl>(seed);
  const ChannelLabels p_labels =
      LabelChannels(parent->genome, parent->in_channels, parent->genome, LayerMap{});
  const ChannelLabels c_labels =
      LabelChannels(child_genome, parent->in_channels, parent->genome, map);
  for (int j = 0; j < child_genome.num_layers(); ++j) {
    if (child_genome.layers[j].kind == ConvNetLayerKind::kPool) continue;
    if (j == map.inserted) {
      InitIdentityLayer(child->layers[j], parent->layers[j - 1]);
      continue;
    }
    const int p = map.Parent(j);
    InheritConvLayer(child->layers[j], parent->layers[p],
                     MatchChannels(c_labels.in[j], p_labels.in[p]), gen);
  }
  InheritClassifier(child->classifier, parent->classifier,
                    MatchChannels(c_labels.in.back(), p_labels.in.back()));
  InheritLambdas(child, parent, map);
  child->to(any.device());
  child->train(parent->is_training());
  return child;
}

absl::Status CheckParent(const ConvNetGenome& genome, ConvNet& parent, int64_t in_channels,
                         int64_t num_classes) {
  if (parent.is_empty() || parent->genome != Canonicalize(genome)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the parent network was not built from genome '", ConvNetGenomeToText(genome), "'",
        parent.is_empty() ? ""
                          : absl::StrCat(" but from '", ConvNetGenomeToText(parent->genome), "'")));
  }
  if (parent->in_channels != in_channels || parent->num_classes != num_classes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the parent network has ", parent->in_channels, " input channels and ",
                     parent->num_classes, " classes, not ", in_channels, " and ", num_classes));
  }
  return absl::OkStatus();
}

// Restores a module's train/eval mode when the scope ends.
class ModeRestorer {
 public:
  explicit ModeRestorer(ConvNet& net) : net_(net), training_(net->is_training()) {}
  ~ModeRestorer() { net_->train(training_); }

 private:
  ConvNet& net_;
  const bool training_;
};

}  // namespace

absl::StatusOr<ConvNet> ApplyMorphismToNet(const ConvNetGenome& parent_genome, ConvNet& parent,
                                           const Morphism& m, int64_t in_channels,
                                           int64_t num_classes, SeededRandom& rng) {
  RETURN_IF_ERROR(CheckParent(parent_genome, parent, in_channels, num_classes));
  ASSIGN_OR_RETURN(const ConvNetGenome child_genome, ApplyToGenome(parent_genome, m));
  LayerMap map;
  if (m.kind == MorphismKind::kDeepen) map.inserted = m.layer + 1;
  const uint64_t seed = rng.Next();  // Drawn for every kind: one draw per morphism.
  return CallGuarded(
      absl::StrCat("applying ", MorphismToText(m), " to the weights"),
      [&]() -> absl::StatusOr<ConvNet> { return BuildChild(parent, child_genome, map, seed); });
}

absl::StatusOr<ConvNet> ApplyMorphismsToNet(const ConvNetGenome& parent_genome, ConvNet& parent,
                                            const std::vector<Morphism>& list, int64_t in_channels,
                                            int64_t num_classes, SeededRandom& rng) {
  RETURN_IF_ERROR(CheckParent(parent_genome, parent, in_channels, num_classes));
  if (list.empty()) {
    // A copy, so that training the result never changes the parent.
    return CallGuarded("copying the network", [&]() -> absl::StatusOr<ConvNet> {
      return BuildChild(parent, parent->genome, LayerMap{}, rng.Next());
    });
  }
  ConvNet current = parent;
  for (size_t i = 0; i < list.size(); ++i) {
    auto child =
        ApplyMorphismToNet(current->genome, current, list[i], in_channels, num_classes, rng);
    if (!child.ok()) {
      return absl::Status(child.status().code(),
                          absl::StrCat("morphism ", i, ": ", child.status().message()));
    }
    current = *std::move(child);
  }
  return current;
}

double MaxRelativeDifference(ConvNet& a, ConvNet& b, const torch::Tensor& x) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  auto ratio = CallGuarded("comparing networks", [&]() -> absl::StatusOr<double> {
    torch::NoGradGuard no_grad;
    ModeRestorer restore_a(a), restore_b(b);
    a->eval();
    b->eval();
    const torch::Tensor pa = a->parameters().front(), pb = b->parameters().front();
    const torch::Tensor ya =
        a->forward(x.to(pa.device(), pa.scalar_type())).to(torch::kCPU, torch::kFloat64);
    const torch::Tensor yb =
        b->forward(x.to(pb.device(), pb.scalar_type())).to(torch::kCPU, torch::kFloat64);
    const double diff = (ya - yb).abs().max().item<double>();
    const double scale = ya.abs().max().item<double>();
    if (scale == 0) return diff == 0 ? 0.0 : kInf;
    return diff / scale;
  });
  return ratio.ok() && !std::isnan(*ratio) ? *ratio : kInf;
}

}  // namespace nas
