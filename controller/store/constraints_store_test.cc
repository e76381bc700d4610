// Constraints through the store against a real PostgreSQL: a result over a
// limit is recorded infeasible (whether or not its worker said so), takes no
// place in the population, is never a parent and counts towards the budget;
// a result that claims infeasibility in a search without constraints is
// refused and changes nothing.
#include "absl/strings/str_cat.h"
#include "controller/store/job_queue.h"
#include "controller/store/migrated_test_database.h"
#include "controller/store/search_store.h"
#include "controller/store/test_worker.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

class ConstraintsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::OpenMigratedDatabase(test_db_.dsn(), 2);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    searches_ = std::make_unique<SearchStore>(db_.get());
    queue_ = std::make_unique<JobQueue>(db_.get());
  }

  // Aging evolution, population 2, sample 2, over DARTS cells.
  static v1::SearchSpec Spec(int budget, const std::string& extra) {
    v1::SearchSpec spec;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
        absl::StrCat(R"pb(
          space { darts_cell { nodes: 2 } }
          strategy { aging_evolution { population_size: 2 sample_size: 2 } }
          training { epochs: 1 batch_size: 8 learning_rate: 0.1 init_channels: 4 cells: 1 }
          dataset { format: DIGITS_CSV path: "unused" validation_examples: 10 }
          seed: 3 lease_seconds: 60 max_attempts: 3
        )pb",
                     extra),
        &spec));
    spec.set_budget(budget);
    return spec;
  }

  // Leases the next job and reports `result` for it; the job, or nullopt.
  std::optional<v1::Job> Report(const v1::EvaluationResult& result, absl::Status* status) {
    auto job = queue_->LeaseJob(testing::TrainCandidateWorker());
    EXPECT_TRUE(job.ok() && job->has_value()) << job.status();
    if (!job.ok() || !job->has_value()) return std::nullopt;
    v1::ReportResultRequest r;
    r.set_worker_id("w1");
    r.set_job_id((*job)->job_id());
    r.set_attempt((*job)->attempt());
    *r.mutable_result() = result;
    *status = queue_->ReportResult(r).status();
    return **job;
  }

  static v1::EvaluationResult Measured(double fitness, int64_t parameters, double flops) {
    v1::EvaluationResult result;
    result.set_fitness(fitness);
    result.set_parameter_count(parameters);
    (*result.mutable_metrics())["flops"] = flops;
    return result;
  }

  v1::Individual Get(int64_t search_id, int64_t individual_id) {
    auto page = searches_->ListIndividuals(search_id, Page{100, ""});
    EXPECT_TRUE(page.ok()) << page.status();
    for (const v1::Individual& i : page->items) {
      if (i.id() == individual_id) return i;
    }
    ADD_FAILURE() << "no individual " << individual_id;
    return {};
  }

  testing::TestDatabase test_db_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SearchStore> searches_;
  std::unique_ptr<JobQueue> queue_;
};

TEST_F(ConstraintsStoreTest, OverTheLimitIsInfeasibleNeverAParentAndSpendsTheBudget) {
  auto search = searches_->CreateSearch(
      Spec(6, "constraints { max_parameters: 5000 max_flops: 100000 }"));
  ASSERT_TRUE(search.ok()) << search.status();
  absl::Status status;
  // The first is over by its size, as its worker said; the second over by
  // its FLOPs, which its worker did not say: the controller checks itself.
  v1::EvaluationResult said = Measured(0, 6000, 10);
  said.set_infeasible_reason("parameter_count 6000 > constraints.max_parameters 5000");
  const std::optional<v1::Job> big = Report(said, &status);
  ASSERT_TRUE(big.has_value() && status.ok()) << status;
  const std::optional<v1::Job> slow = Report(Measured(0.99, 100, 200000), &status);
  ASSERT_TRUE(slow.has_value() && status.ok()) << status;

  const v1::Individual b = Get(search->id(), big->individual_id());
  EXPECT_EQ(b.state(), v1::INDIVIDUAL_INFEASIBLE);
  EXPECT_EQ(b.failure_reason(), "parameter_count 6000 > constraints.max_parameters 5000");
  EXPECT_EQ(b.parameter_count(), 6000);
  EXPECT_FALSE(b.alive());
  const v1::Individual s = Get(search->id(), slow->individual_id());
  EXPECT_EQ(s.state(), v1::INDIVIDUAL_INFEASIBLE);
  EXPECT_EQ(s.failure_reason(), "flops 200000 > constraints.max_flops 100000");
  EXPECT_EQ(s.metrics().at("flops"), 200000);
  EXPECT_FALSE(s.alive());

  // Two births spent, nothing evaluated: the population is still empty, so
  // the strategy keeps sampling at random (no child of an infeasible one).
  auto got = searches_->GetSearch(search->id());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->evaluations_infeasible(), 2);
  EXPECT_EQ(got->evaluations_done(), 0);
  EXPECT_EQ(got->evaluations_failed(), 0);
  EXPECT_FALSE(got->has_best());

  // The rest feasible: every child's parent is one of them, and the search
  // ends after 6 births, 4 evaluations.
  std::set<int64_t> feasible;
  for (int i = 0; i < 4; ++i) {
    const std::optional<v1::Job> job = Report(Measured(0.5 + 0.1 * i, 1000, 50000), &status);
    ASSERT_TRUE(job.has_value() && status.ok()) << status;
    feasible.insert(job->individual_id());
  }
  auto page = searches_->ListIndividuals(search->id(), Page{100, ""});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 6u);
  for (const v1::Individual& i : page->items) {
    if (i.parent_id() != 0) EXPECT_TRUE(feasible.count(i.parent_id())) << i.DebugString();
  }
  got = searches_->GetSearch(search->id());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->state(), v1::SEARCH_SUCCEEDED);
  EXPECT_EQ(got->evaluations_done(), 4);
  EXPECT_EQ(got->evaluations_infeasible(), 2);
}

TEST_F(ConstraintsStoreTest, AClaimOfInfeasibilityWithoutConstraintsIsRefused) {
  auto search = searches_->CreateSearch(Spec(2, ""));
  ASSERT_TRUE(search.ok()) << search.status();
  v1::EvaluationResult claim = Measured(0.5, 100, 10);
  claim.set_infeasible_reason("too big");
  absl::Status status;
  const std::optional<v1::Job> job = Report(claim, &status);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("result.infeasible_reason: the search has no constraints"));
  const v1::Individual i = Get(search->id(), job->individual_id());
  EXPECT_EQ(i.state(), v1::INDIVIDUAL_PENDING);
  auto got = searches_->GetSearch(search->id());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->evaluations_infeasible(), 0);
  EXPECT_EQ(got->evaluations_done(), 0);
}

}  // namespace
}  // namespace nas
