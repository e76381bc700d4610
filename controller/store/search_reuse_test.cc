// Extending, resuming and retrying searches, and warm-starting one from
// another, against a real PostgreSQL and the real queue.
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
using ::testing::StartsWith;

class SearchReuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::OpenMigratedDatabase(test_db_.dsn(), 4);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    searches_ = std::make_unique<SearchStore>(db_.get());
    queue_ = std::make_unique<JobQueue>(db_.get());
  }

  static v1::SearchSpec Spec(const std::string& strategy, int budget, int max_attempts = 3) {
    v1::SearchSpec spec;
    google::protobuf::TextFormat::ParseFromString(
        absl::StrCat(R"pb(space { darts_cell { nodes: 2 } }
                          strategy {)pb",
                     strategy, R"pb(}
                                    training { epochs: 1 batch_size: 8 learning_rate: 0.1 init_channels: 4 cells: 1 }
          dataset { format: DIGITS_CSV path: "unused" validation_examples: 10 }
          seed: 3 lease_seconds: 60)pb"),
        &spec);
    spec.set_budget(budget);
    spec.set_max_attempts(max_attempts);
    return spec;
  }

  v1::Job Lease() {
    auto job = queue_->LeaseJob(testing::TrainCandidateWorker());
    EXPECT_TRUE(job.ok() && job->has_value()) << job.status();
    return job.ok() ? job->value_or(v1::Job()) : v1::Job();
  }

  absl::Status Report(const v1::Job& job, double fitness) {
    v1::ReportResultRequest r;
    r.set_worker_id("w1");
    r.set_job_id(job.job_id());
    r.set_attempt(job.attempt());
    r.mutable_result()->set_fitness(fitness);
    r.mutable_result()->set_parameter_count(1000);
    (*r.mutable_result()->mutable_metrics())["train_loss"] = 1 - fitness;
    return queue_->ReportResult(r).status();
  }

  absl::Status Fail(const v1::Job& job) {
    v1::ReportResultRequest r;
    r.set_worker_id("w1");
    r.set_job_id(job.job_id());
    r.set_attempt(job.attempt());
    r.mutable_failure()->set_reason("non-finite loss at step 3");
    return queue_->ReportResult(r).status();
  }

  // Leases and reports until nothing is left to lease; returns how many.
  int RunToEnd(double fitness = 0.5) {
    int n = 0;
    for (;;) {
      auto job = queue_->LeaseJob(testing::TrainCandidateWorker());
      EXPECT_TRUE(job.ok()) << job.status();
      if (!job.ok() || !job->has_value()) return n;
      EXPECT_TRUE(Report(**job, fitness + 0.01 * n).ok());
      ++n;
    }
  }

  v1::Search Get(int64_t id) { return *searches_->GetSearch(id); }

  testing::TestDatabase test_db_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SearchStore> searches_;
  std::unique_ptr<JobQueue> queue_;
};

TEST_F(SearchReuseTest, ExtendRaisesTheBudgetAndRunsAFinishedSearchOn) {
  const int64_t id = searches_->CreateSearch(Spec("random {}", 2))->id();
  EXPECT_EQ(RunToEnd(), 2);
  ASSERT_EQ(Get(id).state(), v1::SEARCH_SUCCEEDED);

  auto extended = searches_->ExtendSearch(id, 5);
  ASSERT_TRUE(extended.ok()) << extended.status();
  EXPECT_EQ(extended->state(), v1::SEARCH_RUNNING);
  EXPECT_EQ(extended->spec().budget(), 5);
  EXPECT_GT(extended->jobs_in_flight(), 0);
  EXPECT_EQ(RunToEnd(), 3);
  const v1::Search done = Get(id);
  EXPECT_EQ(done.state(), v1::SEARCH_SUCCEEDED);
  EXPECT_EQ(done.evaluations_done(), 5);

  auto same = searches_->ExtendSearch(id, 5);
  EXPECT_EQ(same.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(same.status().message(),
            "budget: 5 must be larger than the current budget (5) and at most 100000");
  EXPECT_EQ(Get(id).spec().budget(), 5) << "a refused extension changes nothing";
  EXPECT_EQ(searches_->ExtendSearch(999, 9).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SearchReuseTest, ExtendHonoursTheStrategysOwnBudgetRuleAndRefusesACancelledSearch) {
  v1::SearchSpec supernet = Spec("supernet { method: DARTS epochs: 1 }", 1);
  const int64_t fixed = searches_->CreateSearch(supernet)->id();
  auto refused = searches_->ExtendSearch(fixed, 2);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), StartsWith("budget: 2 must be 1"));

  const int64_t id = searches_->CreateSearch(Spec("random {}", 2))->id();
  ASSERT_TRUE(searches_->CancelSearch(id).ok());
  auto cancelled = searches_->ExtendSearch(id, 4);
  EXPECT_EQ(cancelled.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(cancelled.status().message()), HasSubstr("resume it"));
}

TEST_F(SearchReuseTest, ResumeQueuesWhatTheCancelLeftAndFencesTheOldLease) {
  const int64_t id = searches_->CreateSearch(Spec("random {}", 3))->id();
  ASSERT_TRUE(Report(Lease(), 0.4).ok());
  const v1::Job interrupted = Lease();  // Leased when the cancel comes.
  ASSERT_TRUE(searches_->CancelSearch(id).ok());
  EXPECT_EQ(searches_->ResumeSearch(id + 1000).status().code(), absl::StatusCode::kNotFound);

  auto resumed = searches_->ResumeSearch(id);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->state(), v1::SEARCH_RUNNING);
  EXPECT_EQ(resumed->evaluations_done(), 1);
  // The lease from before the cancel is gone: its report is refused.
  EXPECT_EQ(Report(interrupted, 0.9).code(), absl::StatusCode::kFailedPrecondition);
  const v1::Job again = Lease();
  EXPECT_EQ(again.individual_id(), interrupted.individual_id());
  EXPECT_GT(again.attempt(), interrupted.attempt());
  ASSERT_TRUE(Report(again, 0.6).ok());
  EXPECT_EQ(RunToEnd(), 1);
  const v1::Search done = Get(id);
  EXPECT_EQ(done.state(), v1::SEARCH_SUCCEEDED);
  EXPECT_EQ(done.evaluations_done(), 3);

  auto twice = searches_->ResumeSearch(id);
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(twice.status().message(),
            absl::StrCat("search ", id, " is succeeded; only a cancelled search resumes"));
}

TEST_F(SearchReuseTest, RetryEvaluatesAFailedIndividualAgainWithFreshAttempts) {
  const int64_t id = searches_->CreateSearch(Spec("random {}", 1, /*max_attempts=*/1))->id();
  const v1::Job first = Lease();
  ASSERT_TRUE(Fail(first).ok());
  v1::Search failed = Get(id);
  ASSERT_EQ(failed.state(), v1::SEARCH_SUCCEEDED);
  ASSERT_EQ(failed.evaluations_failed(), 1);

  auto retried = searches_->RetryIndividual(first.individual_id());
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->state(), v1::INDIVIDUAL_PENDING);
  EXPECT_EQ(retried->failure_reason(), "");
  EXPECT_EQ(Get(id).state(), v1::SEARCH_RUNNING);
  EXPECT_EQ(Get(id).evaluations_failed(), 0);
  const v1::Job second = Lease();  // max_attempts 1 was spent: a fresh one.
  EXPECT_EQ(second.individual_id(), first.individual_id());
  ASSERT_TRUE(Report(second, 0.7).ok());
  const v1::Search done = Get(id);
  EXPECT_EQ(done.state(), v1::SEARCH_SUCCEEDED);
  EXPECT_EQ(done.evaluations_done(), 1);
  EXPECT_DOUBLE_EQ(done.best().fitness(), 0.7);

  auto evaluated = searches_->RetryIndividual(first.individual_id());
  EXPECT_EQ(evaluated.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(evaluated.status().message()),
              HasSubstr("only a failed individual is retried"));
  EXPECT_EQ(searches_->RetryIndividual(999999).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SearchReuseTest, WarmStartTakesTheBestMembersWithoutEvaluatingThem) {
  const std::string ae = "aging_evolution { population_size: 3 sample_size: 2 }";
  const int64_t earlier = searches_->CreateSearch(Spec(ae, 4))->id();
  std::vector<double> fitness = {0.2, 0.9, 0.5, 0.7};
  std::map<double, std::string> genome_of;
  for (double f : fitness) {
    const v1::Job job = Lease();
    genome_of[f] = job.architecture().text();
    ASSERT_TRUE(Report(job, f).ok());
  }
  v1::SearchSpec spec = Spec(ae, 5);
  spec.mutable_warm_start()->set_search_id(earlier);
  spec.mutable_warm_start()->set_count(2);
  auto created = searches_->CreateSearch(spec);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->evaluations_done(), 2);
  EXPECT_DOUBLE_EQ(created->best().fitness(), 0.9);
  auto members = searches_->ListIndividuals(created->id(), {10, ""});
  ASSERT_TRUE(members.ok());
  ASSERT_GE(members->items.size(), 2u);
  // The best two, in the order they joined the earlier search, alive, with
  // their metrics, and no job: nothing trains them again.
  EXPECT_DOUBLE_EQ(members->items[0].fitness(), 0.9);
  EXPECT_DOUBLE_EQ(members->items[1].fitness(), 0.7);
  EXPECT_EQ(members->items[0].architecture().text(), genome_of[0.9]);
  EXPECT_EQ(members->items[1].architecture().text(), genome_of[0.7]);
  for (int k = 0; k < 2; ++k) {
    EXPECT_EQ(members->items[k].state(), v1::INDIVIDUAL_EVALUATED);
    EXPECT_TRUE(members->items[k].alive());
    EXPECT_THAT(members->items[k].mutation(), StartsWith("warm start: individual "));
    EXPECT_NEAR(members->items[k].metrics().at("train_loss"), 1 - members->items[k].fitness(),
                1e-12);
  }
  // One random member completes the population of 3, then evolution: 3 jobs in all.
  EXPECT_EQ(RunToEnd(0.3), 3);
  const v1::Search done = Get(created->id());
  EXPECT_EQ(done.state(), v1::SEARCH_SUCCEEDED);
  EXPECT_EQ(done.evaluations_done(), 5);
}

TEST_F(SearchReuseTest, WarmStartRefusesWhatDoesNotCompareAndStoresNothing) {
  const std::string ae = "aging_evolution { population_size: 3 sample_size: 2 }";
  const int64_t earlier = searches_->CreateSearch(Spec(ae, 4))->id();
  ASSERT_TRUE(Report(Lease(), 0.5).ok());
  struct Case {
    int64_t from;
    int count;
    std::string dataset_path;
    std::string message;
  } cases[] = {
      {999999, 1, "unused", "spec.warm_start.search_id: search 999999 does not exist"},
      {earlier, 1, "other.csv", "evaluated differently"},
      {earlier, 2, "unused", "spec.warm_start.count: 2 but search"},
  };
  for (const Case& c : cases) {
    v1::SearchSpec spec = Spec(ae, 5);
    spec.mutable_dataset()->set_path(c.dataset_path);
    spec.mutable_warm_start()->set_search_id(c.from);
    spec.mutable_warm_start()->set_count(c.count);
    auto refused = searches_->CreateSearch(spec);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(std::string(refused.status().message()), HasSubstr(c.message));
  }
  EXPECT_EQ(searches_->ListSearches({10, ""})->items.size(), 1u);
}

}  // namespace
}  // namespace nas
