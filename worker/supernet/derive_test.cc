#include "worker/supernet/derive.h"

#include "gtest/gtest.h"
#include "worker/supernet/mixed_op.h"

namespace nas {
namespace {

// Logits that make op `op` (mixed-op index) dominate an edge with `margin`.
void Favor(torch::Tensor& alpha, int64_t edge, int op, double margin) { alpha[edge][op] = margin; }

TEST(DeriveTest, KeepsTwoStrongestEdgesIgnoringNone) {
  // 2 nodes: node 0 has edges 0 (from c_{k-2}), 1 (from c_{k-1});
  // node 1 has edges 2, 3, 4 (from inputs 0, 1, node 0).
  torch::Tensor normal = torch::zeros({5, kNumMixedOps});
  Favor(normal, 0, MixedOpIndex(DartsOp::kSepConv3x3), 1.0);
  Favor(normal, 1, MixedOpIndex(DartsOp::kMaxPool3x3), 1.0);
  // Edge 2: `none` is by far the largest, and must not count.
  Favor(normal, 2, kNoneOpIndex, 10.0);
  Favor(normal, 2, MixedOpIndex(DartsOp::kDilConv5x5), 0.5);
  Favor(normal, 3, MixedOpIndex(DartsOp::kSkipConnect), 2.0);
  Favor(normal, 4, MixedOpIndex(DartsOp::kAvgPool3x3), 3.0);
  torch::Tensor reduce = torch::zeros({5, kNumMixedOps});
  Favor(reduce, 0, MixedOpIndex(DartsOp::kSepConv5x5), 1.0);
  Favor(reduce, 1, MixedOpIndex(DartsOp::kDilConv3x3), 1.0);
  Favor(reduce, 2, MixedOpIndex(DartsOp::kMaxPool3x3), 3.0);
  Favor(reduce, 3, MixedOpIndex(DartsOp::kSkipConnect), 0.1);
  Favor(reduce, 4, MixedOpIndex(DartsOp::kSepConv3x3), 2.0);

  auto genome = DeriveGenotype(normal, reduce, 2);
  ASSERT_TRUE(genome.ok()) << genome.status();
  EXPECT_TRUE(ValidateDartsGenome(*genome).ok());
  EXPECT_EQ(DartsGenomeToText(*genome),
            "normal: sep_conv_3x3(0)+max_pool_3x3(1) | skip_connect(1)+avg_pool_3x3(2) ; "
            "reduce: sep_conv_5x5(0)+dil_conv_3x3(1) | max_pool_3x3(0)+sep_conv_3x3(2)");
}

TEST(DeriveTest, EdgeWeightsChangeTheChoice) {
  // Every edge prefers sep_conv_3x3 equally; beta decides which edges stay.
  torch::Tensor alpha = torch::zeros({5, kNumMixedOps});
  for (int64_t e = 0; e < 5; ++e) Favor(alpha, e, MixedOpIndex(DartsOp::kSepConv3x3), 1.0);
  // Node 1: edges 3 (input 1) and 4 (node 0) favoured by beta.
  const torch::Tensor beta = torch::tensor({0.0, 0.0, -2.0, 1.0, 2.0});
  auto genome = DeriveGenotype(alpha, alpha, 2, beta, beta);
  ASSERT_TRUE(genome.ok()) << genome.status();
  EXPECT_EQ(genome->normal.nodes[1][0].input, 1);
  EXPECT_EQ(genome->normal.nodes[1][1].input, 2);
  // Without beta, ties keep the lower inputs.
  auto plain = DeriveGenotype(alpha, alpha, 2);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->normal.nodes[1][0].input, 0);
  EXPECT_EQ(plain->normal.nodes[1][1].input, 1);
}

TEST(DeriveTest, RejectsBadShapes) {
  const torch::Tensor alpha = torch::zeros({5, kNumMixedOps});
  EXPECT_EQ(DeriveGenotype(alpha, alpha, 3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DeriveGenotype(alpha, torch::zeros({5, 7}), 2).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DeriveGenotype(alpha, alpha, 2, torch::zeros({5})).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nas
