#include "worker/supernet/architecture_weights.h"

#include "gtest/gtest.h"

namespace nas {
namespace {

double RowSum(const v1::ArchitectureWeights& w, int row) {
  double sum = 0;
  for (int c = 0; c < w.columns_size(); ++c) sum += w.weights(row * w.columns_size() + c);
  return sum;
}

TEST(DartsArchitectureWeightsTest, OneProbabilityRowPerEdgeLabelledByNodeAndInput) {
  torch::manual_seed(1);
  const int64_t nodes = 3, edges = 9;  // 2 + 3 + 4 edges.
  const torch::Tensor alpha_normal = torch::randn({edges, 8});
  const auto weights = DartsArchitectureWeights(alpha_normal, torch::randn({edges, 8}),
                                                torch::Tensor(), torch::Tensor(), nodes);
  ASSERT_EQ(weights.size(), 2u);  // DARTS: no edge weights.
  const v1::ArchitectureWeights& normal = weights[0];
  EXPECT_EQ(normal.name(), "normal");
  ASSERT_EQ(normal.rows_size(), edges);
  EXPECT_EQ(normal.rows(0), "node 0 <- c_{k-2}");
  EXPECT_EQ(normal.rows(1), "node 0 <- c_{k-1}");
  EXPECT_EQ(normal.rows(4), "node 1 <- node 0");
  EXPECT_EQ(normal.rows(8), "node 2 <- node 1");
  ASSERT_EQ(normal.columns_size(), 8);
  EXPECT_EQ(normal.columns(0), "none");
  EXPECT_EQ(normal.columns(1), "sep_conv_3x3");
  for (int r = 0; r < edges; ++r) EXPECT_NEAR(RowSum(normal, r), 1.0, 1e-6);
  // Row-major: the largest alpha of edge 4 is its most probable op.
  const int64_t best = alpha_normal[4].argmax().item<int64_t>();
  int best_column = 0;
  for (int c = 1; c < 8; ++c) {
    if (normal.weights(4 * 8 + c) > normal.weights(4 * 8 + best_column)) best_column = c;
  }
  EXPECT_EQ(best_column, best);
}

TEST(DartsArchitectureWeightsTest, PcDartsAlsoHasEachNodesEdgeWeights) {
  const int64_t nodes = 2, edges = 5;
  const auto weights = DartsArchitectureWeights(torch::zeros({edges, 8}), torch::zeros({edges, 8}),
                                                torch::tensor({0.0, 1.0, 0.0, 0.0, 0.0}),
                                                torch::zeros({edges}), nodes);
  ASSERT_EQ(weights.size(), 4u);
  const v1::ArchitectureWeights& edges_normal = weights[2];
  EXPECT_EQ(edges_normal.name(), "normal edges");
  ASSERT_EQ(edges_normal.weights_size(), edges);
  // Normalised within each node: node 0 has edges 0-1, node 1 edges 2-4.
  EXPECT_NEAR(edges_normal.weights(0) + edges_normal.weights(1), 1.0, 1e-6);
  EXPECT_GT(edges_normal.weights(1), edges_normal.weights(0));
  EXPECT_NEAR(edges_normal.weights(2), 1.0 / 3, 1e-6);
  EXPECT_NEAR(weights[0].weights(0), 1.0 / 8, 1e-7);  // Uniform alphas.
}

}  // namespace
}  // namespace nas
