#include "controller/search/objectives.h"

#include <cmath>
#include <functional>

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
      {{{"latency_ms", 2}},
       false,
       "objectives[0].metric: latency_ms needs a latency table, which only the tfnas space has"},
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

TEST(ObjectivesTest, CandidatesReportFlopsAndTfNasCandidatesLatencyByTheirTable) {
  v1::SearchSpec spec = TrainingSpec();
  Add(&spec, "flops", v1::Objective::MINIMIZE);
  EXPECT_TRUE(NormalizeObjectives(spec).ok());
  v1::SearchSpec tfnas = TrainingSpec();
  tfnas.mutable_space()->mutable_tfnas();
  Add(&tfnas, "latency_ms", v1::Objective::MINIMIZE);
  EXPECT_EQ(NormalizeObjectives(tfnas).message(),
            "objectives[0].metric: latency_ms needs latency_table_path: the table each "
            "candidate's latency is predicted by");
  tfnas.set_latency_table_path("/tables/cpu.json");
  EXPECT_TRUE(NormalizeObjectives(tfnas).ok());
  // A supernet search measures its derived cell's FLOPs, not its latency.
  v1::SearchSpec supernet = TrainingSpec();
  supernet.mutable_strategy()->mutable_supernet();
  Add(&supernet, "flops", v1::Objective::MINIMIZE);
  EXPECT_TRUE(NormalizeObjectives(supernet).ok());
  Add(&supernet, "latency_ms", v1::Objective::MINIMIZE);
  EXPECT_EQ(NormalizeObjectives(supernet).code(), absl::StatusCode::kInvalidArgument);
}

TEST(ObjectivesTest, ConstraintsAreCheckedAndNameTheirField) {
  struct Case {
    std::string name;
    std::function<void(v1::SearchSpec*)> change;
    std::string error;  // "" = valid.
  };
  const Case cases[] = {
      {"none", [](v1::SearchSpec*) {}, ""},
      {"size and flops",
       [](v1::SearchSpec* s) {
         s->mutable_constraints()->set_max_parameters(5000);
         s->mutable_constraints()->set_max_flops(1000000);
       },
       ""},
      {"negative size", [](v1::SearchSpec* s) { s->mutable_constraints()->set_max_parameters(-1); },
       "constraints.max_parameters: -1 must be >= 0"},
      {"negative flops", [](v1::SearchSpec* s) { s->mutable_constraints()->set_max_flops(-5); },
       "constraints.max_flops: -5 must be >= 0"},
      {"nan latency",
       [](v1::SearchSpec* s) { s->mutable_constraints()->set_max_latency_ms(std::nan("")); },
       "constraints.max_latency_ms: nan must be finite and >= 0"},
      {"latency without a table",
       [](v1::SearchSpec* s) { s->mutable_constraints()->set_max_latency_ms(3); },
       "constraints.max_latency_ms: latency_ms needs a latency table, which only the tfnas "
       "space has"},
      {"table lookups measure no size",
       [](v1::SearchSpec* s) {
         s->mutable_table_lookup()->set_table_path("t.csv");
         s->mutable_constraints()->set_max_parameters(10);
       },
       "constraints.max_parameters: parameter_count is not measured by table_lookup"},
      {"a supernet's derived cell",
       [](v1::SearchSpec* s) {
         s->mutable_strategy()->mutable_supernet();
         s->mutable_constraints()->set_max_parameters(10);
         s->mutable_constraints()->set_max_flops(1000);
       },
       ""},
      {"TF-NAS has its own latency target",
       [](v1::SearchSpec* s) {
         s->mutable_space()->mutable_tfnas();
         s->mutable_strategy()->mutable_tfnas();
         s->set_latency_table_path("/t.json");
         s->mutable_constraints()->set_max_latency_ms(3);
       },
       "constraints.max_latency_ms: latency_ms is not measured by supernet searches"},
      {"a table outside tfnas", [](v1::SearchSpec* s) { s->set_latency_table_path("/t.json"); },
       "latency_table_path: only the tfnas space has latency tables"},
  };
  for (const Case& c : cases) {
    v1::SearchSpec spec = TrainingSpec();
    c.change(&spec);
    const absl::Status s = ValidateConstraints(spec);
    if (c.error.empty()) {
      EXPECT_TRUE(s.ok()) << c.name << ": " << s;
    } else {
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.name;
      EXPECT_EQ(s.message().substr(0, c.error.size()), c.error) << c.name;
    }
  }
  v1::SearchSpec tfnas = TrainingSpec();
  tfnas.mutable_space()->mutable_tfnas();
  tfnas.set_latency_table_path("/tables/cpu.json");
  tfnas.mutable_constraints()->set_max_latency_ms(2.5);
  EXPECT_TRUE(ValidateConstraints(tfnas).ok());
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
