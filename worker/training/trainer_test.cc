#include "worker/training/trainer.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Small enough to train in about a second on one or two threads, big enough
// to learn the 8x8 digits well: 8 channels, 3 cells (8 -> 4 -> 2 pixels).
class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(2);  // The worker's main sets this; tests do it themselves.
    const char* dir = std::getenv("NAS_SHARED_DATA");
    ASSERT_NE(dir, nullptr) << "NAS_SHARED_DATA is not set: run scripts/test.sh, or bazel test "
                               "--test_env=NAS_SHARED_DATA=<absolute path of ../shared/data>";
    auto all = LoadDigitsCsv(std::string(dir) + "/digits/digits.csv.gz");
    ASSERT_TRUE(all.ok()) << all.status();
    auto split = SplitTrainValidation(*all, 400, 800, 1);
    ASSERT_TRUE(split.ok()) << split.status();
    data_ = *std::move(split);
    auto genome = ParseDartsGenome(
        "normal: sep_conv_3x3(0)+skip_connect(1) | max_pool_3x3(0)+sep_conv_3x3(2) ; "
        "reduce: max_pool_3x3(0)+sep_conv_3x3(1) | skip_connect(2)+avg_pool_3x3(1)");
    ASSERT_TRUE(genome.ok()) << genome.status();
    genome_ = *genome;
  }

  static TrainOptions Options() {
    TrainOptions o;
    o.epochs = 4;
    o.batch_size = 32;
    o.learning_rate = 0.05;
    o.momentum = 0.9;
    o.weight_decay = 3e-4;
    o.init_channels = 8;
    o.cells = 3;
    o.seed = 5;
    return o;
  }

  TrainValidationSplit data_;
  DartsGenome genome_;
};

TEST_F(TrainerTest, LearnsRealDigitsFarBeyondChance) {
  std::vector<double> fractions;
  TrainOptions o = Options();
  o.on_progress = [&](double fraction) {
    fractions.push_back(fraction);
    return true;
  };
  auto outcome = TrainAndEvaluate(genome_, data_, o);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  RecordProperty("validation_accuracy", std::to_string(outcome->validation_accuracy));
  EXPECT_GT(outcome->validation_accuracy, 0.8);  // Chance is 0.1.
  EXPECT_LT(outcome->final_train_loss, 1.0);     // Starts near ln(10) = 2.3.
  EXPECT_GT(outcome->parameter_count, 1000);
  EXPECT_EQ(outcome->train_examples, 800);
  EXPECT_GT(outcome->train_seconds, 0.0);
  // One progress call per step (4 epochs of 25 batches), rising to exactly 1.
  ASSERT_EQ(fractions.size(), 100u);
  EXPECT_TRUE(std::is_sorted(fractions.begin(), fractions.end()));
  EXPECT_DOUBLE_EQ(fractions.front(), 0.01);
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0);
}

// Any network trains through TrainNetworkAndEvaluate: here a two-layer
// perceptron, built after seeding so that its initial weights follow the seed.
TEST_F(TrainerTest, TrainsAnyNetworkItIsGivenAndPassesBuilderErrorsOn) {
  auto mlp = []() -> absl::StatusOr<TrainableNetwork> {
    auto net = torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(64, 32),
                                     torch::nn::ReLU(), torch::nn::Linear(32, 10));
    return TrainableNetwork{net.ptr(),
                            [net](const torch::Tensor& x) mutable { return net->forward(x); }};
  };
  TrainOptions o = Options();
  o.init_channels = 0;  // Ignored: the builder decides the shape.
  o.cells = 0;
  auto a = TrainNetworkAndEvaluate(mlp, data_, o);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_GT(a->validation_accuracy, 0.8);
  EXPECT_EQ(a->parameter_count, 64 * 32 + 32 + 32 * 10 + 10);
  auto b = TrainNetworkAndEvaluate(mlp, data_, o);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->validation_accuracy, b->validation_accuracy);
  EXPECT_EQ(a->final_train_loss, b->final_train_loss);

  auto refuse = []() -> absl::StatusOr<TrainableNetwork> {
    return absl::InvalidArgumentError("genome: does not fit the space");
  };
  EXPECT_EQ(TrainNetworkAndEvaluate(refuse, data_, o).status().message(),
            "genome: does not fit the space");
}

// On the CPU the GPU options change nothing: the same network, the same
// result, and one line in the log saying they were ignored.
TEST_F(TrainerTest, GpuOptionsOnTheCpuAreIgnoredWithOneLogLine) {
  auto mlp = []() -> absl::StatusOr<TrainableNetwork> {
    auto net = torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(64, 10));
    return TrainableNetwork{net.ptr(),
                            [net](const torch::Tensor& x) mutable { return net->forward(x); }};
  };
  TrainOptions o = Options();
  auto plain = TrainNetworkAndEvaluate(mlp, data_, o);
  ASSERT_TRUE(plain.ok()) << plain.status();
  o.gpu.precision = GpuTraining::Precision::kFloat16;
  o.gpu.channels_last = true;
  o.gpu.cudnn_benchmark = true;
  ::testing::internal::CaptureStderr();
  auto asked = TrainNetworkAndEvaluate(mlp, data_, o);
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(asked.ok()) << asked.status();
  EXPECT_EQ(asked->final_train_loss, plain->final_train_loss);
  EXPECT_EQ(asked->validation_accuracy, plain->validation_accuracy);
  EXPECT_THAT(log, HasSubstr("training.gpu: precision FP16, channels_last, cudnn_benchmark "
                             "ignored on cpu"));
}

// Crop (padding 1 of 8 pixels) and cutout change what the network sees in
// training, never the validation data, and the digits are still learned.
TEST_F(TrainerTest, AugmentedTrainingBatchesDifferAndStillLearn) {
  std::vector<torch::Tensor> train_inputs, eval_inputs;
  auto mlp = [&]() -> absl::StatusOr<TrainableNetwork> {
    auto net = torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(64, 32),
                                     torch::nn::ReLU(), torch::nn::Linear(32, 10));
    return TrainableNetwork{net.ptr(), [&, net](const torch::Tensor& x) mutable {
                              (net->is_training() ? train_inputs : eval_inputs).push_back(x);
                              return net->forward(x);
                            }};
  };
  TrainOptions o = Options();
  auto plain = TrainNetworkAndEvaluate(mlp, data_, o);
  ASSERT_TRUE(plain.ok()) << plain.status();
  const std::vector<torch::Tensor> plain_train = std::move(train_inputs);
  const std::vector<torch::Tensor> plain_eval = std::move(eval_inputs);
  train_inputs.clear();
  eval_inputs.clear();
  o.augmentation = {1, false, 2};
  auto augmented = TrainNetworkAndEvaluate(mlp, data_, o);
  ASSERT_TRUE(augmented.ok()) << augmented.status();
  ASSERT_EQ(train_inputs.size(), plain_train.size());
  for (size_t i = 0; i < train_inputs.size(); ++i) {
    EXPECT_FALSE(train_inputs[i].equal(plain_train[i])) << "step " << i;
  }
  ASSERT_EQ(eval_inputs.size(), plain_eval.size());
  for (size_t i = 0; i < eval_inputs.size(); ++i) EXPECT_TRUE(eval_inputs[i].equal(plain_eval[i]));
  EXPECT_GT(augmented->validation_accuracy, 0.8);
  EXPECT_NE(augmented->final_train_loss, plain->final_train_loss);

  o.augmentation.crop_padding = -1;
  EXPECT_THAT(TrainNetworkAndEvaluate(mlp, data_, o).status().message(),
              HasSubstr("dataset.augmentation.crop_padding: -1 must be >= 0"));
}

TEST_F(TrainerTest, SameSeedSameResult) {
  TrainOptions o = Options();
  o.epochs = 1;
  auto a = TrainAndEvaluate(genome_, data_, o);
  auto b = TrainAndEvaluate(genome_, data_, o);
  o.seed = 6;
  auto c = TrainAndEvaluate(genome_, data_, o);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_DOUBLE_EQ(a->validation_accuracy, b->validation_accuracy);
  EXPECT_DOUBLE_EQ(a->final_train_loss, b->final_train_loss);
  EXPECT_NE(a->final_train_loss, c->final_train_loss);
}

TEST_F(TrainerTest, DivergingTrainingIsAFailureNotACrash) {
  TrainOptions o = Options();
  o.learning_rate = 1e30;
  auto outcome = TrainAndEvaluate(genome_, data_, o);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument) << outcome.status();
  EXPECT_THAT(std::string(outcome.status().message()), StartsWith("non-finite loss"));
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
  EXPECT_THAT(outcome.status().message(), HasSubstr("at step 3 of 100"));
  EXPECT_EQ(calls, 3);  // Stopped at once.
}

TEST_F(TrainerTest, InvalidInputsAreRejectedByName) {
  auto code_and_message = [&](const TrainOptions& o) {
    auto outcome = TrainAndEvaluate(genome_, data_, o);
    EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(outcome.status().message());
  };
  TrainOptions o = Options();
  o.batch_size = 0;
  EXPECT_THAT(code_and_message(o), HasSubstr("training.batch_size: 0 must be >= 1"));
  o = Options();
  o.epochs = 0;
  EXPECT_THAT(code_and_message(o), HasSubstr("training.epochs"));
  o = Options();
  o.learning_rate = -0.1;
  EXPECT_THAT(code_and_message(o), HasSubstr("training.learning_rate"));
  o = Options();
  o.momentum = 1;
  EXPECT_THAT(code_and_message(o), HasSubstr("training.momentum: 1 must be in [0, 1)"));
  o = Options();
  o.cells = 0;
  EXPECT_THAT(code_and_message(o), HasSubstr("training.cells"));

  DartsGenome bad = genome_;
  bad.reduce.nodes.pop_back();  // Cells must have the same node count.
  EXPECT_EQ(TrainAndEvaluate(bad, data_, Options()).status().code(),
            absl::StatusCode::kInvalidArgument);
  TrainValidationSplit no_validation = data_;
  no_validation.validation = ImageDataset{};
  EXPECT_THAT(TrainAndEvaluate(genome_, no_validation, Options()).status().message(),
              HasSubstr("validation set must be non-empty"));
}

TEST_F(TrainerTest, LibTorchErrorsBecomeStatuses) {
  // A label beyond num_classes makes cross-entropy throw inside LibTorch.
  TrainValidationSplit bad_labels = data_;
  bad_labels.train.labels = data_.train.labels.clone();
  bad_labels.train.labels[0] = 10;
  auto outcome = TrainAndEvaluate(genome_, bad_labels, Options());
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInternal) << outcome.status();
  EXPECT_THAT(outcome.status().message(), HasSubstr("LibTorch error in training"));
}

TEST_F(TrainerTest, TrainsOnCudaWhenAvailable) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA in this LibTorch or no GPU";
  TrainOptions o = Options();
  o.device = torch::Device(torch::kCUDA, 0);
  auto outcome = TrainAndEvaluate(genome_, data_, o);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_GT(outcome->validation_accuracy, 0.8);
}

}  // namespace
}  // namespace nas
