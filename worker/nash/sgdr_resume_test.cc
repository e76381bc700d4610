// NASH's SGDR training of a net stopped after an epoch and resumed from the
// state it took then ends bit-equal to one that ran through (CPU, fixed
// seed), across a warm restart; a state of another net is refused and leaves
// the net as it was.
#include <cstdlib>
#include <string>
#include <vector>

#include "common/genome/convnet_genome.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/nash/sgdr_trainer.h"
#include "worker/training/tensor_snapshot.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

class SgdrResumeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    torch::set_num_threads(2);
    const char* dir = std::getenv("NAS_SHARED_DATA");
    ASSERT_NE(dir, nullptr) << "NAS_SHARED_DATA is not set: bazel test "
                               "--test_env=NAS_SHARED_DATA=<absolute path of ../shared/data>";
    auto all = LoadDigitsCsv(std::string(dir) + "/digits/digits.csv.gz");
    ASSERT_TRUE(all.ok()) << all.status();
    auto split = SplitTrainValidation(*all, 100, 161, /*seed=*/7);
    ASSERT_TRUE(split.ok()) << split.status();
    data_ = new TrainValidationSplit(*std::move(split));
  }
  static void TearDownTestSuite() { delete data_; }

  // NASH's start net with its initial weights drawn from `seed`.
  static ConvNet Net(uint64_t seed, const std::string& genome = "") {
    torch::manual_seed(seed);
    if (genome.empty()) return ConvNet(DefaultNashStart(), 1, 10);
    return ConvNet(*ParseConvNetGenome(genome), 1, 10);
  }

  // Warm restarts every 2 epochs, momentum, weight decay, augmentation, and
  // 161 examples (a trailing batch of one skipped): the schedule's position
  // and every part of the state matter.
  static ConvNetTrainOptions Options() {
    ConvNetTrainOptions o;
    o.epochs = 4;
    o.batch_size = 32;
    o.lr_max = 0.1;
    o.restart_period_epochs = 2;
    o.seed = 5;
    o.augmentation.crop_padding = 1;
    return o;
  }

  // Trains `net` until it has taken the state after `epochs` epochs, then
  // stops it as a killed worker would be; that state.
  static std::string StateAfter(int epochs, ConvNet net) {
    ConvNetTrainOptions o = Options();
    std::string state;
    int taken = 0;
    o.resume.on_state = [&](int epochs_done, const std::string& bytes) {
      taken = epochs_done;
      state = bytes;
    };
    o.on_progress = [&](double) { return taken < epochs; };
    auto stopped = TrainConvNet(net, *data_, o);
    EXPECT_TRUE(absl::IsCancelled(stopped.status())) << stopped.status();
    EXPECT_EQ(taken, epochs);
    return state;
  }

  static TrainValidationSplit* data_;
};

TrainValidationSplit* SgdrResumeTest::data_ = nullptr;

TEST_F(SgdrResumeTest, AResumedTrainingEndsBitEqualToAnUninterruptedOne) {
  ConvNet straight_net = Net(3);
  auto straight = TrainConvNet(straight_net, *data_, Options());
  ASSERT_TRUE(straight.ok()) << straight.status();

  const std::string state = StateAfter(3, Net(3));
  // Another start: every weight the resumed run trains comes from the state.
  ConvNet resumed_net = Net(4);
  ConvNetTrainOptions second = Options();
  second.resume.state = state;
  std::vector<std::string> lines;
  second.log = [&](const std::string& line) { lines.push_back(line); };
  auto resumed = TrainConvNet(resumed_net, *data_, second);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("epoch 4/4"));

  EXPECT_TRUE(
      testing::BitEqual(testing::StateTensors(*resumed_net), testing::StateTensors(*straight_net)))
      << "the weights or BatchNorm statistics differ";
  EXPECT_EQ(resumed->final_train_loss, straight->final_train_loss);
  EXPECT_EQ(resumed->validation_accuracy, straight->validation_accuracy);
}

TEST_F(SgdrResumeTest, AStateOfAnotherNetIsRefusedAndLeavesTheNetAsItWas) {
  ConvNet net = Net(3);
  const std::vector<torch::Tensor> before = testing::StateTensors(*net);
  ConvNetTrainOptions o = Options();
  o.resume.state = "not an archive";
  auto refused = TrainConvNet(net, *data_, o);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("training.resume_state: "));

  // A wider net's state: its weights would load, its shapes do not fit.
  o.resume.state = StateAfter(1, Net(3, "conv3x16 pool conv3x16 pool conv3x32"));
  refused = TrainConvNet(net, *data_, o);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("training.resume_state: "));
  EXPECT_TRUE(testing::BitEqual(testing::StateTensors(*net), before))
      << "a refused state changed the net";
}

}  // namespace
}  // namespace nas
