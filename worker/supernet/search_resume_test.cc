// A supernet search stopped after an epoch and resumed from the state it
// took then ends bit-equal to one that ran through (CPU, fixed seed).
#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/supernet/search.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

class SupernetResumeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* dir = std::getenv("NAS_SHARED_DATA");
    ASSERT_NE(dir, nullptr) << "NAS_SHARED_DATA is not set: bazel test "
                               "--test_env=NAS_SHARED_DATA=<absolute path of ../shared/data>";
    auto all = LoadDigitsCsv(std::string(dir) + "/digits/digits.csv.gz");
    ASSERT_TRUE(all.ok()) << all.status();
    auto split = SplitTrainValidation(*all, 128, 256, /*seed=*/7);
    ASSERT_TRUE(split.ok()) << split.status();
    data_ = new TrainValidationSplit(*std::move(split));
  }
  static void TearDownTestSuite() { delete data_; }

  // PC-DARTS (alphas and betas), second order, with augmentation: every
  // part of the state matters.
  static SupernetSearchOptions Options() {
    SupernetSearchOptions o;
    o.supernet.method = SupernetMethod::kPcDarts;
    o.supernet.partial_k = 2;
    o.supernet.nodes = 2;
    o.supernet.cells = 2;
    o.supernet.init_channels = 4;
    o.order = ArchitectOrder::kSecond;
    o.epochs = 4;
    o.batch_size = 32;  // 4 steps an epoch.
    o.weight_learning_rate = 0.1;
    o.arch_learning_rate = 3e-2;
    o.augmentation.crop_padding = 1;
    o.augmentation.horizontal_flip = true;
    o.seed = 5;
    return o;
  }

  static TrainValidationSplit* data_;
};

TrainValidationSplit* SupernetResumeTest::data_ = nullptr;

TEST_F(SupernetResumeTest, AResumedSearchEndsBitEqualToAnUninterruptedOne) {
  auto straight = RunSupernetSearch(*data_, Options());
  ASSERT_TRUE(straight.ok()) << straight.status();

  // Stopped after epoch 2, as a killed worker would be.
  SupernetSearchOptions first = Options();
  first.save_resume_state = true;
  std::string state;
  first.on_epoch = [&](const SupernetProgress& p) {
    EXPECT_FALSE(p.resume_state.empty()) << "epoch " << p.epoch;
    state = p.resume_state;
    return p.epoch < 2;
  };
  auto stopped = RunSupernetSearch(*data_, first);
  ASSERT_TRUE(absl::IsCancelled(stopped.status())) << stopped.status();

  SupernetSearchOptions second = Options();
  second.resume_state = state;
  second.save_resume_state = true;
  std::vector<int> epochs;
  std::vector<bool> with_state;
  second.on_epoch = [&](const SupernetProgress& p) {
    epochs.push_back(p.epoch);
    with_state.push_back(!p.resume_state.empty());
    return true;
  };
  auto resumed = RunSupernetSearch(*data_, second);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(epochs, (std::vector<int>{3, 4}));
  EXPECT_EQ(with_state, (std::vector<bool>{true, false})) << "none after the last epoch";

  EXPECT_TRUE(torch::equal(resumed->alpha_normal, straight->alpha_normal));
  EXPECT_TRUE(torch::equal(resumed->alpha_reduce, straight->alpha_reduce));
  EXPECT_TRUE(torch::equal(resumed->beta_normal, straight->beta_normal));
  EXPECT_TRUE(torch::equal(resumed->beta_reduce, straight->beta_reduce));
  EXPECT_EQ(DartsGenomeToText(resumed->genome), DartsGenomeToText(straight->genome));
  EXPECT_TRUE(resumed->arch_bytes == straight->arch_bytes) << "the final architecture differs";
  EXPECT_EQ(resumed->valid_loss, straight->valid_loss);
  EXPECT_EQ(resumed->train_loss, straight->train_loss);
}

TEST_F(SupernetResumeTest, AStateOfAnotherSearchIsRefusedByName) {
  SupernetSearchOptions garbage = Options();
  garbage.resume_state = "not an archive";
  auto refused = RunSupernetSearch(*data_, garbage);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("supernet_search.resume_state: "));

  // A state of a wider supernet does not fit this one.
  SupernetSearchOptions wide = Options();
  wide.supernet.init_channels = 8;
  wide.save_resume_state = true;
  std::string state;
  wide.on_epoch = [&](const SupernetProgress& p) {
    state = p.resume_state;
    return false;
  };
  ASSERT_TRUE(absl::IsCancelled(RunSupernetSearch(*data_, wide).status()));
  SupernetSearchOptions narrow = Options();
  narrow.resume_state = state;
  refused = RunSupernetSearch(*data_, narrow);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("supernet_search.resume_state: "));
}

}  // namespace
}  // namespace nas
