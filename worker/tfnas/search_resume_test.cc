// A TF-NAS search stopped after an epoch and resumed from the state it took
// then ends bit-equal to one that ran through (CPU, fixed seed): weights,
// architecture parameters, fitted widths, temperature, optimisers and draws
// all carry over.
#include <cstdlib>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/tfnas/latency_target.h"
#include "worker/tfnas/search.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

class TfNasResumeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* dir = std::getenv("NAS_SHARED_DATA");
    ASSERT_NE(dir, nullptr) << "NAS_SHARED_DATA is not set: bazel test "
                               "--test_env=NAS_SHARED_DATA=<absolute path of ../shared/data>";
    auto all = LoadDigitsCsv(std::string(dir) + "/digits/digits.csv.gz");
    ASSERT_TRUE(all.ok()) << all.status();
    auto split = SplitTrainValidation(*all, 200, 256, /*seed=*/7);
    ASSERT_TRUE(split.ok()) << split.status();
    data_ = new TrainValidationSplit(*std::move(split));
    const TfNasSpace space = *MakeTfNasSpace(SpaceOptions());
    LatencyMeasureOptions m;
    m.warmup = 1;
    m.repeats = 3;
    m.width_stride = 8;
    auto table = MeasureLatencyTable(space, torch::kCPU, m);
    ASSERT_TRUE(table.ok()) << table.status();
    table_ = new LatencyTable(*std::move(table));
    const SpaceLatencies lat = *SpaceLatencies::Create(space, *table_);
    // Between the fastest and the slowest: the widths get fitted.
    target_ms_ = lat.Predict(lat.Fastest()) +
                 0.3 * (lat.Predict(lat.Slowest()) - lat.Predict(lat.Fastest()));
  }
  static void TearDownTestSuite() {
    delete data_;
    delete table_;
  }

  static TfNasSpaceOptions SpaceOptions() {
    TfNasSpaceOptions o;
    o.image_size = 8;
    o.width_multiplier = 0.25;
    o.max_layers_per_stage = 2;
    return o;
  }

  static TfNasSearchOptions Options() {
    TfNasSearchOptions o;
    o.space = SpaceOptions();
    o.latency_table = *table_;
    o.target_ms = target_ms_;
    o.epochs = 5;
    o.warmup_epochs = 1;
    o.batch_size = 32;
    o.weight_learning_rate = 0.1;
    o.arch_learning_rate = 3e-2;
    o.measure.warmup = 1;
    o.measure.repeats = 1;
    o.augmentation.crop_padding = 1;
    o.augmentation.horizontal_flip = true;
    o.seed = 4;
    return o;
  }

  static TrainValidationSplit* data_;
  static LatencyTable* table_;
  static double target_ms_;
};

TrainValidationSplit* TfNasResumeTest::data_ = nullptr;
LatencyTable* TfNasResumeTest::table_ = nullptr;
double TfNasResumeTest::target_ms_ = 0;

TEST_F(TfNasResumeTest, AResumedSearchEndsBitEqualToAnUninterruptedOne) {
  std::vector<double> straight_temperatures;
  TfNasSearchOptions through = Options();
  through.on_epoch = [&](const TfNasProgress& p) {
    straight_temperatures.push_back(p.temperature);
    return true;
  };
  auto straight = RunTfNasSearch(*data_, through);
  ASSERT_TRUE(straight.ok()) << straight.status();

  // Stopped after epoch 3 (two epochs past warm-up: widths fitted, the
  // temperature decayed).
  TfNasSearchOptions first = Options();
  first.save_resume_state = true;
  std::string state;
  first.on_epoch = [&](const TfNasProgress& p) {
    EXPECT_FALSE(p.resume_state.empty()) << "epoch " << p.epoch;
    state = p.resume_state;
    return p.epoch < 3;
  };
  ASSERT_TRUE(absl::IsCancelled(RunTfNasSearch(*data_, first).status()));

  TfNasSearchOptions second = Options();
  second.resume_state = state;
  std::vector<int> epochs;
  std::vector<double> temperatures;
  second.on_epoch = [&](const TfNasProgress& p) {
    epochs.push_back(p.epoch);
    temperatures.push_back(p.temperature);
    return true;
  };
  auto resumed = RunTfNasSearch(*data_, second);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(epochs, (std::vector<int>{4, 5}));
  EXPECT_EQ(temperatures,
            (std::vector<double>{straight_temperatures[3], straight_temperatures[4]}));
  EXPECT_TRUE(resumed->arch_bytes == straight->arch_bytes) << "the final architecture differs";
  EXPECT_EQ(TfNasGenomeToText(resumed->genome), TfNasGenomeToText(straight->genome));
  EXPECT_EQ(resumed->predicted_ms, straight->predicted_ms);
  EXPECT_EQ(resumed->valid_loss, straight->valid_loss);
  EXPECT_EQ(resumed->train_loss, straight->train_loss);
}

TEST_F(TfNasResumeTest, AStateThatIsNoneIsRefusedByName) {
  TfNasSearchOptions garbage = Options();
  garbage.resume_state = "not an archive";
  auto refused = RunTfNasSearch(*data_, garbage);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("tfnas_search.resume_state: "));
}

}  // namespace
}  // namespace nas
