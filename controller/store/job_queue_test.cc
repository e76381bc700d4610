// The queue and lease rules against a real PostgreSQL.
#include "controller/store/job_queue.h"

#include <cmath>
#include <mutex>
#include <set>
#include <thread>

#include "controller/store/migrator.h"
#include "controller/store/search_store.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

class JobQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Create({test_db_.dsn(), 4});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(ApplyMigrations(*db_, EmbeddedMigrations()).ok());
    searches_ = std::make_unique<SearchStore>(db_.get());
    queue_ = std::make_unique<JobQueue>(db_.get());
  }

  v1::SearchSpec Spec(int budget, int lease_seconds = 60, int max_attempts = 3) {
    v1::SearchSpec spec;
    google::protobuf::TextFormat::ParseFromString(R"pb(
      space { darts_cell { nodes: 2 } }
      strategy { random {} }
      training { epochs: 1 batch_size: 8 learning_rate: 0.1 init_channels: 4 cells: 1 }
      dataset { format: DIGITS_CSV path: "unused" validation_examples: 10 }
    )pb", &spec);
    spec.set_budget(budget);
    spec.set_seed(3);
    spec.set_lease_seconds(lease_seconds);
    spec.set_max_attempts(max_attempts);
    return spec;
  }

  static v1::WorkerInfo Worker(const std::string& id) {
    v1::WorkerInfo w;
    w.set_worker_id(id);
    w.set_hostname("test");
    w.set_device("cpu");
    w.add_job_kinds(v1::TRAIN_CANDIDATE);
    return w;
  }

  static v1::ReportResultRequest Report(const v1::Job& job, const std::string& worker,
                                        double fitness) {
    v1::ReportResultRequest r;
    r.set_worker_id(worker);
    r.set_job_id(job.job_id());
    r.set_attempt(job.attempt());
    r.mutable_result()->set_fitness(fitness);
    r.mutable_result()->set_parameter_count(1000);
    (*r.mutable_result()->mutable_metrics())["train_loss"] = 0.5;
    return r;
  }

  v1::Job MustLease(const std::string& worker) {
    auto job = queue_->LeaseJob(Worker(worker));
    EXPECT_TRUE(job.ok()) << job.status();
    EXPECT_TRUE(job->has_value());
    return job->value_or(v1::Job());
  }

  testing::TestDatabase test_db_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SearchStore> searches_;
  std::unique_ptr<JobQueue> queue_;
};

TEST_F(JobQueueTest, MigrationsAreIdempotent) {
  auto again = ApplyMigrations(*db_, EmbeddedMigrations());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

TEST_F(JobQueueTest, RandomSearchRunsItsBudgetAndEndsWithTheBest) {
  auto search = searches_->CreateSearch(Spec(6));
  ASSERT_TRUE(search.ok()) << search.status();
  double best = -1;
  for (int i = 0; i < 6; ++i) {
    v1::Job job = MustLease("w1");
    const double fitness = 0.1 * ((i * 7) % 6);
    best = std::max(best, fitness);
    auto outcome = queue_->ReportResult(Report(job, "w1", fitness));
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    EXPECT_FALSE(outcome->duplicate);
  }
  auto none = queue_->LeaseJob(Worker("w1"));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto done = searches_->GetSearch(search->id());
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state(), v1::SEARCH_SUCCEEDED);
  EXPECT_EQ(done->evaluations_done(), 6);
  EXPECT_DOUBLE_EQ(done->best().fitness(), best);
  EXPECT_EQ(done->best().metrics().at("train_loss"), 0.5);
}

TEST_F(JobQueueTest, RepeatedReportIsAnsweredIdempotentlyAndCountedOnce) {
  auto search = searches_->CreateSearch(Spec(3));
  ASSERT_TRUE(search.ok());
  v1::Job job = MustLease("w1");
  ASSERT_TRUE(queue_->ReportResult(Report(job, "w1", 0.5)).ok());
  auto again = queue_->ReportResult(Report(job, "w1", 0.5));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(searches_->GetSearch(search->id())->evaluations_done(), 1);
}

TEST_F(JobQueueTest, ReportFromAnotherWorkerOrAttemptIsRefused) {
  ASSERT_TRUE(searches_->CreateSearch(Spec(3)).ok());
  v1::Job job = MustLease("w1");
  auto wrong_worker = queue_->ReportResult(Report(job, "w2", 0.5));
  EXPECT_EQ(wrong_worker.status().code(), absl::StatusCode::kFailedPrecondition);
  v1::Job stale = job;
  stale.set_attempt(job.attempt() + 1);
  auto wrong_attempt = queue_->ReportResult(Report(stale, "w1", 0.5));
  EXPECT_EQ(wrong_attempt.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(wrong_attempt.status().message(), HasSubstr("is not held"));
}

TEST_F(JobQueueTest, MalformedResultChangesNothing) {
  auto search = searches_->CreateSearch(Spec(3));
  v1::Job job = MustLease("w1");
  auto bad = Report(job, "w1", std::nan(""));
  EXPECT_EQ(queue_->ReportResult(bad).status().code(), absl::StatusCode::kInvalidArgument);
  // The lease is still held: the real report lands.
  ASSERT_TRUE(queue_->ReportResult(Report(job, "w1", 0.3)).ok());
  EXPECT_EQ(searches_->GetSearch(search->id())->evaluations_done(), 1);
}

TEST_F(JobQueueTest, ExpiredLeaseGoesBackToTheQueueAndStaleReportIsRefused) {
  auto search = searches_->CreateSearch(Spec(1, /*lease_seconds=*/1));
  ASSERT_TRUE(search.ok());
  v1::Job first = MustLease("w1");
  EXPECT_EQ(first.attempt(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // Heartbeat after expiry but before reclaim still finds the lease... until
  // another worker asks: LeaseJob reclaims first.
  v1::Job second = MustLease("w2");
  EXPECT_EQ(second.job_id(), first.job_id());
  EXPECT_EQ(second.attempt(), 2);
  auto stale = queue_->ReportResult(Report(first, "w1", 0.9));
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kFailedPrecondition);
  v1::HeartbeatRequest hb;
  hb.set_worker_id("w1");
  hb.set_job_id(first.job_id());
  hb.set_attempt(first.attempt());
  EXPECT_EQ(queue_->Heartbeat(hb).status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(queue_->ReportResult(Report(second, "w2", 0.4)).ok());
  auto done = searches_->GetSearch(search->id());
  EXPECT_EQ(done->evaluations_done(), 1);
  EXPECT_DOUBLE_EQ(done->best().fitness(), 0.4);
  EXPECT_EQ(done->state(), v1::SEARCH_SUCCEEDED);
}

TEST_F(JobQueueTest, HeartbeatKeepsTheLeaseAlive) {
  ASSERT_TRUE(searches_->CreateSearch(Spec(1, /*lease_seconds=*/1)).ok());
  v1::Job job = MustLease("w1");
  v1::HeartbeatRequest hb;
  hb.set_worker_id("w1");
  hb.set_job_id(job.job_id());
  hb.set_attempt(job.attempt());
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    auto cancel = queue_->Heartbeat(hb);
    ASSERT_TRUE(cancel.ok()) << cancel.status();
    EXPECT_FALSE(*cancel);
    ASSERT_TRUE(queue_->ReclaimExpiredLeases().ok());
  }
  EXPECT_TRUE(queue_->ReportResult(Report(job, "w1", 0.2)).ok());
}

TEST_F(JobQueueTest, LeaseExpiringOnEveryAttemptFailsTheIndividualWithReason) {
  auto search = searches_->CreateSearch(Spec(1, /*lease_seconds=*/1, /*max_attempts=*/2));
  ASSERT_TRUE(search.ok());
  MustLease("w1");
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  MustLease("w1");
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  auto reclaimed = queue_->ReclaimExpiredLeases();
  ASSERT_TRUE(reclaimed.ok());
  EXPECT_EQ(*reclaimed, 1);
  auto page = searches_->ListIndividuals(search->id(), {10, ""});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].state(), v1::INDIVIDUAL_FAILED);
  EXPECT_THAT(page->items[0].failure_reason(), HasSubstr("lease expired on all 2 attempts"));
  auto done = searches_->GetSearch(search->id());
  EXPECT_EQ(done->state(), v1::SEARCH_SUCCEEDED);
  EXPECT_EQ(done->evaluations_failed(), 1);
}

TEST_F(JobQueueTest, RetryableFailureRequeuesNonRetryableFailsAtOnce) {
  auto search = searches_->CreateSearch(Spec(2));
  v1::Job job = MustLease("w1");
  v1::ReportResultRequest fail;
  fail.set_worker_id("w1");
  fail.set_job_id(job.job_id());
  fail.set_attempt(job.attempt());
  fail.mutable_failure()->set_reason("CUDA out of memory");
  fail.mutable_failure()->set_retryable(true);
  ASSERT_TRUE(queue_->ReportResult(fail).ok());
  v1::Job retry = MustLease("w2");
  EXPECT_EQ(retry.job_id(), job.job_id());
  EXPECT_EQ(retry.attempt(), 2);
  fail.set_worker_id("w2");
  fail.set_attempt(2);
  fail.mutable_failure()->set_reason("non-finite loss at step 3");
  fail.mutable_failure()->set_retryable(false);
  ASSERT_TRUE(queue_->ReportResult(fail).ok());
  auto page = searches_->ListIndividuals(search->id(), {10, ""});
  EXPECT_EQ(page->items[0].state(), v1::INDIVIDUAL_FAILED);
  EXPECT_EQ(page->items[0].failure_reason(), "non-finite loss at step 3");
}

TEST_F(JobQueueTest, CancelStopsLeasedJobsAndQueuesNothingMore) {
  auto search = searches_->CreateSearch(Spec(5));
  v1::Job job = MustLease("w1");
  auto cancelled = searches_->CancelSearch(search->id());
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->state(), v1::SEARCH_CANCELLED);
  v1::HeartbeatRequest hb;
  hb.set_worker_id("w1");
  hb.set_job_id(job.job_id());
  hb.set_attempt(job.attempt());
  auto cancel = queue_->Heartbeat(hb);
  ASSERT_TRUE(cancel.ok());
  EXPECT_TRUE(*cancel);
  auto next = queue_->LeaseJob(Worker("w2"));
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
  EXPECT_EQ(queue_->ReportResult(Report(job, "w1", 0.5)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(JobQueueTest, ConcurrentWorkersNeverShareALease) {
  auto search = searches_->CreateSearch(Spec(40));
  ASSERT_TRUE(search.ok());
  std::mutex mu;
  std::multiset<int64_t> evaluated;
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      const std::string id = "w" + std::to_string(w);
      for (int n = 0; n < 200; ++n) {
        auto job = queue_->LeaseJob(Worker(id));
        ASSERT_TRUE(job.ok()) << job.status();
        if (!job->has_value()) {
          if (searches_->GetSearch(search->id())->state() != v1::SEARCH_RUNNING) return;
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          continue;
        }
        ASSERT_TRUE(queue_->ReportResult(Report(**job, id, 0.5)).ok());
        std::lock_guard<std::mutex> lock(mu);
        evaluated.insert((*job)->individual_id());
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(evaluated.size(), 40u);
  EXPECT_EQ(std::set<int64_t>(evaluated.begin(), evaluated.end()).size(), 40u);
  EXPECT_EQ(searches_->GetSearch(search->id())->state(), v1::SEARCH_SUCCEEDED);
}

}  // namespace
}  // namespace nas
