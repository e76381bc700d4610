#include "worker/model/darts_network.h"

#include "common/random/seeded_random.h"
#include "common/search_space/darts_space.h"
#include "gtest/gtest.h"
#include "worker/model/darts_ops.h"

namespace nas {
namespace {

DartsNetworkOptions Opts(int64_t in, int64_t classes, int64_t c, int64_t cells) {
  DartsNetworkOptions o;
  o.in_channels = in;
  o.num_classes = classes;
  o.init_channels = c;
  o.cells = cells;
  return o;
}

DartsGenome AllOps() {
  // Every op appears in both cells.
  auto g = ParseDartsGenome(
      "normal: sep_conv_3x3(0)+sep_conv_5x5(1) | dil_conv_3x3(0)+dil_conv_5x5(2) | "
      "max_pool_3x3(1)+avg_pool_3x3(3) | skip_connect(0)+skip_connect(4) ; "
      "reduce: sep_conv_3x3(0)+sep_conv_5x5(1) | dil_conv_3x3(0)+dil_conv_5x5(2) | "
      "max_pool_3x3(1)+avg_pool_3x3(3) | skip_connect(0)+skip_connect(4)");
  EXPECT_TRUE(g.ok()) << g.status();
  return *g;
}

TEST(DartsNetworkTest, OutputShapesForTinyAndMnistSizedImages) {
  torch::manual_seed(0);
  for (int cells : {1, 3, 5}) {
    for (int size : {8, 28}) {
      DartsNetwork net(AllOps(), Opts(1, 10, 4, cells));
      auto out = net->forward(torch::randn({2, 1, size, size}));
      EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 10})) << cells << " cells, " << size;
    }
  }
  DartsNetwork rgb(AllOps(), Opts(3, 7, 4, 3));
  EXPECT_EQ(rgb->forward(torch::randn({3, 3, 32, 32})).sizes(),
            (std::vector<int64_t>{3, 7}));
}

TEST(DartsNetworkTest, ReductionHalvesResolutionAndDoublesChannels) {
  DartsNetwork net(AllOps(), Opts(1, 10, 4, 3));
  auto x = net->stem->forward(torch::randn({1, 1, 28, 28}));
  auto c0 = net->cells[0]->forward(x, x);
  EXPECT_EQ(c0.sizes(), (std::vector<int64_t>{1, 4 * 4, 28, 28}));
  auto c1 = net->cells[1]->forward(x, c0);
  EXPECT_EQ(c1.sizes(), (std::vector<int64_t>{1, 4 * 8, 14, 14}));
  auto c2 = net->cells[2]->forward(c0, c1);
  EXPECT_EQ(c2.sizes(), (std::vector<int64_t>{1, 4 * 16, 7, 7}));
}

TEST(DartsNetworkTest, ParametersDependOnOpsAndAreAllReachable) {
  // A cell of parameter-free ops has fewer parameters than one of convs.
  auto pools = ParseDartsGenome(
      "normal: max_pool_3x3(0)+avg_pool_3x3(1) ; reduce: max_pool_3x3(0)+avg_pool_3x3(1)");
  auto convs = ParseDartsGenome(
      "normal: sep_conv_5x5(0)+dil_conv_5x5(1) ; reduce: sep_conv_5x5(0)+dil_conv_5x5(1)");
  DartsNetwork a(*pools, Opts(1, 10, 8, 3)), b(*convs, Opts(1, 10, 8, 3));
  EXPECT_GT(CountParameters(*b), CountParameters(*a));
  // Every parameter receives a gradient: no op is built but left unused.
  DartsNetwork net(AllOps(), Opts(1, 10, 4, 3));
  net->forward(torch::randn({2, 1, 8, 8})).sum().backward();
  for (const auto& p : net->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
  }
}

TEST(DartsNetworkTest, SameSeedSameNetwork) {
  SeededRandom rng(4);
  const DartsGenome g = RandomDartsGenome(3, rng);
  torch::manual_seed(9);
  DartsNetwork a(g, Opts(1, 10, 4, 3));
  torch::manual_seed(9);
  DartsNetwork b(g, Opts(1, 10, 4, 3));
  const auto x = torch::randn({2, 1, 8, 8});
  EXPECT_TRUE(torch::allclose(a->forward(x), b->forward(x)));
}

TEST(DartsOpsTest, FactorizedReduceHandlesOddSizes) {
  FactorizedReduce fr(4, 6);
  EXPECT_EQ(fr->forward(torch::randn({1, 4, 7, 7})).sizes(),
            (std::vector<int64_t>{1, 6, 4, 4}));
  EXPECT_EQ(fr->forward(torch::randn({1, 4, 8, 8})).sizes(),
            (std::vector<int64_t>{1, 6, 4, 4}));
}

}  // namespace
}  // namespace nas
