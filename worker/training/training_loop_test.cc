#include "worker/training/training_loop.h"

#include <algorithm>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Two well separated classes of 4-pixel "images" and a linear classifier.
class TrainingLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(1);
    labels_ = torch::arange(41, torch::kInt64) % 2;
    images_ =
        torch::randn({41, 1, 2, 2}) + 2 * (labels_.to(torch::kFloat) * 2 - 1).view({41, 1, 1, 1});
    Reset();
  }
  void Reset() {
    torch::manual_seed(2);
    linear_ = torch::nn::Linear(4, 2);
    net_ = {linear_.ptr(),
            [l = linear_](const torch::Tensor& x) mutable { return l->forward(x.flatten(1)); }};
  }
  TrainingLoopOptions Options() const {
    TrainingLoopOptions o;
    o.epochs = 3;
    o.batch_size = 8;  // 41 = 5 * 8 + 1.
    o.schedule = std::make_shared<CosineSchedule>(0.1, 0.0, CosineSchedule::Granularity::kPerStep);
    o.shuffle_seed = 4;
    return o;
  }

  torch::Tensor images_, labels_;
  torch::nn::Linear linear_{nullptr};
  TrainableNetwork net_;
};

TEST_F(TrainingLoopTest, StepsAtTheScheduleRatesAndCallsTheHooksInOrder) {
  TrainingLoopOptions o = Options();
  std::vector<std::string> calls;
  std::vector<double> rates, epoch_losses;
  o.before_step = [&](const StepContext& at, const Batch& b) {
    calls.push_back("before " + std::to_string(at.step));
    EXPECT_EQ(b.images.size(0), at.batch_end - at.batch_begin);
    return absl::OkStatus();
  };
  o.after_step = [&](const StepContext& at, const Batch&, double loss,
                     const torch::Tensor& logits) {
    calls.push_back("after " + std::to_string(at.step));
    rates.push_back(at.learning_rate);
    EXPECT_TRUE(std::isfinite(loss));
    EXPECT_FALSE(logits.requires_grad());
    return absl::OkStatus();
  };
  o.at_epoch_end = [&](int epoch, double loss) {
    calls.push_back("epoch " + std::to_string(epoch));
    epoch_losses.push_back(loss);
    return absl::OkStatus();
  };
  auto last = RunTrainingLoop(net_, images_, labels_, o);
  ASSERT_TRUE(last.ok()) << last.status();
  ASSERT_EQ(rates.size(), 18u);  // 6 batches (the last of one example) x 3 epochs.
  for (int64_t s = 0; s < 18; ++s) EXPECT_EQ(rates[s], o.schedule->Rate({s, 6, 3}));
  EXPECT_EQ(calls[0], "before 0");
  EXPECT_EQ(calls[1], "after 0");
  EXPECT_EQ(calls[12], "epoch 0");
  EXPECT_EQ(calls.back(), "epoch 2");
  EXPECT_EQ(*last, epoch_losses.back());
  EXPECT_LT(epoch_losses.back(), epoch_losses.front());
  EXPECT_LT(*last, 0.3);
}

TEST_F(TrainingLoopTest, SameSeedSameWeightsAndTheSeedIsItsOwn) {
  auto a = RunTrainingLoop(net_, images_, labels_, Options());
  const torch::Tensor first = linear_->weight.detach().clone();
  Reset();
  torch::manual_seed(99);  // The loop's shuffle does not draw from the global generator.
  auto b = RunTrainingLoop(net_, images_, labels_, Options());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_TRUE(torch::equal(first, linear_->weight));
}

TEST_F(TrainingLoopTest, SkipsATrailingSingleExampleBatchWhenAsked) {
  EXPECT_EQ(StepsPerEpoch(41, 8, false), 6);
  EXPECT_EQ(StepsPerEpoch(41, 8, true), 5);
  EXPECT_EQ(StepsPerEpoch(42, 8, true), 6);
  EXPECT_EQ(StepsPerEpoch(1, 8, true), 1);
  TrainingLoopOptions o = Options();
  o.skip_single_example_batch = true;
  int steps = 0;
  o.after_step = [&](const StepContext& at, const Batch& b, double, const torch::Tensor&) {
    ++steps;
    EXPECT_EQ(b.images.size(0), 8);
    EXPECT_EQ(at.total_steps, 15);
    return absl::OkStatus();
  };
  ASSERT_TRUE(RunTrainingLoop(net_, images_, labels_, o).ok());
  EXPECT_EQ(steps, 15);
}

TEST_F(TrainingLoopTest, TheCallersOrderAndLossAreUsed) {
  TrainingLoopOptions o = Options();
  o.examples_per_epoch = 16;  // Only the first 16 rows.
  o.epoch_order = [](int) { return torch::arange(16, torch::kInt64).flip(0); };
  int losses = 0;
  o.step_loss = [&](const StepContext&, const Batch& b) {
    ++losses;
    EXPECT_EQ(b.labels.size(0), 8);
    const torch::Tensor logits = net_.forward(b.images);
    return StepLoss{2 * torch::nn::functional::cross_entropy(logits, b.labels), logits};
  };
  o.before_step = [&](const StepContext& at, const Batch& b) {
    if (at.step_in_epoch == 0) {
      EXPECT_TRUE(torch::equal(b.labels, labels_.slice(0, 8, 16).flip(0)));
    }
    return absl::OkStatus();
  };
  ASSERT_TRUE(RunTrainingLoop(net_, images_, labels_, o).ok());
  EXPECT_EQ(losses, 6);
}

TEST_F(TrainingLoopTest, AugmentedImagesReachTheHooksAndTheForwardPass) {
  TrainingLoopOptions o = Options();
  o.epochs = 1;
  std::vector<int64_t> augmented_steps;
  torch::Tensor last_augmented;
  o.augment = [&](const StepContext& at, const torch::Tensor& images) {
    augmented_steps.push_back(at.step);
    EXPECT_EQ(images.size(0), at.batch_end - at.batch_begin);
    last_augmented = -images;  // Any new tensor of the same shape.
    return last_augmented;
  };
  o.before_step = [&](const StepContext&, const Batch& b) {
    EXPECT_TRUE(b.images.is_same(last_augmented));
    return absl::OkStatus();
  };
  int forwards = 0;
  net_.forward = [&, l = linear_](const torch::Tensor& x) mutable {
    EXPECT_TRUE(x.is_same(last_augmented));
    ++forwards;
    return l->forward(x.flatten(1));
  };
  const torch::Tensor before = images_.clone();
  ASSERT_TRUE(RunTrainingLoop(net_, images_, labels_, o).ok());
  EXPECT_EQ(augmented_steps, (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(forwards, 6);
  EXPECT_TRUE(images_.equal(before));
}

TEST_F(TrainingLoopTest, NonFiniteLossEndsTheRun) {
  TrainingLoopOptions o = Options();
  SgdrOptions nan;
  nan.lr_max = std::numeric_limits<double>::quiet_NaN();
  o.schedule = std::make_shared<SgdrSchedule>(nan);
  auto outcome = RunTrainingLoop(net_, images_, labels_, o);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(outcome.status().message()),
              StartsWith("non-finite loss (nan) at step 2 of 18"));
}

TEST_F(TrainingLoopTest, ProgressByStepReportsAndCancels) {
  TrainingLoopOptions o = Options();
  std::vector<double> fractions;
  o.after_step = ProgressByStep([&](double f) {
    fractions.push_back(f);
    return fractions.size() < 4;
  });
  auto outcome = RunTrainingLoop(net_, images_, labels_, o);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(std::string(outcome.status().message()),
              HasSubstr("training stopped on request at step 4 of 18"));
  ASSERT_EQ(fractions.size(), 4u);
  EXPECT_DOUBLE_EQ(fractions[0], 1.0 / 18);
  EXPECT_TRUE(ProgressByStep(nullptr)(StepContext{}, Batch{}, 0, torch::Tensor()).ok());
}

TEST(EvaluationTest, AccuracyChecksOutputsAndTotalsWeighExamples) {
  ImageDataset data;
  data.images = torch::zeros({600, 1, 1, 1});
  data.labels = torch::zeros({600}, torch::kInt64);
  data.labels.slice(0, 0, 150).fill_(1);
  data.num_classes = 2;
  const Forward zero_wins = [](const torch::Tensor& x) {
    return torch::cat({torch::ones({x.size(0), 1}), torch::zeros({x.size(0), 1})}, 1);
  };
  auto accuracy = ClassifierAccuracy(zero_wins, data, AccuracyOptions{});
  ASSERT_TRUE(accuracy.ok());
  EXPECT_DOUBLE_EQ(*accuracy, 0.75);
  const ExampleTotals totals = MeasureExampleTotals(zero_wins, data, torch::kCPU);
  EXPECT_EQ(totals.examples, 600);
  EXPECT_DOUBLE_EQ(totals.accuracy(), 0.75);
  const double p = std::log1p(std::exp(-1.0));  // Loss of a right answer; 1 + p of a wrong one.
  EXPECT_NEAR(totals.mean_loss(), 0.75 * p + 0.25 * (1 + p), 1e-6);

  AccuracyOptions named;
  named.network = "the trained network";
  const Forward diverged = [](const torch::Tensor& x) {
    return torch::full({x.size(0), 2}, std::numeric_limits<float>::quiet_NaN());
  };
  EXPECT_EQ(ClassifierAccuracy(diverged, data, named).status().message(),
            "non-finite loss: the trained network gives non-finite outputs on validation data "
            "(training diverged)");
}

// Loss scaling by a power of two is exact in float32: FP16's scaled steps
// (autocast has nothing to cast on the CPU) give fp32's weights exactly, and
// a scale that overflows skips steps instead of stepping on infinities.
TEST_F(TrainingLoopTest, LossScalingStepsAsFloat32AndSkipsOverflowingSteps) {
  TrainingLoopOptions o = Options();
  ASSERT_TRUE(RunTrainingLoop(net_, images_, labels_, o).ok());
  const torch::Tensor fp32_weight = linear_->weight.detach().clone();
  Reset();
  o.gpu.precision = GpuTraining::Precision::kFloat16;
  ASSERT_TRUE(RunTrainingLoop(net_, images_, labels_, o).ok());
  EXPECT_TRUE(linear_->weight.equal(fp32_weight));

  Reset();
  const torch::Tensor initial = linear_->weight.detach().clone();
  o.initial_loss_scale = std::numeric_limits<float>::max();  // Every gradient overflows at first.
  int steps = 0;
  o.after_step = [&](const StepContext&, const Batch&, double, const torch::Tensor&) {
    if (++steps == 1) EXPECT_TRUE(linear_->weight.equal(initial)) << "the overflowing step skipped";
    return absl::OkStatus();
  };
  ASSERT_TRUE(RunTrainingLoop(net_, images_, labels_, o).ok());
  EXPECT_FALSE(linear_->weight.equal(initial)) << "the halved scale steps again";
  EXPECT_TRUE(torch::isfinite(linear_->weight).all().item<bool>());
}

TEST_F(TrainingLoopTest, ChannelsLastTrainsTheSameNetwork) {
  TrainingLoopOptions o = Options();
  ASSERT_TRUE(RunTrainingLoop(net_, images_, labels_, o).ok());
  const torch::Tensor plain = linear_->weight.detach().clone();
  Reset();
  o.gpu.channels_last = true;
  std::vector<bool> channels_last_batches;
  o.before_step = [&](const StepContext&, const Batch& b) {
    channels_last_batches.push_back(b.images.is_contiguous(torch::MemoryFormat::ChannelsLast));
    return absl::OkStatus();
  };
  ASSERT_TRUE(RunTrainingLoop(net_, images_, labels_, o).ok());
  EXPECT_TRUE(torch::allclose(linear_->weight, plain, 1e-5, 1e-6));
  EXPECT_EQ(std::count(channels_last_batches.begin(), channels_last_batches.end(), true),
            static_cast<long>(channels_last_batches.size()));
}

}  // namespace
}  // namespace nas

namespace nas {
namespace {

// Stopped after epoch 1 and resumed from its weights and SGD state with
// first_epoch = 1, a run ends bit-equal to one that ran through: the
// schedule, the step count and the default shuffle continue where they were.
TEST_F(TrainingLoopTest, AResumedRunEndsBitEqualToAnUninterruptedOne) {
  TrainingLoopOptions straight = Options();
  straight.momentum = 0.9;
  ASSERT_TRUE(RunTrainingLoop(net_, images_, labels_, straight).ok());
  const torch::Tensor expected = linear_->weight.detach().clone();

  Reset();
  TrainingLoopOptions first = straight;
  std::string sgd_state;
  first.save_state = [&](int, const torch::optim::SGD& sgd) {
    torch::serialize::OutputArchive archive;
    sgd.save(archive);
    std::ostringstream bytes;
    archive.save_to(bytes);
    sgd_state = bytes.str();
    return absl::OkStatus();
  };
  first.at_epoch_end = [](int, double) { return absl::CancelledError("stopped"); };
  ASSERT_TRUE(absl::IsCancelled(RunTrainingLoop(net_, images_, labels_, first).status()));
  const torch::Tensor weight = linear_->weight.detach().clone();
  const torch::Tensor bias = linear_->bias.detach().clone();

  Reset();
  {
    torch::NoGradGuard no_grad;
    linear_->weight.copy_(weight);
    linear_->bias.copy_(bias);
  }
  TrainingLoopOptions second = straight;
  second.first_epoch = 1;
  second.load_optimizer = [&](torch::optim::SGD& sgd) {
    torch::serialize::InputArchive archive;
    std::istringstream bytes(sgd_state);
    archive.load_from(bytes);
    sgd.load(archive);
    return absl::OkStatus();
  };
  std::vector<int64_t> steps;
  second.after_step = [&](const StepContext& at, const Batch&, double, const torch::Tensor&) {
    steps.push_back(at.step);
    return absl::OkStatus();
  };
  ASSERT_TRUE(RunTrainingLoop(net_, images_, labels_, second).ok());
  ASSERT_FALSE(steps.empty());
  EXPECT_EQ(steps.front(), 6);  // 6 steps an epoch (41 examples, batches of 8).
  EXPECT_EQ(steps.size(), 12u);
  EXPECT_TRUE(torch::equal(linear_->weight, expected));
}

}  // namespace
}  // namespace nas
