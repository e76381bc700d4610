#include "worker/training/trainer.h"

#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/training/device.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(2);
    const char* dir = std::getenv("NAS_SHARED_DATA");
    ASSERT_NE(dir, nullptr) << "run through scripts/test.sh (NAS_SHARED_DATA)";
    auto all = LoadDigitsCsv(std::string(dir) + "/digits/digits.csv.gz");
    ASSERT_TRUE(all.ok()) << all.status();
    auto split = SplitTrainValidation(*all, 400, 800, 1);
    ASSERT_TRUE(split.ok());
    data_ = *std::move(split);
    genome_ = *ParseDartsGenome(
        "normal: sep_conv_3x3(0)+skip_connect(1) | max_pool_3x3(0)+sep_conv_3x3(2) ; "
        "reduce: max_pool_3x3(0)+sep_conv_3x3(1) | skip_connect(2)+avg_pool_3x3(1)");
  }

  TrainOptions Options() {
    TrainOptions o;
    o.epochs = 4;
    o.batch_size = 32;
    o.learning_rate = 0.05;
    o.init_channels = 8;
    o.cells = 3;
    o.seed = 5;
    return o;
  }

  TrainValidationSplit data_;
  DartsGenome genome_;
};

TEST_F(TrainerTest, LearnsRealDigitsFarBeyondChance) {
  auto outcome = TrainAndEvaluate(genome_, data_, Options());
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_GT(outcome->validation_accuracy, 0.8);  // Chance is 0.1.
  EXPECT_LT(outcome->final_train_loss, 1.0);     // Starts near ln(10) = 2.3.
  EXPECT_GT(outcome->parameter_count, 1000);
  EXPECT_EQ(outcome->train_examples, 800);
}

TEST_F(TrainerTest, SameSeedSameResult) {
  TrainOptions o = Options();
  o.epochs = 1;
  auto a = TrainAndEvaluate(genome_, data_, o);
  auto b = TrainAndEvaluate(genome_, data_, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_DOUBLE_EQ(a->validation_accuracy, b->validation_accuracy);
  EXPECT_DOUBLE_EQ(a->final_train_loss, b->final_train_loss);
}

TEST_F(TrainerTest, DivergingTrainingIsAFailureNotACrash) {
  TrainOptions o = Options();
  o.learning_rate = 1e30;
  o.momentum = 0;
  auto outcome = TrainAndEvaluate(genome_, data_, o);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(outcome.status().message(), HasSubstr("non-finite loss"));
}

TEST_F(TrainerTest, StopRequestCancels) {
  TrainOptions o = Options();
  int calls = 0;
  o.on_progress = [&](double fraction) {
    EXPECT_GT(fraction, 0.0);
    EXPECT_LE(fraction, 1.0);
    return ++calls < 3;
  };
  auto outcome = TrainAndEvaluate(genome_, data_, o);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 3);
}

TEST(DeviceTest, ResolvesFlags) {
  auto cpu = ResolveDevice("cpu");
  ASSERT_TRUE(cpu.ok());
  EXPECT_TRUE(cpu->is_cpu());
  auto automatic = ResolveDevice("auto");
  ASSERT_TRUE(automatic.ok());
  EXPECT_EQ(automatic->is_cuda(), torch::cuda::is_available());
  EXPECT_EQ(ResolveDevice("tpu").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveDevice("cuda:x").status().code(), absl::StatusCode::kInvalidArgument);
  if (!torch::cuda::is_available()) {
    EXPECT_EQ(ResolveDevice("cuda").status().code(), absl::StatusCode::kFailedPrecondition);
  }
}

}  // namespace
}  // namespace nas
