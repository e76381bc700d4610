// The queue and lease rules against a real PostgreSQL.
#include "controller/store/job_queue.h"

#include <cmath>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controller/store/migrated_test_database.h"
#include "controller/store/migrator.h"
#include "controller/store/search_store.h"
#include "controller/store/test_spec.h"
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
    auto db = testing::OpenMigratedDatabase(test_db_.dsn(), 4);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    searches_ = std::make_unique<SearchStore>(db_.get());
    queue_ = std::make_unique<JobQueue>(db_.get());
  }

  static v1::SearchSpec Spec(int budget, int lease_seconds = 60, int max_attempts = 3) {
    return testing::SmallRandomSpec(budget, lease_seconds, max_attempts);
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

// A client whose answer was lost retries with the same request id; the retry,
// even racing the first call, must not create a second search or queue more jobs.
TEST_F(JobQueueTest, CreateSearchIsIdempotentPerRequestId) {
  auto rows = [&](const char* table) {
    int64_t n = -1;
    EXPECT_TRUE(db_->Transact([&](pqxx::work& txn) {
                     n = txn.exec1(absl::StrCat("SELECT count(*) FROM ", table))[0].as<int64_t>();
                     return absl::OkStatus();
                   })
                    .ok());
    return n;
  };
  auto first = searches_->CreateSearch(Spec(3), "submit-1");
  ASSERT_TRUE(first.ok()) << first.status();
  const int64_t jobs = rows("jobs");
  auto retry = searches_->CreateSearch(Spec(3), "submit-1");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->id(), first->id());
  EXPECT_EQ(rows("searches"), 1);
  EXPECT_EQ(rows("jobs"), jobs);

  auto other_spec = searches_->CreateSearch(Spec(4), "submit-1");
  EXPECT_EQ(other_spec.status().code(), absl::StatusCode::kAlreadyExists) << other_spec.status();
  EXPECT_THAT(other_spec.status().message(), HasSubstr("request_id: 'submit-1' already created"));
  EXPECT_EQ(rows("searches"), 1);

  std::vector<int64_t> ids(4, 0);
  std::vector<std::thread> racers;
  for (int i = 0; i < 4; ++i) {
    racers.emplace_back([&, i] {
      auto created = searches_->CreateSearch(Spec(3), "submit-2");
      EXPECT_TRUE(created.ok()) << created.status();
      if (created.ok()) ids[i] = created->id();
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), 1u);
  EXPECT_EQ(rows("searches"), 2);

  // Without a request id every call is a new search.
  ASSERT_TRUE(searches_->CreateSearch(Spec(3)).ok());
  ASSERT_TRUE(searches_->CreateSearch(Spec(3)).ok());
  EXPECT_EQ(rows("searches"), 4);
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

// A lease carries what its kind's runner reads (v1::Job.payload), not the spec.
TEST_F(JobQueueTest, ALeasedTableLookupCarriesTheTableAndNothingElseOfTheSpec) {
  v1::SearchSpec spec;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "lookup by table"
        space { nasbench201 {} }
        strategy { random {} }
        budget: 2
        table_lookup { table_path: "/tables/nb201.csv" cell_column: "arch" fitness_column: "acc" }
        lease_seconds: 60
        max_attempts: 3
      )pb",
      &spec));
  auto search = searches_->CreateSearch(spec);
  ASSERT_TRUE(search.ok()) << search.status();
  v1::WorkerInfo worker = Worker("lookup");
  worker.clear_job_kinds();
  worker.add_job_kinds(v1::TABLE_LOOKUP);
  auto job = queue_->LeaseJob(worker);
  ASSERT_TRUE(job.ok() && job->has_value()) << job.status();
  EXPECT_EQ((*job)->kind(), v1::TABLE_LOOKUP);
  ASSERT_EQ((*job)->payload_case(), v1::Job::kTableLookup);
  EXPECT_EQ((*job)->table_lookup().SerializeAsString(), spec.table_lookup().SerializeAsString());
  std::string text;
  google::protobuf::TextFormat::PrintToString(**job, &text);
  for (const char* field : {"lookup by table", "nasbench201", "strategy", "budget", "training"}) {
    EXPECT_THAT(text, ::testing::Not(HasSubstr(field))) << text;
  }
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

// The first evaluation with data records its description; later leases carry
// its fingerprint, and a report of other data is refused naming both.
TEST_F(JobQueueTest, FirstDataDescriptionIsRecordedAndOtherDataRefused) {
  auto search = searches_->CreateSearch(Spec(4));
  ASSERT_TRUE(search.ok()) << search.status();
  EXPECT_FALSE(searches_->GetSearch(search->id())->has_data());
  const std::string recorded = "digits_csv:1797x1x8x8:10:sha256=aaaaaaaaaaaaaaaa";
  const std::string other = "digits_csv:1797x1x8x8:10:sha256=bbbbbbbbbbbbbbbb";
  auto with_data = [](v1::ReportResultRequest r, const std::string& fingerprint) {
    v1::DataDescription& d = *r.mutable_result()->mutable_data();
    d.set_fingerprint(fingerprint);
    d.set_train_examples(1597);
    d.set_validation_examples(200);
    d.set_classes(2);
    for (int size : {1, 8, 8}) d.add_image_shape(size);
    d.add_channel_mean(0.3f);
    d.add_channel_std(0.25f);
    d.add_class_names("zero");
    d.add_class_names("one");
    return r;
  };

  v1::Job first = MustLease("w1");
  EXPECT_TRUE(first.train().data().expected_fingerprint().empty());
  ASSERT_TRUE(queue_->ReportResult(with_data(Report(first, "w1", 0.5), recorded)).ok());
  const v1::Search after = *searches_->GetSearch(search->id());
  ASSERT_TRUE(after.has_data());
  EXPECT_EQ(after.data().fingerprint(), recorded);
  EXPECT_EQ(after.data().train_examples(), 1597);
  EXPECT_THAT(after.data().image_shape(), ::testing::ElementsAre(1, 8, 8));
  EXPECT_THAT(after.data().channel_mean(), ::testing::ElementsAre(0.3f));
  EXPECT_THAT(after.data().channel_std(), ::testing::ElementsAre(0.25f));
  EXPECT_THAT(after.data().class_names(), ::testing::ElementsAre("zero", "one"));

  v1::Job second = MustLease("w1");
  EXPECT_EQ(second.train().data().expected_fingerprint(), recorded);
  auto refused = queue_->ReportResult(with_data(Report(second, "w1", 0.9), other));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), ::testing::AllOf(HasSubstr(recorded), HasSubstr(other)));
  auto bad = with_data(Report(second, "w1", 0.9), recorded);
  bad.mutable_result()->mutable_data()->set_channel_std(0, 0);
  EXPECT_EQ(queue_->ReportResult(bad).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(searches_->GetSearch(search->id())->evaluations_done(), 1) << "nothing changed";

  // The lease is still held: the same data lands, and so does a report without any.
  ASSERT_TRUE(queue_->ReportResult(with_data(Report(second, "w1", 0.9), recorded)).ok());
  v1::Job third = MustLease("w1");
  ASSERT_TRUE(queue_->ReportResult(Report(third, "w1", 0.1)).ok());
  const v1::Search last = *searches_->GetSearch(search->id());
  EXPECT_EQ(last.evaluations_done(), 3);
  EXPECT_EQ(last.data().fingerprint(), recorded);
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

// A worker with two slots holds two leases under its one id: a search keeps
// as many jobs in flight as the active workers have slots. Each lease is
// fenced on its own: when one slot's lease is lost and the job re-leased to
// the worker's other slot, the first slot's late report is refused.
TEST_F(JobQueueTest, AWorkerWithTwoSlotsHoldsTwoLeasesEachFencedOnItsOwn) {
  auto search = searches_->CreateSearch(Spec(3, /*lease_seconds=*/1));
  ASSERT_TRUE(search.ok()) << search.status();
  v1::WorkerInfo two_slots = Worker("w1");
  two_slots.set_slots(2);
  auto lease = [&] {
    auto job = queue_->LeaseJob(two_slots);
    EXPECT_TRUE(job.ok()) << job.status();
    EXPECT_TRUE(job.ok() && job->has_value());
    return job.ok() ? job->value_or(v1::Job()) : v1::Job();
  };
  const v1::Job first = lease();
  const v1::Job second = lease();  // Queued for the second slot.
  EXPECT_NE(first.job_id(), second.job_id());
  auto third = queue_->LeaseJob(two_slots);
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->has_value()) << "two slots, two jobs in flight";

  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_TRUE(queue_->ReclaimExpiredLeases().ok());
  // Both leases expired; the worker leases the first job again (attempt 2).
  const v1::Job again = lease();
  EXPECT_EQ(again.job_id(), first.job_id());
  EXPECT_EQ(again.attempt(), 2);
  auto stale = queue_->ReportResult(Report(first, "w1", 0.9));
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kFailedPrecondition) << stale.status();
  ASSERT_TRUE(queue_->ReportResult(Report(again, "w1", 0.4)).ok());
  auto done = searches_->GetSearch(search->id());
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->evaluations_done(), 1);
  EXPECT_DOUBLE_EQ(done->best().fitness(), 0.4);

  two_slots.set_slots(65);
  EXPECT_EQ(queue_->LeaseJob(two_slots).status().code(), absl::StatusCode::kInvalidArgument);
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
    EXPECT_FALSE(cancel->cancel());
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

TEST_F(JobQueueTest, ReleasedAttemptsRequeueAtOnceAndUseUpNoAttempt) {
  // One attempt allowed, lease 1 s: only uncounted attempts let the job run
  // a second and third time.
  auto search = searches_->CreateSearch(Spec(1, /*lease_seconds=*/1, /*max_attempts=*/1));
  ASSERT_TRUE(search.ok()) << search.status();
  auto release = [](const v1::Job& job, const std::string& worker) {
    v1::ReportResultRequest r;
    r.set_worker_id(worker);
    r.set_job_id(job.job_id());
    r.set_attempt(job.attempt());
    r.mutable_failure()->set_reason("the worker stopped before the job finished");
    r.mutable_failure()->set_released(true);
    return r;
  };
  const v1::Job first = MustLease("w1");
  ASSERT_TRUE(queue_->ReportResult(release(first, "w1")).ok());
  auto repeated = queue_->ReportResult(release(first, "w1"));
  ASSERT_TRUE(repeated.ok()) << repeated.status();
  EXPECT_TRUE(repeated->duplicate);
  const v1::Job second = MustLease("w2");  // At once: no lease to wait out.
  EXPECT_EQ(second.job_id(), first.job_id());
  EXPECT_EQ(second.attempt(), 2);
  // An expired lease is counted: with the released one not, it is the first
  // of max_attempts = 1, so the job fails.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  auto reclaimed = queue_->ReclaimExpiredLeases();
  ASSERT_TRUE(reclaimed.ok()) << reclaimed.status();
  EXPECT_EQ(*reclaimed, 1);
  auto page = searches_->ListIndividuals(search->id(), {10, ""});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items[0].state(), v1::INDIVIDUAL_FAILED);
  EXPECT_THAT(page->items[0].failure_reason(), HasSubstr("lease expired on all 1 attempts"));
  pqxx::connection conn(test_db_.dsn());
  pqxx::work txn(conn);
  EXPECT_EQ(txn.exec1("SELECT string_agg(outcome, ',' ORDER BY attempt) FROM job_attempts")[0]
                .as<std::string>(),
            "released,expired");
  auto done = searches_->GetSearch(search->id());
  EXPECT_EQ(done->evaluations_failed(), 1);
}

TEST_F(JobQueueTest, ARetryableFailureAfterAReleaseIsNotRetriedBeyondMaxAttempts) {
  auto search = searches_->CreateSearch(Spec(1, 60, /*max_attempts=*/2));
  ASSERT_TRUE(search.ok()) << search.status();
  v1::ReportResultRequest r;
  auto end = [&](const v1::Job& job, bool released) {
    r.set_worker_id("w1");
    r.set_job_id(job.job_id());
    r.set_attempt(job.attempt());
    r.mutable_failure()->set_reason(released ? "stopping" : "CUDA out of memory");
    r.mutable_failure()->set_retryable(!released);
    r.mutable_failure()->set_released(released);
    return queue_->ReportResult(r).ok();
  };
  ASSERT_TRUE(end(MustLease("w1"), /*released=*/true));
  ASSERT_TRUE(end(MustLease("w1"), /*released=*/false));  // Counted: 1 of 2.
  ASSERT_TRUE(end(MustLease("w1"), /*released=*/false));  // Counted: 2 of 2.
  auto none = queue_->LeaseJob(Worker("w1"));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
  auto page = searches_->ListIndividuals(search->id(), {10, ""});
  EXPECT_EQ(page->items[0].state(), v1::INDIVIDUAL_FAILED);
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
  EXPECT_TRUE(cancel->cancel());
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

namespace nas {
namespace {

// A valid canonical cell of the 2-node darts_cell space.
constexpr char kCell[] =
    "normal: sep_conv_3x3(0)+skip_connect(1) | max_pool_3x3(0)+dil_conv_5x5(2) ; "
    "reduce: avg_pool_3x3(0)+sep_conv_5x5(1) | skip_connect(1)+dil_conv_3x3(2)";

class SupernetJobTest : public JobQueueTest {
 protected:
  v1::SearchSpec SupernetSpec() {
    v1::SearchSpec spec = Spec(2);
    spec.mutable_strategy()->mutable_supernet()->set_method(v1::SupernetSearch::DARTS);
    spec.mutable_strategy()->mutable_supernet()->set_retrain(true);
    return spec;
  }

  static v1::WorkerInfo SupernetWorker(const std::string& id) {
    v1::WorkerInfo w = Worker(id);
    w.clear_job_kinds();
    w.add_job_kinds(v1::SUPERNET_SEARCH);
    return w;
  }

  static v1::HeartbeatRequest EpochBeat(const v1::Job& job, int epoch) {
    v1::HeartbeatRequest beat;
    beat.set_worker_id("gpu");
    beat.set_job_id(job.job_id());
    beat.set_attempt(job.attempt());
    beat.set_progress(epoch / 3.0);
    beat.mutable_epoch()->set_epoch(epoch);
    beat.mutable_epoch()->set_epochs(3);
    (*beat.mutable_epoch()->mutable_metrics())["valid_accuracy"] = 0.1 * epoch;
    beat.mutable_epoch()->mutable_architecture()->set_text(kCell);
    return beat;
  }

  int Count(const std::string& sql) {
    pqxx::connection conn(test_db_.dsn());
    pqxx::nontransaction txn(conn);
    return txn.exec1(sql)[0].as<int>();
  }
};

TEST_F(SupernetJobTest, EpochsAreRecordedOnceAndBadOnesRefused) {
  auto search = searches_->CreateSearch(SupernetSpec());
  ASSERT_TRUE(search.ok()) << search.status();
  auto job = queue_->LeaseJob(SupernetWorker("gpu"));
  ASSERT_TRUE(job.ok() && job->has_value()) << job.status();
  EXPECT_EQ((*job)->kind(), v1::SUPERNET_SEARCH);
  EXPECT_EQ((*job)->architecture().text(), "");  // Derived by the job itself.
  ASSERT_EQ((*job)->payload_case(), v1::Job::kSupernet);
  EXPECT_EQ((*job)->supernet().search().method(), v1::SupernetSearch::DARTS);
  EXPECT_EQ((*job)->supernet().retrain_cells(), 1);

  ASSERT_TRUE(queue_->Heartbeat(EpochBeat(**job, 1)).ok());
  ASSERT_TRUE(queue_->Heartbeat(EpochBeat(**job, 1)).ok());  // A retried heartbeat.
  ASSERT_TRUE(queue_->Heartbeat(EpochBeat(**job, 2)).ok());
  v1::HeartbeatRequest bad = EpochBeat(**job, 3);
  bad.mutable_epoch()->set_epoch(4);
  auto refused = queue_->Heartbeat(bad);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("epoch.epoch: 4 must be in 1..epoch.epochs"));
  bad = EpochBeat(**job, 3);
  (*bad.mutable_epoch()->mutable_metrics())["loss"] = std::nan("");
  EXPECT_THAT(queue_->Heartbeat(bad).status().message(), HasSubstr("epoch.metrics[loss]"));

  auto epochs = searches_->ListEpochProgress(search->id(), 0, 1000);
  ASSERT_TRUE(epochs.ok()) << epochs.status();
  ASSERT_EQ(epochs->size(), 2u);
  EXPECT_EQ((*epochs)[1].epoch(), 2);
  EXPECT_DOUBLE_EQ((*epochs)[1].metrics().at("valid_accuracy"), 0.2);
  EXPECT_EQ((*epochs)[1].architecture().text(), kCell);
  EXPECT_EQ((*epochs)[1].individual_id(), (*job)->individual_id());
  EXPECT_EQ(searches_->ListEpochProgress(search->id(), 1, 1000)->size(), 1u);
  EXPECT_EQ(searches_->ListEpochProgress(search->id() + 100, 0, 1000).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SupernetJobTest, ReportMustNameAValidArchitectureThenTheRetrainIsQueued) {
  auto search = searches_->CreateSearch(SupernetSpec());
  ASSERT_TRUE(search.ok()) << search.status();
  auto job = queue_->LeaseJob(SupernetWorker("gpu"));
  ASSERT_TRUE(job.ok() && job->has_value());

  v1::ReportResultRequest report = Report(**job, "gpu", 0.6);
  auto missing = queue_->ReportResult(report);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(),
              HasSubstr("result.architecture: a SUPERNET_SEARCH job must report"));
  report.mutable_result()->mutable_architecture()->set_text("normal: nonsense");
  auto invalid = queue_->ReportResult(report);
  EXPECT_EQ(invalid.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(invalid.status().message(), HasSubstr("result.architecture: "));
  // Nothing changed: the lease is still held and nothing else was queued.
  EXPECT_EQ(Count("SELECT count(*) FROM jobs WHERE state = 'leased'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM individuals"), 1);

  report.mutable_result()->mutable_architecture()->set_text(kCell);
  ASSERT_TRUE(queue_->ReportResult(report).ok());
  auto lineage = searches_->GetLineage((*job)->individual_id());
  ASSERT_TRUE(lineage.ok());
  EXPECT_EQ((*lineage)[0].architecture().text(), kCell);
  EXPECT_THAT((*lineage)[0].mutation(),
              HasSubstr(absl::StrCat("derived by job ", (*job)->job_id(), ", supernet search: ")));

  // The retrain is an ordinary candidate of the derived cell, and a candidate
  // may not report an architecture.
  v1::Job retrain = MustLease("cpu");
  EXPECT_EQ(retrain.kind(), v1::TRAIN_CANDIDATE);
  EXPECT_EQ(retrain.architecture().text(), kCell);
  ASSERT_EQ(retrain.payload_case(), v1::Job::kTrain);
  EXPECT_EQ(retrain.train().training().cells(), 1);
  v1::ReportResultRequest candidate = Report(retrain, "cpu", 0.8);
  candidate.mutable_result()->mutable_architecture()->set_text(kCell);
  EXPECT_THAT(queue_->ReportResult(candidate).status().message(),
              HasSubstr("only SUPERNET_SEARCH and TFNAS_SEARCH jobs report an architecture"));
  ASSERT_TRUE(queue_->ReportResult(Report(retrain, "cpu", 0.8)).ok());
  EXPECT_EQ(searches_->GetSearch(search->id())->state(), v1::SEARCH_SUCCEEDED);
}

// Latency tables are keyed by device and model: a TF-NAS search runs under the
// table of its own worker's machine when there is one, else under the one its
// search measured; two machines whose device is "cpu" never share a table.
TEST_F(SupernetJobTest, LatencyTablesAreKeptPerDeviceModel) {
  v1::SearchSpec spec = Spec(2);
  spec.mutable_space()->mutable_tfnas()->set_image_size(8);
  spec.mutable_strategy()->mutable_tfnas()->set_target_fraction(0.5);
  spec.mutable_strategy()->mutable_tfnas()->set_epochs(1);
  auto tfnas_worker = [](const std::string& id, const std::string& model) {
    v1::WorkerInfo w = Worker(id);
    w.set_device_model(model);
    w.clear_job_kinds();
    w.add_job_kinds(v1::MEASURE_LATENCY);
    w.add_job_kinds(v1::TFNAS_SEARCH);
    return w;
  };
  const v1::WorkerInfo alpha = tfnas_worker("alpha", "Alpha CPU, 1 thread");
  const v1::WorkerInfo beta = tfnas_worker("beta", "Beta CPU, 2 threads");
  auto lease = [&](const v1::WorkerInfo& w) {
    auto job = queue_->LeaseJob(w);
    EXPECT_TRUE(job.ok() && job->has_value()) << job.status();
    return job.ok() ? job->value_or(v1::Job()) : v1::Job();
  };
  auto report_table = [&](const v1::Job& job, const std::string& worker, const char* json) {
    v1::ReportResultRequest r = Report(job, worker, 0);
    r.mutable_result()->set_latency_table(json);
    ASSERT_TRUE(queue_->ReportResult(r).ok());
  };

  ASSERT_TRUE(searches_->CreateSearch(spec).ok());
  const v1::Job alpha_measures = lease(alpha);
  ASSERT_EQ(alpha_measures.kind(), v1::MEASURE_LATENCY);
  report_table(alpha_measures, "alpha", R"({"base": 1.0})");
  // Beta has no table of its own yet: it searches under the one its search measured.
  const v1::Job beta_searches = lease(beta);
  ASSERT_EQ(beta_searches.kind(), v1::TFNAS_SEARCH);
  EXPECT_EQ(beta_searches.tfnas().latency_device(), "cpu (Alpha CPU, 1 thread)");

  ASSERT_TRUE(searches_->CreateSearch(spec).ok());
  const v1::Job beta_measures = lease(beta);
  ASSERT_EQ(beta_measures.kind(), v1::MEASURE_LATENCY);
  report_table(beta_measures, "beta", R"({"base": 2.0})");
  EXPECT_EQ(Count("SELECT count(*) FROM latency_tables"), 2) << "one table per machine";
  // Alpha runs the second search under its own machine's table, not beta's.
  const v1::Job alpha_searches = lease(alpha);
  ASSERT_EQ(alpha_searches.kind(), v1::TFNAS_SEARCH);
  EXPECT_EQ(alpha_searches.tfnas().latency_device(), "cpu (Alpha CPU, 1 thread)");
  EXPECT_THAT(alpha_searches.tfnas().latency_table(), HasSubstr("1.0"));
  EXPECT_EQ(alpha_searches.tfnas().space().image_size(), 8);
  EXPECT_EQ(alpha_searches.tfnas().data().seed(), 3u);

  v1::WorkerInfo odd = alpha;
  odd.set_device_model("tab\there");
  EXPECT_THAT(queue_->LeaseJob(odd).status().message(),
              HasSubstr("worker.device_model: must be at most 128 printable ASCII"));
}

TEST_F(JobQueueTest, OnlyTheBestKeepsItsWeightsWhenNoStepNeedsThem) {
  ASSERT_TRUE(searches_->CreateSearch(Spec(3)).ok());
  {
    pqxx::connection conn(test_db_.dsn());
    pqxx::work txn(conn);
    for (const char* digest : {"sha256:a", "sha256:b", "sha256:c"}) {
      txn.exec_params("INSERT INTO checkpoints (digest, size_bytes, chunks) VALUES ($1, 0, 0)",
                      digest);
    }
    txn.commit();
  }
  const std::vector<std::pair<std::string, double>> results = {
      {"sha256:a", 0.5}, {"sha256:b", 0.7}, {"sha256:c", 0.6}};
  for (const auto& [digest, fitness] : results) {
    v1::Job job = MustLease("w1");
    v1::ReportResultRequest report = Report(job, "w1", fitness);
    report.mutable_result()->set_checkpoint(digest);
    ASSERT_TRUE(queue_->ReportResult(report).ok());
  }
  pqxx::connection conn(test_db_.dsn());
  pqxx::nontransaction txn(conn);
  const pqxx::result kept =
      txn.exec("SELECT checkpoint_digest FROM individuals WHERE checkpoint_digest IS NOT NULL");
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0][0].as<std::string>(), "sha256:b");
}

}  // namespace
}  // namespace nas
