#include "worker/model/darts_network.h"

#include <string>
#include <vector>

#include "common/random/seeded_random.h"
#include "common/search_space/darts_space.h"
#include "gtest/gtest.h"
#include "worker/model/darts_ops.h"

namespace nas {
namespace {

using Sizes = std::vector<int64_t>;

DartsNetworkOptions Opts(int64_t in, int64_t classes, int64_t c, int64_t cells) {
  DartsNetworkOptions o;
  o.in_channels = in;
  o.num_classes = classes;
  o.init_channels = c;
  o.cells = cells;
  return o;
}

DartsGenome Parse(const std::string& text) {
  auto g = ParseDartsGenome(text);
  EXPECT_TRUE(g.ok()) << g.status();
  return g.ok() ? *g : DartsGenome{};
}

// Every op appears in both cells, on cell inputs and on nodes.
DartsGenome AllOps() {
  const std::string cell =
      "sep_conv_3x3(0)+sep_conv_5x5(1) | dil_conv_3x3(0)+dil_conv_5x5(2) | "
      "max_pool_3x3(1)+avg_pool_3x3(3) | skip_connect(0)+skip_connect(4)";
  return Parse("normal: " + cell + " ; reduce: " + cell);
}

// The spatial side of each cell's output for a square input of `side`.
std::vector<int64_t> CellSides(DartsNetwork& net, int64_t side) {
  torch::NoGradGuard no_grad;
  torch::Tensor s0 = net->stem->forward(torch::randn({2, 1, side, side}));
  torch::Tensor s1 = s0;
  std::vector<int64_t> sides;
  for (auto& cell : net->cells) {
    torch::Tensor next = cell->forward(s0, s1);
    sides.push_back(next.size(2));
    s0 = s1;
    s1 = next;
  }
  return sides;
}

TEST(DartsNetworkTest, OutputShapesForTinyAndMnistSizedImages) {
  torch::manual_seed(0);
  for (int cells : {1, 3, 5}) {
    for (int side : {8, 28}) {
      DartsNetwork net(AllOps(), Opts(1, 10, 4, cells));
      auto out = net->forward(torch::randn({2, 1, side, side}));
      EXPECT_EQ(out.sizes(), (Sizes{2, 10})) << cells << " cells, " << side;
      EXPECT_TRUE(out.isfinite().all().item<bool>());
    }
  }
  DartsNetwork rgb(AllOps(), Opts(3, 7, 4, 3));
  EXPECT_EQ(rgb->forward(torch::randn({3, 3, 32, 32})).sizes(), (Sizes{3, 7}));
}

TEST(DartsNetworkTest, ReductionCellsSitAtOneAndTwoThirdsAndHalveTheSize) {
  auto reductions = [](int cells) {
    DartsNetwork net(AllOps(), Opts(1, 10, 4, cells));
    std::vector<int> at;
    for (int i = 0; i < cells; ++i) {
      if (net->cells[i]->reduction) at.push_back(i);
    }
    return at;
  };
  EXPECT_EQ(reductions(1), (std::vector<int>{0}));
  EXPECT_EQ(reductions(3), (std::vector<int>{1, 2}));
  EXPECT_EQ(reductions(5), (std::vector<int>{1, 3}));
  EXPECT_EQ(reductions(8), (std::vector<int>{2, 5}));

  DartsNetwork three(AllOps(), Opts(1, 10, 4, 3));
  EXPECT_EQ(CellSides(three, 8), (Sizes{8, 4, 2}));  // Digits.
  EXPECT_EQ(CellSides(three, 28), (Sizes{28, 14, 7}));
  DartsNetwork five(AllOps(), Opts(1, 10, 4, 5));
  EXPECT_EQ(CellSides(five, 28), (Sizes{28, 14, 14, 7, 7}));
  EXPECT_EQ(CellSides(five, 7), (Sizes{7, 4, 4, 2, 2}));  // Odd sides round up.
}

TEST(DartsNetworkTest, ReductionDoublesChannelsAndCellsConcatenateAllNodes) {
  DartsNetwork net(AllOps(), Opts(1, 10, 4, 3));  // 4 nodes a cell.
  auto x = net->stem->forward(torch::randn({1, 1, 28, 28}));
  EXPECT_EQ(x.sizes(), (Sizes{1, 12, 28, 28}));  // Stem: 3C.
  auto c0 = net->cells[0]->forward(x, x);
  EXPECT_EQ(c0.sizes(), (Sizes{1, 4 * 4, 28, 28}));
  auto c1 = net->cells[1]->forward(x, c0);
  EXPECT_EQ(c1.sizes(), (Sizes{1, 4 * 8, 14, 14}));
  auto c2 = net->cells[2]->forward(c0, c1);  // c0 is factor-reduced.
  EXPECT_EQ(c2.sizes(), (Sizes{1, 4 * 16, 7, 7}));
  EXPECT_EQ(net->classifier->weight.sizes(), (Sizes{10, 4 * 16}));
}

// Parameters of a depthwise k x k + pointwise 1x1 + BN block on c channels.
int64_t DwPwBn(int64_t c, int64_t k) { return c * k * k + c * c + 2 * c; }

TEST(DartsOpsTest, EveryOpHasItsDartsShapeAndParameters) {
  const int64_t c = 6;
  struct Expected {
    DartsOp op;
    int64_t parameters_stride1, parameters_stride2;
  };
  const std::vector<Expected> all = {
      {DartsOp::kSepConv3x3, 2 * DwPwBn(c, 3), 2 * DwPwBn(c, 3)},
      {DartsOp::kSepConv5x5, 2 * DwPwBn(c, 5), 2 * DwPwBn(c, 5)},
      {DartsOp::kDilConv3x3, DwPwBn(c, 3), DwPwBn(c, 3)},
      {DartsOp::kDilConv5x5, DwPwBn(c, 5), DwPwBn(c, 5)},
      {DartsOp::kMaxPool3x3, 0, 0},
      {DartsOp::kAvgPool3x3, 0, 0},
      // Stride 2: FactorizedReduce, two 1x1 convs to c/2 channels and a BN.
      {DartsOp::kSkipConnect, 0, c * c + 2 * c},
  };
  ASSERT_EQ(all.size(), static_cast<size_t>(kNumDartsOps));
  for (const Expected& e : all) {
    SCOPED_TRACE(std::string(DartsOpName(e.op)));
    torch::nn::AnyModule same = MakeDartsOp(e.op, c, 1), reduce = MakeDartsOp(e.op, c, 2);
    EXPECT_EQ(CountParameters(*same.ptr()), e.parameters_stride1);
    EXPECT_EQ(CountParameters(*reduce.ptr()), e.parameters_stride2);
    EXPECT_EQ(same.forward(torch::randn({2, c, 8, 8})).sizes(), (Sizes{2, c, 8, 8}));
    EXPECT_EQ(reduce.forward(torch::randn({2, c, 8, 8})).sizes(), (Sizes{2, c, 4, 4}));
    EXPECT_EQ(reduce.forward(torch::randn({2, c, 7, 7})).sizes(), (Sizes{2, c, 4, 4}));
    EXPECT_EQ(reduce.forward(torch::randn({2, c, 1, 1})).sizes(), (Sizes{2, c, 1, 1}));
  }
  // Pools ignore padding: a constant image stays constant, corners included.
  const torch::Tensor ones = torch::ones({1, c, 5, 5});
  for (DartsOp op : {DartsOp::kAvgPool3x3, DartsOp::kMaxPool3x3}) {
    for (int stride : {1, 2}) {
      EXPECT_TRUE(torch::allclose(MakeDartsOp(op, c, stride).forward(ones),
                                  torch::ones({1, c, stride == 1 ? 5 : 3, stride == 1 ? 5 : 3})))
          << DartsOpName(op) << " stride " << stride;
    }
  }
  const torch::Tensor x = torch::randn({1, c, 5, 5});
  EXPECT_TRUE(torch::equal(MakeDartsOp(DartsOp::kSkipConnect, c, 1).forward(x), x));
}

TEST(DartsNetworkTest, EveryOpIsRegisteredCountedAndTrained) {
  // Swapping one normal-cell skip for a sep_conv_3x3 adds exactly that op's
  // parameters in each normal cell (5 cells: normal cells 0, 2, 4 at C, 2C, 4C).
  const DartsGenome skip =
      Parse("normal: skip_connect(0)+skip_connect(1) ; reduce: max_pool_3x3(0)+max_pool_3x3(1)");
  const DartsGenome sep =
      Parse("normal: sep_conv_3x3(0)+skip_connect(1) ; reduce: max_pool_3x3(0)+max_pool_3x3(1)");
  DartsNetwork a(skip, Opts(1, 10, 4, 5)), b(sep, Opts(1, 10, 4, 5));
  EXPECT_EQ(CountParameters(*b) - CountParameters(*a),
            2 * (DwPwBn(4, 3) + DwPwBn(8, 3) + DwPwBn(16, 3)));

  // Every parameter receives a gradient: no op is built but left unused.
  DartsNetwork net(AllOps(), Opts(1, 10, 4, 3));
  net->forward(torch::randn({2, 1, 8, 8})).sum().backward();
  int64_t total = 0;
  for (const auto& p : net->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    total += p.value().numel();
  }
  EXPECT_EQ(CountParameters(*net), total);
  // Each cell registers its preprocessing and two ops per node by name.
  EXPECT_EQ(net->cells[0]->named_children().size(), 2u + 8u);
  EXPECT_TRUE(net->named_parameters().contains("cell0.node0_edge0.body.1.weight"));
  EXPECT_TRUE(net->named_parameters().contains("cell2.preprocess0.conv1.weight"));
}

TEST(DartsNetworkTest, SameSeedSameNetwork) {
  SeededRandom rng(4);
  const DartsGenome g = RandomDartsGenome(3, rng);
  torch::manual_seed(9);
  DartsNetwork a(g, Opts(1, 10, 4, 3));
  torch::manual_seed(9);
  DartsNetwork b(g, Opts(1, 10, 4, 3));
  torch::manual_seed(10);
  DartsNetwork c(g, Opts(1, 10, 4, 3));
  const auto x = torch::randn({2, 1, 8, 8});
  EXPECT_TRUE(torch::equal(a->forward(x), b->forward(x)));
  EXPECT_FALSE(torch::equal(a->forward(x), c->forward(x)));
}

TEST(DartsNetworkTest, InvalidGenomeIsRejectedNotUndefined) {
  DartsGenome bad = AllOps();
  bad.normal.nodes[0][0].input = 5;  // Node 0 may read inputs 0 and 1 only.
  EXPECT_THROW({ DartsNetwork net(bad, Opts(1, 10, 4, 3)); }, c10::Error);
  EXPECT_THROW({ DartsNetwork net(AllOps(), Opts(1, 10, 4, 0)); }, c10::Error);
}

TEST(DartsOpsTest, FactorizedReduceHandlesOddSizes) {
  FactorizedReduce fr(4, 6);
  EXPECT_EQ(fr->forward(torch::randn({1, 4, 7, 7})).sizes(), (Sizes{1, 6, 4, 4}));
  EXPECT_EQ(fr->forward(torch::randn({1, 4, 8, 8})).sizes(), (Sizes{1, 6, 4, 4}));
}

}  // namespace
}  // namespace nas
