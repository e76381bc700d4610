#include "worker/tfnas/search.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/tfnas/latency_target.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

class TfNasSearchTest : public ::testing::Test {
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
    // A table measured here, on this machine's CPU, for the tiny space.
    space_ = new TfNasSpace(*MakeTfNasSpace(SpaceOptions()));
    LatencyMeasureOptions m;
    m.warmup = 1;
    m.repeats = 3;
    m.width_stride = 8;
    auto table = MeasureLatencyTable(*space_, torch::kCPU, m);
    ASSERT_TRUE(table.ok()) << table.status();
    table_ = new LatencyTable(*std::move(table));
    const SpaceLatencies lat = *SpaceLatencies::Create(*space_, *table_);
    min_ms_ = lat.Predict(lat.Fastest());
    max_ms_ = lat.Predict(lat.Slowest());
  }
  static void TearDownTestSuite() {
    delete data_;
    delete space_;
    delete table_;
  }

  static TfNasSpaceOptions SpaceOptions() {
    TfNasSpaceOptions o;
    o.image_size = 8;
    o.width_multiplier = 0.25;
    o.max_layers_per_stage = 2;
    return o;
  }

  static TfNasSearchOptions Tiny(double target_ms) {
    TfNasSearchOptions o;
    o.space = SpaceOptions();
    o.latency_table = *table_;
    o.target_ms = target_ms;
    o.epochs = 4;
    o.warmup_epochs = 1;
    o.batch_size = 32;  // 4 weight steps an epoch.
    o.weight_learning_rate = 0.1;
    o.arch_learning_rate = 3e-2;
    o.measure.warmup = 1;
    o.measure.repeats = 5;
    o.seed = 3;
    return o;
  }

  static void ExpectMeetsTarget(double target_ms) {
    int epochs_seen = 0;
    TfNasSearchOptions o = Tiny(target_ms);
    o.on_epoch = [&](const TfNasProgress& p) {
      ++epochs_seen;
      EXPECT_EQ(p.epoch, epochs_seen);
      auto g = ParseTfNasGenome(p.genome);
      EXPECT_TRUE(g.ok()) << p.genome;
      EXPECT_LE(p.predicted_ms, target_ms);
      EXPECT_GT(p.expected_ms, 0);
      return true;
    };
    std::vector<double> fractions;
    o.on_step = [&](double done) {
      fractions.push_back(done);
      return true;
    };
    auto outcome = RunTfNasSearch(*data_, o);
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    EXPECT_EQ(epochs_seen, 4);
    ASSERT_EQ(fractions.size(), 16u);  // 4 weight steps x 4 epochs.
    EXPECT_TRUE(std::is_sorted(fractions.begin(), fractions.end()));
    EXPECT_DOUBLE_EQ(fractions[3], 0.25);
    EXPECT_DOUBLE_EQ(fractions.back(), 1.0);
    EXPECT_TRUE(ValidateGenomeInSpace(outcome->space, outcome->genome).ok());
    EXPECT_LE(outcome->predicted_ms, target_ms);
    EXPECT_DOUBLE_EQ(outcome->predicted_ms,
                     *PredictLatency(*table_, outcome->space, outcome->genome));
    EXPECT_GT(outcome->measured_ms, 0);
    EXPECT_GT(outcome->train_accuracy, 0.15);  // Chance is 0.1.
    std::vector<torch::Tensor> arch;
    std::istringstream in(outcome->arch_bytes);
    torch::load(arch, in);
    EXPECT_EQ(arch.size(), 6u + 11u);  // 11 layer positions, 6 stages.
    std::cout << "target " << target_ms << " ms (space " << min_ms_ << ".." << max_ms_
              << "): " << TfNasGenomeToText(outcome->genome) << " predicted "
              << outcome->predicted_ms << " ms (plain " << outcome->plain_predicted_ms
              << "), measured " << outcome->measured_ms << " ms, repairs "
              << outcome->repairs.size() << ", train acc " << outcome->train_accuracy
              << " valid acc " << outcome->valid_accuracy << ", " << outcome->seconds << " s\n";
  }

  static TrainValidationSplit* data_;
  static TfNasSpace* space_;
  static LatencyTable* table_;
  static double min_ms_, max_ms_;
};

TrainValidationSplit* TfNasSearchTest::data_ = nullptr;
TfNasSpace* TfNasSearchTest::space_ = nullptr;
LatencyTable* TfNasSearchTest::table_ = nullptr;
double TfNasSearchTest::min_ms_ = 0;
double TfNasSearchTest::max_ms_ = 0;

TEST_F(TfNasSearchTest, TightTargetIsMetStrictly) {
  ExpectMeetsTarget(min_ms_ + 0.1 * (max_ms_ - min_ms_));
}

TEST_F(TfNasSearchTest, LooseTargetIsMetStrictly) {
  ExpectMeetsTarget(min_ms_ + 0.6 * (max_ms_ - min_ms_));
}

TEST_F(TfNasSearchTest, TargetBelowTheMinimumFailsBeforeTraining) {
  TfNasSearchOptions o = Tiny(min_ms_ * 0.9);
  o.on_epoch = [](const TfNasProgress&) {
    ADD_FAILURE() << "trained";
    return true;
  };
  auto outcome = RunTfNasSearch(*data_, o);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(outcome.status().message()), HasSubstr("below the minimum achievable"));
}

TEST_F(TfNasSearchTest, CallbackCancels) {
  TfNasSearchOptions o = Tiny(max_ms_);
  o.on_epoch = [](const TfNasProgress&) { return false; };
  EXPECT_EQ(RunTfNasSearch(*data_, o).status().code(), absl::StatusCode::kCancelled);
}

TEST_F(TfNasSearchTest, StepCallbackStopsWithinTheEpoch) {
  TfNasSearchOptions o = Tiny(max_ms_);
  int steps = 0;
  o.on_step = [&](double) { return ++steps < 2; };
  o.on_epoch = [](const TfNasProgress&) {
    ADD_FAILURE() << "an epoch ended after the search was told to stop";
    return true;
  };
  const auto outcome = RunTfNasSearch(*data_, o);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kCancelled) << outcome.status();
  EXPECT_EQ(steps, 2);
}

// Augmented weight batches: the search still meets its target, on other
// batches than without augmentation.
TEST_F(TfNasSearchTest, AugmentedSearchMeetsTheTargetOnOtherBatches) {
  TfNasSearchOptions o = Tiny(max_ms_);
  o.epochs = 2;
  const auto plain = RunTfNasSearch(*data_, o);
  o.augmentation = {1, false, 2};
  const auto augmented = RunTfNasSearch(*data_, o);
  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_TRUE(augmented.ok()) << augmented.status();
  EXPECT_LE(augmented->predicted_ms, max_ms_);
  EXPECT_NE(augmented->train_loss, plain->train_loss);
}

TEST_F(TfNasSearchTest, RejectsBadOptionsAndIncompleteTables) {
  TfNasSearchOptions o = Tiny(max_ms_);
  o.warmup_epochs = 4;
  EXPECT_THAT(std::string(RunTfNasSearch(*data_, o).status().message()),
              HasSubstr("tfnas_search.warmup_epochs"));
  o = Tiny(-1);
  EXPECT_THAT(std::string(RunTfNasSearch(*data_, o).status().message()),
              HasSubstr("tfnas_search.target_ms"));
  o = Tiny(max_ms_);
  o.latency_table.blocks.erase(o.latency_table.blocks.begin());
  EXPECT_EQ(RunTfNasSearch(*data_, o).status().code(), absl::StatusCode::kNotFound);
  o = Tiny(max_ms_);
  o.augmentation.cutout_length = -3;
  EXPECT_THAT(std::string(RunTfNasSearch(*data_, o).status().message()),
              HasSubstr("dataset.augmentation.cutout_length: -3 must be >= 0"));
}

}  // namespace
}  // namespace nas
