#include "worker/supernet/architect.h"

#include "gtest/gtest.h"

namespace nas {
namespace {

using Tensors = std::vector<torch::Tensor>;

// A tiny alpha-parameterised model: a hidden layer whose activation is a
// softmax(alpha)-weighted mix of tanh, sigmoid and softplus, as a mixed op
// is a softmax-weighted mix of candidate ops. Float64 so that the finite
// difference is limited by its own truncation error, not by rounding.
torch::Tensor TinyLoss(const torch::Tensor& w1, const torch::Tensor& w2, const torch::Tensor& alpha,
                       const Batch& b) {
  const torch::Tensor pre = b.images.matmul(w1);
  const torch::Tensor mix = torch::softmax(alpha, 0);
  const torch::Tensor h =
      mix[0] * torch::tanh(pre) + mix[1] * torch::sigmoid(pre) + mix[2] * torch::softplus(pre);
  return torch::nn::functional::cross_entropy(h.matmul(w2), b.labels);
}

Batch RandomBatch(int64_t n) {
  return {torch::randn({n, 5}, torch::kDouble), torch::randint(0, 3, {n}, torch::kLong)};
}

double RelativeError(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).norm().item<double>() / b.norm().item<double>();
}

TEST(ArchitectTest, SecondOrderMatchesExactUnrolledGradient) {
  torch::manual_seed(0);
  auto opts = torch::TensorOptions().dtype(torch::kDouble).requires_grad(true);
  torch::Tensor w1 = torch::randn({5, 6}, opts), w2 = torch::randn({6, 3}, opts);
  torch::Tensor alpha = torch::tensor({0.3, -0.2, 0.1}, opts);
  const Batch train = RandomBatch(32), valid = RandomBatch(32);
  ArchitectOptions o;
  o.order = ArchitectOrder::kSecond;
  o.xi = 0.5;  // Large, so the second-order term is far above the tolerance.
  o.weight_decay = 3e-4;

  BilevelProblem problem{
      {w1, w2}, {alpha}, [&](const Batch& b) { return TinyLoss(w1, w2, alpha, b); }};
  const torch::Tensor w1_before = w1.detach().clone();
  const torch::Tensor approx = ArchitectureGradient(problem, train, valid, o)[0];
  EXPECT_TRUE(torch::equal(w1.detach(), w1_before)) << "weights must be restored";

  // Exact: differentiate through the unrolled step.
  const Tensors g = torch::autograd::grad({TinyLoss(w1, w2, alpha, train)}, {w1, w2}, {},
                                          /*retain_graph=*/true, /*create_graph=*/true);
  const torch::Tensor w1u = w1 - o.xi * (g[0] + o.weight_decay * w1);
  const torch::Tensor w2u = w2 - o.xi * (g[1] + o.weight_decay * w2);
  const torch::Tensor exact = torch::autograd::grad({TinyLoss(w1u, w2u, alpha, valid)}, {alpha})[0];

  o.order = ArchitectOrder::kFirst;
  const torch::Tensor first = ArchitectureGradient(problem, train, valid, o)[0];
  EXPECT_LT(RelativeError(approx, exact), 1e-2) << approx << exact;
  // The check has teeth: the first-order gradient is far from the exact one.
  EXPECT_GT(RelativeError(first, exact), 5e-2) << first << exact;
}

TEST(ArchitectTest, StepMovesAlphaAndKeepsWeights) {
  torch::manual_seed(1);
  SupernetOptions so;
  so.nodes = 2;
  so.cells = 2;
  so.init_channels = 4;
  for (auto method : {SupernetMethod::kDarts, SupernetMethod::kPcDarts}) {
    so.method = method;
    so.partial_k = 2;
    Supernet net(so);
    ArchitectOptions ao;
    ao.order = ArchitectOrder::kSecond;
    ao.arch_learning_rate = 1e-2;
    Architect architect(net, ao);
    const Batch train{torch::randn({8, 1, 8, 8}), torch::randint(0, 10, {8}, torch::kLong)};
    const Batch valid{torch::randn({8, 1, 8, 8}), torch::randint(0, 10, {8}, torch::kLong)};
    const torch::Tensor alpha_before = net->alpha_normal.detach().clone();
    const torch::Tensor w_before = net->weight_parameters()[0].detach().clone();
    ASSERT_TRUE(architect.Step(train, valid).ok());
    EXPECT_FALSE(torch::equal(net->alpha_normal.detach(), alpha_before));
    EXPECT_TRUE(torch::equal(net->weight_parameters()[0].detach(), w_before));
  }
}

}  // namespace
}  // namespace nas
