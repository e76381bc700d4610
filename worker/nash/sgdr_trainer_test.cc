#include "worker/nash/sgdr_trainer.h"

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "common/genome/convnet_genome.h"
#include "common/genome/morphism.h"
#include "common/random/seeded_random.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/nash/weight_morphism.h"

namespace nas {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The 8x8 digits (1797 examples): 400 held out, the rest for training.
class SgdrTrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(2);
    torch::manual_seed(3);
    const char* dir = std::getenv("NAS_SHARED_DATA");
    ASSERT_NE(dir, nullptr) << "NAS_SHARED_DATA is not set: run scripts/test.sh, or bazel test "
                               "--test_env=NAS_SHARED_DATA=<absolute path of ../shared/data>";
    auto all = LoadDigitsCsv(std::string(dir) + "/digits/digits.csv.gz");
    ASSERT_TRUE(all.ok()) << all.status();
    auto split = SplitTrainValidation(*all, 400, 0, 1);
    ASSERT_TRUE(split.ok()) << split.status();
    data_ = *std::move(split);
    net_ = ConvNet(DefaultNashStart(), 1, 10);
  }

  static ConvNetTrainOptions Options(int epochs) {
    ConvNetTrainOptions o;
    o.epochs = epochs;
    o.batch_size = 32;
    o.seed = 5;
    return o;
  }

  TrainValidationSplit data_;
  ConvNet net_{nullptr};
};

TEST_F(SgdrTrainerTest, ImprovesAccuracyFarBeyondTheStart) {
  auto before = EvaluateAccuracy(net_, data_.validation, torch::kCPU);
  ASSERT_TRUE(before.ok()) << before.status();
  std::vector<double> fractions;
  ConvNetTrainOptions o = Options(6);
  o.on_progress = [&](double f) {
    fractions.push_back(f);
    return true;
  };
  auto outcome = TrainConvNet(net_, data_, o);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  RecordProperty("accuracy_before", std::to_string(*before));
  RecordProperty("accuracy_after", std::to_string(outcome->validation_accuracy));
  EXPECT_LT(*before, 0.3);  // Untrained: about chance (0.1).
  EXPECT_GT(outcome->validation_accuracy, 0.85);
  EXPECT_LT(outcome->final_train_loss, 0.7);  // Starts near ln(10) = 2.3.
  EXPECT_EQ(outcome->parameter_count, CountParameters(*net_));
  EXPECT_EQ(outcome->train_examples, 1397);
  EXPECT_GT(outcome->train_seconds, 0.0);
  // 1397 = 43 * 32 + 21: 44 steps an epoch.
  ASSERT_EQ(fractions.size(), 6u * 44u);
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0);
  EXPECT_FALSE(net_->is_training());
}

// One NASH step in miniature: a trained parent's children start exactly
// where it stands on real data and keep learning.
TEST_F(SgdrTrainerTest, MorphedChildStartsAtItsParentsAccuracy) {
  ASSERT_TRUE(TrainConvNet(net_, data_, Options(3)).ok());
  auto parent_accuracy = EvaluateAccuracy(net_, data_.validation, torch::kCPU);
  ASSERT_TRUE(parent_accuracy.ok());
  SeededRandom rng(17);
  const std::vector<Morphism> list = RandomMorphisms(net_->genome, 5, rng);
  auto child = ApplyMorphismsToNet(net_->genome, net_, list, 1, 10, rng);
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_LE(MaxRelativeDifference(net_, *child, data_.validation.images), 1e-4);
  auto child_accuracy = EvaluateAccuracy(*child, data_.validation, torch::kCPU);
  ASSERT_TRUE(child_accuracy.ok());
  EXPECT_DOUBLE_EQ(*child_accuracy, *parent_accuracy) << MorphismsToText(list);
  auto trained = TrainConvNet(*child, data_, Options(2));
  ASSERT_TRUE(trained.ok()) << trained.status();
  EXPECT_GT(trained->validation_accuracy, 0.8) << MorphismsToText(list);
}

// Train-mode forward of a net copy on `x` (BatchNorm uses batch statistics).
torch::Tensor TrainModeOutput(ConvNet& net, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  SeededRandom rng(0);
  auto copy = ApplyMorphismsToNet(net->genome, net, {}, net->in_channels, net->num_classes, rng);
  EXPECT_TRUE(copy.ok());
  (*copy)->train();
  return (*copy)->forward(x);
}

// The inserted BatchNorm's statistics are estimated from the previous
// layer's, so right after a deepen even train mode (batch statistics) is
// close to the parent; plain (0, 1) statistics would normalise the layer.
TEST_F(SgdrTrainerTest, DeepenedChildIsCloseToItsParentInTrainModeToo) {
  ASSERT_TRUE(TrainConvNet(net_, data_, Options(3)).ok());
  SeededRandom rng(1);
  auto child = ApplyMorphismToNet(net_->genome, net_, Deepen(2, 3), 1, 10, rng);
  ASSERT_TRUE(child.ok()) << child.status();
  const torch::Tensor x = data_.validation.images.slice(0, 0, 256);
  const torch::Tensor parent_out = TrainModeOutput(net_, x);
  auto relative = [&](ConvNet& net) {
    return ((TrainModeOutput(net, x) - parent_out).abs().max() / parent_out.abs().max())
        .item<double>();
  };
  const double estimated = relative(*child);
  {
    torch::NoGradGuard no_grad;
    auto& bn = (*child)->layers[3]->bn;
    bn->running_mean.zero_();
    bn->running_var.fill_(1);
    bn->weight.fill_(std::sqrt(1 + 1e-5));
    bn->bias.zero_();
  }
  const double plain = relative(*child);
  std::cout << "train-mode relative difference after deepen: estimated statistics " << estimated
            << ", plain (0, 1) statistics " << plain << "\n";
  EXPECT_LT(estimated, 0.5 * plain);
}

TEST_F(SgdrTrainerTest, NanLearningRateIsANonFiniteLoss) {
  ConvNetTrainOptions o = Options(1);
  o.lr_max = std::numeric_limits<double>::quiet_NaN();
  auto outcome = TrainConvNet(net_, data_, o);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument) << outcome.status();
  EXPECT_THAT(std::string(outcome.status().message()), StartsWith("non-finite loss"));
}

TEST_F(SgdrTrainerTest, StopRequestCancels) {
  ConvNetTrainOptions o = Options(2);
  int calls = 0;
  o.on_progress = [&](double) { return ++calls < 3; };
  auto outcome = TrainConvNet(net_, data_, o);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(std::string(outcome.status().message()), HasSubstr("at step 3 of 88"));
}

// The same start net trained with and without augmentation: the batches
// differ (so do the losses), and the augmented one still learns.
TEST_F(SgdrTrainerTest, AugmentedTrainingStillLearns) {
  torch::manual_seed(3);
  ConvNet augmented_net(DefaultNashStart(), 1, 10);
  ConvNetTrainOptions o = Options(2);
  auto plain = TrainConvNet(net_, data_, o);
  o.augmentation = {1, false, 2};
  auto augmented = TrainConvNet(augmented_net, data_, o);
  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_TRUE(augmented.ok()) << augmented.status();
  RecordProperty("augmented_accuracy", std::to_string(augmented->validation_accuracy));
  EXPECT_NE(augmented->final_train_loss, plain->final_train_loss);
  EXPECT_GT(augmented->validation_accuracy, 0.7);
}

TEST_F(SgdrTrainerTest, InvalidOptionsAndDataAreNamed) {
  auto message = [&](const ConvNetTrainOptions& o) {
    auto outcome = TrainConvNet(net_, data_, o);
    EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(outcome.status().message());
  };
  ConvNetTrainOptions o = Options(1);
  o.epochs = 0;
  EXPECT_THAT(message(o), HasSubstr("training.epochs: 0 must be >= 1"));
  o = Options(1);
  o.lr_min = 0.1;
  EXPECT_THAT(message(o), HasSubstr("training.lr_min: 0.1 must be >= 0 and <= lr_max"));
  o = Options(1);
  o.t_mult = 0.5;
  EXPECT_THAT(message(o), HasSubstr("training.t_mult"));
  o = Options(1);
  o.momentum = 1;
  EXPECT_THAT(message(o), HasSubstr("training.momentum"));
  o = Options(1);
  o.augmentation.cutout_length = -1;
  EXPECT_THAT(message(o), HasSubstr("dataset.augmentation.cutout_length: -1 must be >= 0"));
  ConvNet rgb(DefaultNashStart(), 3, 10);
  auto outcome = TrainConvNet(rgb, data_, Options(1));
  EXPECT_THAT(std::string(outcome.status().message()),
              HasSubstr("the training set has 1 channels and 10 classes; the network takes 3"));
}

}  // namespace
}  // namespace nas
