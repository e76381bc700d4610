#include "controller/cli/front_output.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

v1::SearchSpec TwoObjectives() {
  v1::SearchSpec spec;
  v1::Objective* accuracy = spec.add_objectives();
  accuracy->set_metric("fitness");
  accuracy->set_goal(v1::Objective::MAXIMIZE);
  v1::Objective* size = spec.add_objectives();
  size->set_metric("parameter_count");
  size->set_goal(v1::Objective::MINIMIZE);
  return spec;
}

google::protobuf::RepeatedPtrField<v1::Individual> Front() {
  google::protobuf::RepeatedPtrField<v1::Individual> front;
  v1::Individual* a = front.Add();
  a->set_id(7);
  a->set_birth_order(2);
  a->add_objective_values(0.91);
  a->add_objective_values(120345);
  a->mutable_architecture()->set_text("normal: a, b");
  v1::Individual* b = front.Add();
  b->set_id(9);
  b->set_birth_order(4);
  b->add_objective_values(0.5);
  b->add_objective_values(800);
  b->mutable_architecture()->set_text("small");
  return front;
}

TEST(FrontOutputTest, TextHasAColumnPerObjective) {
  const std::string text = FrontText(TwoObjectives(), Front());
  EXPECT_THAT(text, HasSubstr("2 non-dominated by maximize fitness, minimize parameter_count:"));
  EXPECT_THAT(text, HasSubstr("max fitness"));
  EXPECT_THAT(text, HasSubstr("min parameter_count"));
  EXPECT_THAT(text, HasSubstr("0.9100"));
  EXPECT_THAT(text, HasSubstr("120345"));
  EXPECT_THAT(text, HasSubstr("normal: a, b"));
}

TEST(FrontOutputTest, CsvHeadsObjectivesByGoalAndKeepsExactValues) {
  EXPECT_EQ(FrontCsv(TwoObjectives(), Front()),
            "id,birth_order,maximize:fitness,minimize:parameter_count,architecture\n"
            "7,2,0.91,120345,\"normal: a, b\"\n"
            "9,4,0.5,800,small\n");
}

TEST(FrontOutputTest, NoObjectivesMeansFitness) {
  EXPECT_EQ(FrontCsv(v1::SearchSpec(), {}), "id,birth_order,maximize:fitness,architecture\n");
  EXPECT_EQ(FrontText(v1::SearchSpec(), {}), "no evaluated individual yet\n");
}

}  // namespace
}  // namespace nas
