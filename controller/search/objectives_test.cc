#include "controller/search/objectives.h"

#include "gtest/gtest.h"

namespace nas {
namespace {

v1::SearchSpec TrainingSpec() {
  v1::SearchSpec spec;
  spec.mutable_training()->set_epochs(1);
  return spec;
}

void Add(v1::SearchSpec* spec, const std::string& metric, v1::Objective::Goal goal) {
  v1::Objective* o = spec->add_objectives();
  o->set_metric(metric);
  o->set_goal(goal);
}

TEST(ObjectivesTest, EmptyMeansMaximizeFitness) {
  v1::SearchSpec spec = TrainingSpec();
  ASSERT_TRUE(NormalizeObjectives(spec).ok());
  const std::vector<v1::Objective> o = EffectiveObjectives(spec);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(DescribeObjectives(o), "maximize fitness");
}

TEST(ObjectivesTest, UnspecifiedGoalBecomesMaximize) {
  v1::SearchSpec spec = TrainingSpec();
  Add(&spec, "valid_accuracy", v1::Objective::GOAL_UNSPECIFIED);
  Add(&spec, "parameter_count", v1::Objective::MINIMIZE);
  ASSERT_TRUE(NormalizeObjectives(spec).ok());
  EXPECT_EQ(DescribeObjectives(EffectiveObjectives(spec)),
            "maximize valid_accuracy, minimize parameter_count");
}

TEST(ObjectivesTest, BadObjectivesNameTheFieldAndChangeNothing) {
  struct Case {
    std::vector<std::pair<std::string, int>> objectives;
    bool table_lookup;
    std::string error;
  };
  const Case cases[] = {
      {{{"accuracy", 1}}, false, "objectives[0].metric: 'accuracy' is not an objective"},
      {{{"fitness", 1}, {"valid_accuracy", 2}},
       false,
       "objectives[1].metric: 'valid_accuracy' is already an objective"},
      {{{"fitness", 7}}, false, "objectives[0].goal: 7 is not a goal"},
      {{{"fitness", 1}, {"parameter_count", 2}},
       true,
       "objectives[1].metric: parameter_count is not measured by table_lookup"},
      {{{"flops", 2}}, false, "objectives[0].metric: flops is not reported"},
      {{{"fitness", 1}, {"parameter_count", 2}, {"fitness", 1}, {"flops", 1}, {"latency_ms", 1}},
       false,
       "objectives: 5 objectives; at most 4"},
  };
  for (const Case& c : cases) {
    v1::SearchSpec spec = TrainingSpec();
    if (c.table_lookup) spec.mutable_table_lookup()->set_table_path("t.csv");
    for (const auto& [metric, goal] : c.objectives) {
      Add(&spec, metric, static_cast<v1::Objective::Goal>(goal));
    }
    const v1::SearchSpec before = spec;
    const absl::Status s = NormalizeObjectives(spec);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.error;
    EXPECT_NE(s.message().find(c.error), std::string::npos) << s.message();
    EXPECT_EQ(spec.SerializeAsString(), before.SerializeAsString());
  }
}

TEST(ObjectivesTest, ValuesComeFromTheResultAndScoresNegateMinimized) {
  v1::SearchSpec spec = TrainingSpec();
  Add(&spec, "parameter_count", v1::Objective::MINIMIZE);
  Add(&spec, "fitness", v1::Objective::MAXIMIZE);
  const std::vector<v1::Objective> o = EffectiveObjectives(spec);
  google::protobuf::Map<std::string, double> metrics;
  auto values = ObjectiveValues(o, 0.75, 1200, metrics);
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, (std::vector<double>{1200, 0.75}));
  EXPECT_EQ(ObjectiveScores(o, *values), (std::vector<double>{-1200, 0.75}));
}

TEST(ObjectivesTest, AMetricObjectiveNeedsTheMetricInTheResult) {
  v1::Objective flops;
  flops.set_metric("flops");
  flops.set_goal(v1::Objective::MINIMIZE);
  google::protobuf::Map<std::string, double> metrics;
  auto missing = ObjectiveValues({flops}, 0.5, 10, metrics);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("needs a finite metric 'flops'"), std::string::npos);
  metrics["flops"] = 3e6;
  auto found = ObjectiveValues({flops}, 0.5, 10, metrics);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, (std::vector<double>{3e6}));
}

}  // namespace
}  // namespace nas
