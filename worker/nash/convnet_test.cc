#include "worker/nash/convnet.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

ConvNetGenome G(const std::string& text) {
  auto genome = ParseConvNetGenome(text);
  EXPECT_TRUE(genome.ok()) << genome.status();
  return *genome;
}

class ConvNetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    torch::manual_seed(0);
  }
};

TEST_F(ConvNetTest, DefaultStartHasTheExpectedShapesAndParameterCount) {
  auto net = MakeConvNet(DefaultNashStart(), 1, 10);
  ASSERT_TRUE(net.ok()) << net.status();
  const torch::Tensor logits = (*net)->forward(torch::randn({3, 1, 28, 28}));
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{3, 10}));
  // Convs 1*8*9 + 8*16*9 + 16*32*9, BatchNorms 2*(8+16+32), classifier 32*10+10.
  EXPECT_EQ(CountParameters(**net), 72 + 1152 + 4608 + 112 + 330);
}

TEST_F(ConvNetTest, RegistersEveryTensorUnderItsDocumentedName) {
  auto net = MakeConvNet(G("conv3x4 conv3x4 conv5x4 pool conv1x8 add(0,2) concat(1,3) "
                           "concat(3,5) add(3,5)"),
                         3, 7);
  ASSERT_TRUE(net.ok()) << net.status();
  std::set<std::string> names;
  for (const auto& p : (*net)->named_parameters()) names.insert(p.key());
  for (const auto& b : (*net)->named_buffers()) names.insert(b.key());
  for (const char* name :
       {"layer0.conv.weight", "layer2.bn.running_var", "layer4.bn.num_batches_tracked", "add_0_2",
        "add_3_5", "classifier.weight", "classifier.bias"}) {
    EXPECT_EQ(names.count(name), 1u) << name;
  }
  EXPECT_EQ(names.count("layer3.conv.weight"), 0u);  // A pool has no weights.
  // The pool reads conv2 (4) + conv1 (4); the head conv4 (8) + the pool (8).
  EXPECT_EQ((*net)->layers[4]->conv->weight.size(1), 8);
  EXPECT_EQ((*net)->classifier->weight.size(1), 16);
  EXPECT_EQ((*net)->forward(torch::randn({2, 3, 9, 9})).sizes(), (std::vector<int64_t>{2, 7}));
}

TEST_F(ConvNetTest, NewAddSkipsContributeNothing) {
  auto plain = MakeConvNet(G("conv3x4 conv3x4 conv3x4"), 1, 5);
  ASSERT_TRUE(plain.ok());
  auto skipped = MakeConvNet(G("conv3x4 conv3x4 conv3x4 add(0,2) add(1,3)"), 1, 5);
  ASSERT_TRUE(skipped.ok());
  // Same weights: copy the plain net's into the skipped one by name.
  torch::NoGradGuard no_grad;
  auto source = (*plain)->named_parameters();
  for (auto& p : (*skipped)->named_parameters()) {
    if (source.contains(p.key())) p.value().copy_(source[p.key()]);
  }
  (*plain)->eval();
  (*skipped)->eval();
  const torch::Tensor x = torch::randn({2, 1, 6, 6});
  EXPECT_TRUE(torch::equal((*plain)->forward(x), (*skipped)->forward(x)));
}

TEST_F(ConvNetTest, PoolsRoundUpSoTinyInputsSurviveManyPools) {
  auto net = MakeConvNet(G("conv3x4 pool pool pool pool pool pool conv1x4"), 1, 3);
  ASSERT_TRUE(net.ok());
  EXPECT_EQ((*net)->forward(torch::randn({2, 1, 5, 7})).sizes(), (std::vector<int64_t>{2, 3}));
}

TEST_F(ConvNetTest, InvalidInputsAreErrorsNotExceptions) {
  ConvNetGenome bad = DefaultNashStart();
  bad.layers[0].width = 0;
  EXPECT_THAT(std::string(MakeConvNet(bad, 1, 10).status().message()),
              HasSubstr("layer 0 (conv3x0): width 0"));
  EXPECT_EQ(MakeConvNet(DefaultNashStart(), 0, 10).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeConvNet(DefaultNashStart(), 1, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nas
