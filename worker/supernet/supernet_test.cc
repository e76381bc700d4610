#include "worker/supernet/supernet.h"

#include <set>

#include "gtest/gtest.h"

namespace nas {
namespace {

SupernetOptions Tiny(SupernetMethod method) {
  SupernetOptions o;
  o.method = method;
  o.partial_k = 2;
  o.nodes = 2;
  o.cells = 3;
  o.init_channels = 4;
  return o;
}

TEST(SupernetTest, ForwardShapesAndParameterSplit) {
  for (auto method : {SupernetMethod::kDarts, SupernetMethod::kPcDarts}) {
    torch::manual_seed(0);
    Supernet net(Tiny(method));
    const torch::Tensor y = net->forward(torch::randn({3, 1, 9, 9}));
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{3, 10}));
    const auto arch = net->arch_parameters();
    EXPECT_EQ(arch.size(), method == SupernetMethod::kDarts ? 2u : 4u);
    EXPECT_EQ(arch[0].sizes(), (std::vector<int64_t>{NumSupernetEdges(2), kNumMixedOps}));
    // Arch and weight parameters partition parameters().
    std::set<void*> arch_ids, weight_ids;
    for (const auto& t : arch) arch_ids.insert(t.unsafeGetTensorImpl());
    for (const auto& t : net->weight_parameters()) {
      EXPECT_EQ(arch_ids.count(t.unsafeGetTensorImpl()), 0u);
      weight_ids.insert(t.unsafeGetTensorImpl());
    }
    EXPECT_EQ(arch_ids.size() + weight_ids.size(), net->parameters().size());
    // Gradients reach the architecture parameters.
    y.sum().backward();
    for (const auto& t : arch) {
      ASSERT_TRUE(t.grad().defined());
      EXPECT_GT(t.grad().abs().sum().item<double>(), 0.0);
    }
  }
}

TEST(SupernetTest, EdgeNormalisationIsPerNode) {
  const torch::Tensor beta = torch::randn({NumSupernetEdges(3)});
  const torch::Tensor e = NormalizeEdgeWeights(beta, 3);
  for (int64_t j = 0; j < 3; ++j) {
    EXPECT_NEAR(e.slice(0, FirstEdgeOfNode(j), FirstEdgeOfNode(j + 1)).sum().item<double>(), 1.0,
                1e-6);
  }
}

TEST(SupernetTest, ValidatesOptions) {
  SupernetOptions o = Tiny(SupernetMethod::kPcDarts);
  o.init_channels = 6;
  o.partial_k = 4;
  EXPECT_EQ(ValidateSupernetOptions(o).code(), absl::StatusCode::kInvalidArgument);
  o = Tiny(SupernetMethod::kDarts);
  o.nodes = 0;
  EXPECT_EQ(ValidateSupernetOptions(o).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateSupernetOptions(Tiny(SupernetMethod::kDarts)).ok());
}

}  // namespace
}  // namespace nas
