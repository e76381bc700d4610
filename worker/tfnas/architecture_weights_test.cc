#include "worker/tfnas/architecture_weights.h"

#include "gtest/gtest.h"

namespace nas {
namespace {

TEST(TfNasArchitectureWeightsTest, OneMatrixOfOpsAndOneOfDepthsPerStage) {
  TfNasSpace space;
  space.kernels = {3, 5};
  space.stages.resize(2);
  ArchDistribution dist;
  dist.op = {{{0.1, 0.2, 0.3, 0.4}, {0.25, 0.25, 0.25, 0.25}}, {{1, 0, 0, 0}}};
  dist.depth = {{0.4, 0.6}, {1.0}};
  const auto weights = TfNasArchitectureWeights(space, dist);
  ASSERT_EQ(weights.size(), 4u);
  EXPECT_EQ(weights[0].name(), "stage 1");
  ASSERT_EQ(weights[0].columns_size(), 4);
  EXPECT_EQ(weights[0].columns(0), "k3e3");
  EXPECT_EQ(weights[0].columns(3), "k5e6");
  ASSERT_EQ(weights[0].rows_size(), 2);
  EXPECT_EQ(weights[0].rows(1), "layer 2");
  ASSERT_EQ(weights[0].weights_size(), 8);
  EXPECT_DOUBLE_EQ(weights[0].weights(3), 0.4);
  EXPECT_DOUBLE_EQ(weights[0].weights(4), 0.25);
  EXPECT_EQ(weights[1].name(), "stage 1 depth");
  EXPECT_EQ(weights[1].columns(1), "2 layers");
  EXPECT_DOUBLE_EQ(weights[1].weights(1), 0.6);
  EXPECT_EQ(weights[3].name(), "stage 2 depth");
  EXPECT_EQ(weights[3].weights_size(), 1);

  // With SE the columns name the SE ops too, after the plain ones.
  space.squeeze_excitation = {false, true};
  dist.op = {{std::vector<double>(8, 0.125)}, {std::vector<double>(8, 0.125)}};
  const auto with_se = TfNasArchitectureWeights(space, dist);
  ASSERT_EQ(with_se[0].columns_size(), 8);
  EXPECT_EQ(with_se[0].columns(4), "k3e3se");
  EXPECT_EQ(with_se[0].columns(7), "k5e6se");
}

}  // namespace
}  // namespace nas
