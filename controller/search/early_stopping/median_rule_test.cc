#include "controller/search/early_stopping/median_rule.h"

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

v1::MedianStopping Rule(int min_epochs, int min_candidates) {
  v1::MedianStopping rule;
  rule.set_min_epochs(min_epochs);
  rule.set_min_candidates(min_candidates);
  return rule;
}

TEST(MedianTest, OddAndEvenCounts) {
  EXPECT_DOUBLE_EQ(Median({0.3}), 0.3);
  EXPECT_DOUBLE_EQ(Median({0.9, 0.1, 0.5}), 0.5);
  EXPECT_DOUBLE_EQ(Median({0.9, 0.1, 0.5, 0.7}), 0.6);
  EXPECT_DOUBLE_EQ(Median({0.2, 0.2, 0.2, 0.8}), 0.2);
}

TEST(MedianStopDecisionTest, StopsBelowTheMedianWithTheReason) {
  const EpochStanding standing{2, 5, 0.41, {0.5, 0.63, 0.7, 0.2, 0.9, 0.65, 0.6}};
  const auto reason = MedianStopDecision(Rule(1, 5), standing);
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(*reason,
            "stopped early at epoch 2/5: valid_accuracy 0.4100 < median 0.6300 of 7 earlier "
            "candidates");
}

TEST(MedianStopDecisionTest, GoesOnAtOrAboveTheMedian) {
  EXPECT_FALSE(MedianStopDecision(Rule(1, 3), {2, 5, 0.63, {0.5, 0.63, 0.7}}).has_value());
  EXPECT_FALSE(MedianStopDecision(Rule(1, 3), {2, 5, 0.95, {0.5, 0.63, 0.7}}).has_value());
  EXPECT_TRUE(MedianStopDecision(Rule(1, 3), {2, 5, 0.62, {0.5, 0.63, 0.7}}).has_value());
}

TEST(MedianStopDecisionTest, NotBeforeMinEpochsNorAtTheLastEpoch) {
  const std::vector<double> earlier = {0.8, 0.9, 0.85};
  EXPECT_FALSE(MedianStopDecision(Rule(3, 3), {2, 5, 0.1, earlier}).has_value());
  EXPECT_TRUE(MedianStopDecision(Rule(3, 3), {3, 5, 0.1, earlier}).has_value());
  EXPECT_FALSE(MedianStopDecision(Rule(1, 3), {5, 5, 0.1, earlier}).has_value());
}

TEST(MedianStopDecisionTest, NotBeforeMinCandidatesReported) {
  EXPECT_FALSE(MedianStopDecision(Rule(1, 4), {1, 5, 0.1, {0.8, 0.9, 0.85}}).has_value());
  EXPECT_TRUE(MedianStopDecision(Rule(1, 4), {1, 5, 0.1, {0.8, 0.9, 0.85, 0.7}}).has_value());
  EXPECT_FALSE(MedianStopDecision(Rule(1, 1), {1, 5, 0.1, {}}).has_value());
}

v1::SearchSpec Spec(const std::string& text) {
  v1::SearchSpec spec;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &spec)) << text;
  return spec;
}

constexpr char kBase[] =
    "strategy { aging_evolution { population_size: 4 sample_size: 2 } } "
    "training { epochs: 5 } ";

TEST(ValidateEarlyStoppingTest, FillsDefaults) {
  v1::SearchSpec spec = Spec(std::string(kBase) + "early_stopping { median_stopping {} }");
  ASSERT_TRUE(ValidateAndNormalizeEarlyStopping(&spec).ok());
  EXPECT_EQ(spec.early_stopping().median_stopping().min_epochs(), 1);
  EXPECT_EQ(spec.early_stopping().median_stopping().min_candidates(), 3);
  v1::SearchSpec none = Spec(kBase);
  EXPECT_TRUE(ValidateAndNormalizeEarlyStopping(&none).ok());
  EXPECT_FALSE(none.has_early_stopping());
}

TEST(ValidateEarlyStoppingTest, NamesTheFieldAndChangesNothing) {
  const struct {
    std::string text;
    std::string message;
  } cases[] = {
      {std::string(kBase) + "early_stopping { median_stopping { min_epochs: 5 } }",
       "early_stopping.median_stopping.min_epochs: 5 must be in 1..training.epochs - 1 (4)"},
      {std::string(kBase) + "early_stopping { median_stopping { min_epochs: -1 } }",
       "early_stopping.median_stopping.min_epochs: -1"},
      {std::string(kBase) + "early_stopping { median_stopping { min_candidates: -2 } }",
       "early_stopping.median_stopping.min_candidates: -2 must be in 1..100000"},
      {std::string(kBase) + "early_stopping {}", "early_stopping: must name a rule"},
      {"strategy { nash {} } training { epochs: 5 } early_stopping { median_stopping {} }",
       "early_stopping: needs a strategy that trains many candidates"},
      {"strategy { random {} } table_lookup {} early_stopping { median_stopping {} }",
       "early_stopping: needs training"},
  };
  for (const auto& c : cases) {
    v1::SearchSpec spec = Spec(c.text);
    const v1::SearchSpec before = spec;
    const absl::Status status = ValidateAndNormalizeEarlyStopping(&spec);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.message)) << c.text;
    EXPECT_EQ(spec.SerializeAsString(), before.SerializeAsString()) << c.text;
  }
}

}  // namespace
}  // namespace nas
