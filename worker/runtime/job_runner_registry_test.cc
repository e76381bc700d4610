#include "worker/runtime/job_runner_registry.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

// Reports the device it was made for as its fitness's metric.
class FakeRunner : public JobRunner {
 public:
  explicit FakeRunner(std::string device) : device_(std::move(device)) {}
  absl::StatusOr<v1::EvaluationResult> Run(const v1::Job&, const ProgressFn&) override {
    v1::EvaluationResult result;
    (*result.mutable_metrics())[device_] = 1;
    return result;
  }

 private:
  const std::string device_;
};

JobRunnerRegistration Fake(v1::JobKind kind, const std::string& name) {
  return {kind, name, "a fake " + name, [](const JobRunnerContext& context) {
            return std::make_unique<FakeRunner>(context.device);
          }};
}

class JobRunnerRegistryTest : public ::testing::Test {
 protected:
  // Registered out of kind order, as the linker may run registrars.
  void SetUp() override {
    ASSERT_TRUE(registry.Register(Fake(v1::TABLE_LOOKUP, "table_lookup")).ok());
    ASSERT_TRUE(registry.Register(Fake(v1::TRAIN_CANDIDATE, "train_candidate")).ok());
  }

  JobRunnerRegistry registry;
};

TEST_F(JobRunnerRegistryTest, ListsKindsInJobKindOrder) {
  EXPECT_EQ(registry.Names(), "train_candidate, table_lookup");
  EXPECT_EQ(registry.Describe(),
            "  train_candidate  a fake train_candidate\n"
            "  table_lookup     a fake table_lookup\n");
}

TEST_F(JobRunnerRegistryTest, MakesTheNamedKindsWithTheContext) {
  JobRunnerContext context;
  context.device = "cuda:1";
  auto runners = registry.Make(" table_lookup ,", context);
  ASSERT_TRUE(runners.ok()) << runners.status();
  ASSERT_EQ(runners->size(), 1u);
  auto result = runners->at(v1::TABLE_LOOKUP)->Run(v1::Job(), [](double) { return true; });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->metrics().count("cuda:1"), 1u);
}

TEST_F(JobRunnerRegistryTest, AllIsEveryRegisteredKind) {
  auto runners = registry.Make("all,table_lookup", JobRunnerContext());
  ASSERT_TRUE(runners.ok()) << runners.status();
  EXPECT_EQ(runners->size(), 2u);
}

TEST_F(JobRunnerRegistryTest, UnknownOrNoKindIsAnErrorListingTheKnownOnes) {
  auto unknown = registry.Make("train_candidate,warp_drive", JobRunnerContext());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(),
              HasSubstr("unknown job kind 'warp_drive'; known: train_candidate, table_lookup"));
  auto none = registry.Make(" , ", JobRunnerContext());
  EXPECT_THAT(none.status().message(), HasSubstr("must name at least one job kind"));
}

TEST_F(JobRunnerRegistryTest, RefusesASecondRunnerForAKindOrName) {
  EXPECT_EQ(registry.Register(Fake(v1::TABLE_LOOKUP, "other")).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.Register(Fake(v1::MEASURE_LATENCY, "table_lookup")).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.Register({v1::MEASURE_LATENCY, "measure_latency", "", nullptr}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.Names(), "train_candidate, table_lookup");
}

}  // namespace
}  // namespace nas
