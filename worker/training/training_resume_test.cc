// A candidate training stopped after an epoch and resumed from the state it
// took then ends bit-equal to one that ran through (CPU, fixed seed): the
// weights, BatchNorm statistics, loss and accuracy.
#include "worker/training/training_resume.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/training/tensor_snapshot.h"
#include "worker/training/trainer.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

// Every tensor of the module (parameters, then buffers) equal, bit for bit.
class TrainingResumeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    torch::set_num_threads(2);
    const char* dir = std::getenv("NAS_SHARED_DATA");
    ASSERT_NE(dir, nullptr) << "NAS_SHARED_DATA is not set: bazel test "
                               "--test_env=NAS_SHARED_DATA=<absolute path of ../shared/data>";
    auto all = LoadDigitsCsv(std::string(dir) + "/digits/digits.csv.gz");
    ASSERT_TRUE(all.ok()) << all.status();
    auto split = SplitTrainValidation(*all, 100, 160, /*seed=*/7);
    ASSERT_TRUE(split.ok()) << split.status();
    data_ = new TrainValidationSplit(*std::move(split));
    auto genome = ParseDartsGenome(
        "normal: sep_conv_3x3(0)+skip_connect(1) | max_pool_3x3(0)+sep_conv_3x3(2) ; "
        "reduce: max_pool_3x3(0)+sep_conv_3x3(1) | skip_connect(2)+avg_pool_3x3(1)");
    ASSERT_TRUE(genome.ok()) << genome.status();
    genome_ = new DartsGenome(*genome);
  }
  static void TearDownTestSuite() {
    delete data_;
    delete genome_;
  }

  // Momentum, weight decay, a per-step cosine schedule, augmentation and
  // BatchNorm: every part of the state matters.
  static TrainOptions Options() {
    TrainOptions o;
    o.epochs = 4;
    o.batch_size = 32;  // 5 steps an epoch.
    o.learning_rate = 0.1;
    o.momentum = 0.9;
    o.weight_decay = 3e-4;
    o.init_channels = 4;
    o.cells = 3;
    o.seed = 5;
    o.augmentation.crop_padding = 1;
    o.augmentation.horizontal_flip = true;
    return o;
  }

  // A run stopped as a killed worker would be, once it has taken the state
  // after `epochs` epochs; that state.
  static std::string StateAfter(int epochs, const TrainOptions& options) {
    TrainOptions o = options;
    std::string state;
    int taken = 0;
    o.resume.on_state = [&](int epochs_done, const std::string& bytes) {
      EXPECT_EQ(epochs_done, taken + 1);
      EXPECT_FALSE(bytes.empty());
      taken = epochs_done;
      state = bytes;
    };
    o.on_progress = [&](double) { return taken < epochs; };
    auto stopped = TrainAndEvaluate(*genome_, *data_, o);
    EXPECT_TRUE(absl::IsCancelled(stopped.status())) << stopped.status();
    EXPECT_EQ(taken, epochs);
    return state;
  }

  static TrainValidationSplit* data_;
  static DartsGenome* genome_;
};

TrainValidationSplit* TrainingResumeTest::data_ = nullptr;
DartsGenome* TrainingResumeTest::genome_ = nullptr;

TEST_F(TrainingResumeTest, AResumedTrainingEndsBitEqualToAnUninterruptedOne) {
  std::vector<int> straight_epochs;
  TrainOptions plain = Options();
  plain.on_epoch_accuracy = [&](int epoch, double, double) {
    straight_epochs.push_back(epoch);
    return true;
  };
  auto straight = TrainAndEvaluate(*genome_, *data_, plain);
  ASSERT_TRUE(straight.ok()) << straight.status();
  EXPECT_EQ(straight_epochs, (std::vector<int>{1, 2, 3, 4}));

  TrainOptions second = Options();
  second.resume.state = StateAfter(2, Options());
  std::vector<int> epochs, taken;
  std::vector<double> fractions;
  second.on_epoch_accuracy = [&](int epoch, double, double) {
    epochs.push_back(epoch);
    return true;
  };
  second.resume.on_state = [&](int epochs_done, const std::string&) {
    taken.push_back(epochs_done);
  };
  second.on_progress = [&](double f) {
    fractions.push_back(f);
    return true;
  };
  auto resumed = TrainAndEvaluate(*genome_, *data_, second);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(epochs, (std::vector<int>{3, 4}));
  EXPECT_EQ(taken, (std::vector<int>{3})) << "none after the last epoch";
  ASSERT_EQ(fractions.size(), 10u) << "two epochs of 5 steps";
  EXPECT_DOUBLE_EQ(fractions.front(), 11.0 / 20);

  EXPECT_TRUE(testing::BitEqual(testing::StateTensors(*resumed->network),
                                testing::StateTensors(*straight->network)))
      << "the weights or BatchNorm statistics differ";
  EXPECT_EQ(resumed->final_train_loss, straight->final_train_loss);
  EXPECT_EQ(resumed->validation_accuracy, straight->validation_accuracy);
  EXPECT_EQ(resumed->epochs_trained, 4);
}

// Any network (here a TF-NAS-like builder's: an MLP) resumes the same way.
TEST_F(TrainingResumeTest, ABuiltNetworkResumesBitEqualToo) {
  auto mlp = []() -> absl::StatusOr<TrainableNetwork> {
    auto net = torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(64, 32),
                                     torch::nn::BatchNorm1d(32), torch::nn::ReLU(),
                                     torch::nn::Linear(32, 10));
    return TrainableNetwork{net.ptr(),
                            [net](const torch::Tensor& x) mutable { return net->forward(x); }};
  };
  auto straight = TrainNetworkAndEvaluate(mlp, *data_, Options());
  ASSERT_TRUE(straight.ok()) << straight.status();

  TrainOptions first = Options();
  std::string state;
  first.resume.on_state = [&](int, const std::string& bytes) { state = bytes; };
  first.on_progress = [&](double) { return state.empty(); };
  ASSERT_TRUE(absl::IsCancelled(TrainNetworkAndEvaluate(mlp, *data_, first).status()));
  TrainOptions second = Options();
  second.resume.state = state;
  auto resumed = TrainNetworkAndEvaluate(mlp, *data_, second);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->final_train_loss, straight->final_train_loss);
  EXPECT_EQ(resumed->validation_accuracy, straight->validation_accuracy);
}

TEST_F(TrainingResumeTest, AStateOfAnotherRunIsRefusedByName) {
  TrainOptions garbage = Options();
  garbage.resume.state = "not an archive";
  auto refused = TrainAndEvaluate(*genome_, *data_, garbage);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("training.resume_state: "));

  // A state of a wider network does not fit this one.
  TrainOptions wide = Options();
  wide.init_channels = 6;
  TrainOptions narrow = Options();
  narrow.resume.state = StateAfter(1, wide);
  refused = TrainAndEvaluate(*genome_, *data_, narrow);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("training.resume_state: "));

  // Nor does one that holds every epoch of this run.
  TrainOptions shorter = Options();
  shorter.epochs = 2;
  shorter.resume.state = StateAfter(2, Options());
  refused = TrainAndEvaluate(*genome_, *data_, shorter);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_THAT(refused.status().message(),
              HasSubstr("training.resume_state: holds 2 epochs of a run of 2"));
}

}  // namespace
}  // namespace nas
