#include "worker/nash/weight_morphism.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <cmath>
#include <map>
#include <string>

#include "common/genome/convnet_genome.h"
#include "common/genome/morphism.h"
#include "common/random/seeded_random.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/nash/test_nets.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

// Function preservation is exact up to float32 rounding (~1e-7 relative per
// layer); the bound is 1e-4.
constexpr double kTolerance = 1e-4;
constexpr int64_t kIn = 2, kClasses = 5;

class WeightMorphismTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    torch::manual_seed(0);
  }

  // A parent with random weights and BatchNorm statistics, in eval mode.
  static ConvNet Parent(const std::string& text, uint64_t seed = 1) {
    auto genome = ParseConvNetGenome(text);
    EXPECT_TRUE(genome.ok()) << genome.status();
    ConvNet net(*genome, kIn, kClasses);
    RandomizeWeights(net, seed);
    net->eval();
    return net;
  }

  static torch::Tensor Batch(uint64_t seed = 7) {
    torch::Generator gen = torch::make_generator<torch::CPUGeneratorImpl>(seed);
    return torch::randn({4, kIn, 12, 12}, gen, torch::kFloat32);
  }

  // Applies `morphism` and checks the child's genome and function.
  static ConvNet ExpectPreserved(ConvNet& parent, const std::string& morphism,
                                 const std::string& child_text) {
    auto m = ParseMorphism(morphism);
    EXPECT_TRUE(m.ok()) << m.status();
    SeededRandom rng(3);
    auto child = ApplyMorphismToNet(parent->genome, parent, *m, kIn, kClasses, rng);
    EXPECT_TRUE(child.ok()) << child.status();
    if (!child.ok()) return parent;
    EXPECT_EQ(ConvNetGenomeToText((*child)->genome), child_text);
    EXPECT_LE(MaxRelativeDifference(parent, *child, Batch()), kTolerance) << morphism;
    EXPECT_FALSE((*child)->is_training());  // The parent's mode.
    return *child;
  }
};

TEST_F(WeightMorphismTest, DeepenInsertsAnIdentityLayer) {
  ConvNet parent = Parent("conv3x4 conv3x6 pool conv3x5 conv3x5 concat(0,2) add(3,5)");
  ConvNet child = ExpectPreserved(
      parent, "deepen(1,k5)", "conv3x4 conv3x6 conv5x6 pool conv3x5 conv3x5 concat(0,3) add(4,6)");
  // Inside an add's span: the add now skips the new layer too.
  ExpectPreserved(child, "deepen(4,k1)",
                  "conv3x4 conv3x6 conv5x6 pool conv3x5 conv1x5 conv3x5 concat(0,3) add(4,7)");
}

TEST_F(WeightMorphismTest, DeepenedBatchNormUndoesItsOwnNormalisation) {
  ConvNet parent = Parent("conv3x4 conv3x4");
  SeededRandom rng(1);
  auto child = ApplyMorphismToNet(parent->genome, parent, Deepen(0, 3), kIn, kClasses, rng);
  ASSERT_TRUE(child.ok()) << child.status();
  const auto& bn = (*child)->layers[1]->bn;
  // weight = sqrt(var + eps), bias = mean, var > 0 where layer 0's BN bias
  // and weight make some activations positive.
  EXPECT_TRUE(torch::allclose(bn->weight, torch::sqrt(bn->running_var + 1e-5)));
  EXPECT_TRUE(torch::equal(bn->bias, bn->running_mean));
  EXPECT_GT(bn->running_var.max().item<double>(), 0.0);
}

TEST_F(WeightMorphismTest, WidenGivesNewUnitsZeroOutgoingWeights) {
  // Layer 0 feeds the next conv, a concat into the pool, the pool, and
  // through it conv 3 and the head.
  ConvNet parent = Parent("conv3x4 conv3x4 pool conv1x3 concat(0,2) concat(2,4)");
  ConvNet child = ExpectPreserved(parent, "widen(0,x1.5)",
                                  "conv3x6 conv3x4 pool conv1x3 concat(0,2) concat(2,4)");
  ExpectPreserved(child, "widen(3,x2)", "conv3x6 conv3x4 pool conv1x6 concat(0,2) concat(2,4)");
  // The new units themselves are live (random incoming weights).
  EXPECT_GT(child->layers[0]->conv->weight.slice(0, 4).abs().sum().item<double>(), 0.0);
}

TEST_F(WeightMorphismTest, SkipAddStartsWithLambdaZero) {
  ConvNet parent = Parent("conv3x4 conv3x4 conv3x4 pool conv3x4 add(0,2)");
  ConvNet child = ExpectPreserved(parent, "skip_add(1,3)",
                                  "conv3x4 conv3x4 conv3x4 pool conv3x4 add(0,2) add(1,3)");
  EXPECT_EQ(child->lambdas[1].item<double>(), 0.0);
  EXPECT_EQ(child->lambdas[0].item<double>(), parent->lambdas[0].item<double>());
  ExpectPreserved(parent, "skip_add(3,5)",
                  "conv3x4 conv3x4 conv3x4 pool conv3x4 add(0,2) add(3,5)");
}

TEST_F(WeightMorphismTest, SkipConcatStartsWithZeroConsumerWeights) {
  ConvNet parent = Parent("conv3x4 conv3x5 conv3x6 pool conv3x4");
  ExpectPreserved(parent, "skip_concat(0,2)", "conv3x4 conv3x5 conv3x6 pool conv3x4 concat(0,2)");
  // Into a pool: the extra channels flow on to the next conv.
  ConvNet child = ExpectPreserved(parent, "skip_concat(1,3)",
                                  "conv3x4 conv3x5 conv3x6 pool conv3x4 concat(1,3)");
  EXPECT_EQ(child->layers[4]->conv->weight.size(1), 11);
  ExpectPreserved(parent, "skip_concat(3,5)", "conv3x4 conv3x5 conv3x6 pool conv3x4 concat(3,5)");
}

// The acceptance test: random parents (random genomes grown from the
// NASH start, random weights and BatchNorm statistics), random sequences of
// 1..5 morphisms, eval mode, float32.
TEST_F(WeightMorphismTest, HundredsOfRandomSequencesPreserveTheFunction) {
  constexpr int kSequences = 300;
  std::map<MorphismKind, int> kinds;
  double worst = 0;
  std::string worst_case;
  const auto start = std::chrono::steady_clock::now();
  for (int sequence = 0; sequence < kSequences; ++sequence) {
    SeededRandom rng(DeriveSeed(2024, sequence));
    auto genome = ApplyAllToGenome(DefaultNashStart(),
                                   RandomMorphisms(DefaultNashStart(), rng.Uniform(4), rng));
    ASSERT_TRUE(genome.ok()) << genome.status();
    ConvNet parent(*genome, kIn, kClasses);
    RandomizeWeights(parent, rng.Next());
    parent->eval();
    const std::vector<Morphism> list = RandomMorphisms(*genome, 1 + rng.Uniform(5), rng);
    for (const Morphism& m : list) ++kinds[m.kind];
    auto child = ApplyMorphismsToNet(*genome, parent, list, kIn, kClasses, rng);
    ASSERT_TRUE(child.ok()) << child.status();
    const double ratio = MaxRelativeDifference(parent, *child, Batch(sequence));
    const std::string what = ConvNetGenomeToText(*genome) + " + " + MorphismsToText(list);
    ASSERT_LE(ratio, kTolerance) << what;
    if (ratio > worst) {
      worst = ratio;
      worst_case = what;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("worst_relative_difference", std::to_string(worst));
  RecordProperty("worst_case", worst_case);
  std::cout << "worst relative difference " << worst << " (" << worst_case << "), " << seconds
            << " s\n";
  for (MorphismKind kind : {MorphismKind::kDeepen, MorphismKind::kWiden, MorphismKind::kSkipAdd,
                            MorphismKind::kSkipConcat}) {
    EXPECT_GE(kinds[kind], 50) << static_cast<int>(kind);
  }
}

TEST_F(WeightMorphismTest, SameRngSameChild) {
  ConvNet parent = Parent("conv3x4 conv3x4");
  SeededRandom a(9), b(9), c(10);
  auto x = ApplyMorphismToNet(parent->genome, parent, Widen(0, 2), kIn, kClasses, a);
  auto y = ApplyMorphismToNet(parent->genome, parent, Widen(0, 2), kIn, kClasses, b);
  auto z = ApplyMorphismToNet(parent->genome, parent, Widen(0, 2), kIn, kClasses, c);
  ASSERT_TRUE(x.ok() && y.ok() && z.ok());
  const auto& wx = (*x)->layers[0]->conv->weight;
  EXPECT_TRUE(torch::equal(wx, (*y)->layers[0]->conv->weight));
  EXPECT_FALSE(torch::equal(wx, (*z)->layers[0]->conv->weight));
}

TEST_F(WeightMorphismTest, EmptyListGivesAnIndependentCopy) {
  ConvNet parent = Parent("conv3x4 conv3x4 conv3x4 add(0,2)");
  SeededRandom rng(1);
  auto copy = ApplyMorphismsToNet(parent->genome, parent, {}, kIn, kClasses, rng);
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(MaxRelativeDifference(parent, *copy, Batch()), 0.0);
  torch::NoGradGuard no_grad;
  (*copy)->classifier->bias.add_(1);
  EXPECT_GT(MaxRelativeDifference(parent, *copy, Batch()), 0.0);
}

TEST_F(WeightMorphismTest, Float64NetsStayFloat64) {
  ConvNet parent = Parent("conv3x4 conv3x4 pool conv3x4");
  ConvertFloatingPoint(*parent, torch::kFloat64);
  SeededRandom rng(2);
  auto child = ApplyMorphismsToNet(parent->genome, parent, RandomMorphisms(parent->genome, 5, rng),
                                   kIn, kClasses, rng);
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ((*child)->classifier->weight.scalar_type(), torch::kFloat64);
  EXPECT_LE(MaxRelativeDifference(parent, *child, Batch()), 1e-12);
}

TEST_F(WeightMorphismTest, MismatchesAndInapplicableMorphismsAreInvalidArgument) {
  ConvNet parent = Parent("conv3x4 pool conv3x4");
  SeededRandom rng(1);
  auto wrong_genome =
      ApplyMorphismToNet(DefaultNashStart(), parent, Deepen(0, 3), kIn, kClasses, rng);
  EXPECT_THAT(std::string(wrong_genome.status().message()),
              HasSubstr("was not built from genome 'conv3x8 pool"));
  auto wrong_classes =
      ApplyMorphismToNet(parent->genome, parent, Deepen(0, 3), kIn, kClasses + 1, rng);
  EXPECT_THAT(std::string(wrong_classes.status().message()), HasSubstr("2 input channels and 5"));
  auto not_applicable =
      ApplyMorphismsToNet(parent->genome, parent, {Deepen(0, 3), Deepen(2, 3)}, kIn, kClasses, rng);
  EXPECT_EQ(not_applicable.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(not_applicable.status().message()),
              HasSubstr("morphism 1: morphism deepen(2,k3) does not apply"));
}

TEST_F(WeightMorphismTest, MaxRelativeDifferenceIsInfiniteWhenTheNetsCannotCompare) {
  ConvNet a = Parent("conv3x4");
  ConvNet b(ParseConvNetGenome("conv3x4").value(), 3, kClasses);  // 3 input channels.
  EXPECT_TRUE(std::isinf(MaxRelativeDifference(a, b, Batch())));
  a->train();
  EXPECT_TRUE(std::isinf(MaxRelativeDifference(a, b, Batch())));
  EXPECT_TRUE(a->is_training());  // Restored after the failed forward.
}

}  // namespace
}  // namespace nas
