#include "worker/supernet/architect.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "worker/errors/torch_errors.h"

namespace nas {
namespace {

using Tensors = std::vector<torch::Tensor>;

// Gradients of `loss` w.r.t. `wrt`, zeros for inputs the loss does not use.
Tensors Grad(const torch::Tensor& loss, const Tensors& wrt) {
  Tensors g = torch::autograd::grad({loss}, wrt, /*grad_outputs=*/{}, /*retain_graph=*/false,
                                    /*create_graph=*/false, /*allow_unused=*/true);
  for (size_t i = 0; i < g.size(); ++i) {
    if (!g[i].defined()) g[i] = torch::zeros_like(wrt[i]);
  }
  return g;
}

// weights[i] = base[i] + scale * direction[i], in place.
void SetWeights(const Tensors& weights, const Tensors& base, double scale,
                const Tensors& direction) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < weights.size(); ++i) {
    weights[i].copy_(base[i] + scale * direction[i]);
  }
}

Tensors SecondOrderGradient(const BilevelProblem& p, const Batch& train, const Batch& valid,
                            const ArchitectOptions& o) {
  Tensors original;
  for (const auto& w : p.weights) original.push_back(w.detach().clone());

  // Virtual step w' = w - xi * (grad_w L_train + wd * w).
  const Tensors g_train = Grad(p.loss(train), p.weights);
  Tensors step;
  for (size_t i = 0; i < g_train.size(); ++i)
    step.push_back(g_train[i] + o.weight_decay * original[i]);
  SetWeights(p.weights, original, -o.xi, step);

  Tensors all = p.arch;
  all.insert(all.end(), p.weights.begin(), p.weights.end());
  const Tensors g_val = Grad(p.loss(valid), all);
  const Tensors d_alpha(g_val.begin(), g_val.begin() + p.arch.size());
  const Tensors v(g_val.begin() + p.arch.size(), g_val.end());

  double norm_sq = 0;
  for (const auto& t : v) norm_sq += t.pow(2).sum().item<double>();
  const double eps = 0.01 / std::max(std::sqrt(norm_sq), 1e-12);

  SetWeights(p.weights, original, eps, v);
  const Tensors g_plus = Grad(p.loss(train), p.arch);
  SetWeights(p.weights, original, -eps, v);
  const Tensors g_minus = Grad(p.loss(train), p.arch);
  SetWeights(p.weights, original, 0.0, v);

  Tensors result;
  for (size_t i = 0; i < p.arch.size(); ++i) {
    result.push_back(d_alpha[i] - o.xi * (g_plus[i] - g_minus[i]) / (2 * eps));
  }
  return result;
}

}  // namespace

Tensors ArchitectureGradient(const BilevelProblem& problem, const Batch& train, const Batch& valid,
                             const ArchitectOptions& options) {
  if (options.order == ArchitectOrder::kFirst) return Grad(problem.loss(valid), problem.arch);
  return SecondOrderGradient(problem, train, valid, options);
}

Architect::Architect(Supernet net, const ArchitectOptions& options)
    : net_(std::move(net)),
      options_(options),
      optimizer_(net_->arch_parameters(), torch::optim::AdamOptions(options.arch_learning_rate)
                                              .betas(std::make_tuple(0.5, 0.999))
                                              .weight_decay(options.arch_weight_decay)) {}

absl::Status Architect::Step(const Batch& train, const Batch& valid) {
  return CallGuarded("architecture step", [&]() -> absl::Status {
    BilevelProblem problem;
    problem.weights = net_->weight_parameters();
    problem.arch = net_->arch_parameters();
    Supernet net = net_;
    problem.loss = [net](const Batch& b) mutable {
      return torch::nn::functional::cross_entropy(net->forward(b.images), b.labels);
    };
    const Tensors grads = ArchitectureGradient(problem, train, valid, options_);
    optimizer_.zero_grad();
    for (size_t i = 0; i < grads.size(); ++i) problem.arch[i].mutable_grad() = grads[i];
    optimizer_.step();
    for (auto& w : problem.weights) {
      if (w.grad().defined()) w.mutable_grad().zero_();
    }
    return absl::OkStatus();
  });
}

}  // namespace nas
