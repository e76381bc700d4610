// Group commit of reports (JobQueue::ReportResult) against a real PostgreSQL:
// reports of one search that arrive together share a transaction, and one
// that fails changes nothing while the others land.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "controller/store/job_queue.h"
#include "controller/store/migrated_test_database.h"
#include "controller/store/search_store.h"
#include "controller/store/test_spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

v1::WorkerInfo Worker(int i) {
  v1::WorkerInfo w;
  w.set_worker_id(absl::StrCat("w", i));
  w.set_hostname("test");
  w.set_device("cpu");
  w.add_job_kinds(v1::TRAIN_CANDIDATE);
  return w;
}

v1::ReportResultRequest Report(const v1::Job& job, const std::string& worker, double fitness) {
  v1::ReportResultRequest r;
  r.set_worker_id(worker);
  r.set_job_id(job.job_id());
  r.set_attempt(job.attempt());
  r.mutable_result()->set_fitness(fitness);
  r.mutable_result()->set_parameter_count(1000);
  r.add_log_lines(absl::StrCat("done with ", fitness));
  return r;
}

class ReportBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::OpenMigratedDatabase(test_db_.dsn(), 4);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    searches_ = std::make_unique<SearchStore>(db_.get());
    queue_ = std::make_unique<JobQueue>(db_.get());
  }

  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    EXPECT_TRUE(db_->Transact([&](pqxx::work& txn) {
                     n = txn.exec1(sql)[0].as<int64_t>();
                     return absl::OkStatus();
                   })
                    .ok());
    return n;
  }

  testing::TestDatabase test_db_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SearchStore> searches_;
  std::unique_ptr<JobQueue> queue_;
};

TEST_F(ReportBatchTest, ConcurrentReportsShareTransactionsAndABadOneFailsAlone) {
  constexpr int kReports = 8;
  auto search = searches_->CreateSearch(
      testing::SmallRandomSpec(50, /*lease_seconds=*/60, /*max_attempts=*/3, /*seed=*/5));
  ASSERT_TRUE(search.ok()) << search.status();
  std::vector<v1::Job> jobs;
  for (int i = 0; i < kReports; ++i) {
    auto job = queue_->LeaseJob(Worker(i));
    ASSERT_TRUE(job.ok()) << job.status();
    ASSERT_TRUE(job->has_value()) << i;
    jobs.push_back(**job);
  }
  std::vector<v1::ReportResultRequest> requests;
  for (int i = 0; i < kReports; ++i) {
    requests.push_back(Report(jobs[i], absl::StrCat("w", i), 0.1 * (i + 1)));
  }
  constexpr int kBad = 5;  // Names weights that were never uploaded.
  requests[kBad].mutable_result()->set_checkpoint("never-uploaded");

  // Another connection holds the search row, so the first report waits on
  // it and the others arrive while its batch runs.
  pqxx::connection holder_conn(test_db_.dsn());
  auto holder = std::make_unique<pqxx::work>(holder_conn);
  holder->exec(absl::StrCat("SELECT 1 FROM searches WHERE id = ", search->id(), " FOR UPDATE"));

  const int64_t batches_before = queue_->report_batches();
  std::vector<absl::StatusOr<ReportOutcome>> outcomes(kReports, absl::UnknownError("not run"));
  std::vector<std::thread> reporters;
  reporters.emplace_back([&] { outcomes[0] = queue_->ReportResult(requests[0]); });
  absl::SleepFor(absl::Milliseconds(300));  // The first is the leader, waiting for the lock.
  for (int i = 1; i < kReports; ++i) {
    reporters.emplace_back([&, i] { outcomes[i] = queue_->ReportResult(requests[i]); });
  }
  absl::SleepFor(absl::Milliseconds(500));
  holder->abort();
  for (auto& t : reporters) t.join();

  const int64_t batches = queue_->report_batches() - batches_before;
  EXPECT_LT(batches, kReports);
  EXPECT_GE(batches, 2);  // The leader's own, then the rest.
  for (int i = 0; i < kReports; ++i) {
    if (i == kBad) {
      EXPECT_EQ(outcomes[i].status().code(), absl::StatusCode::kInvalidArgument)
          << outcomes[i].status();
      EXPECT_THAT(outcomes[i].status().message(), HasSubstr("result.checkpoint"));
    } else {
      ASSERT_TRUE(outcomes[i].ok()) << i << ": " << outcomes[i].status();
      EXPECT_FALSE(outcomes[i]->duplicate);
    }
  }
  // The bad one changed nothing: its lease is held, its attempt open, its
  // individual pending and no log line of its stored.
  const std::string bad = absl::StrCat(jobs[kBad].job_id());
  EXPECT_EQ(Count("SELECT count(*) FROM jobs WHERE id = " + bad + " AND state = 'leased'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM job_attempts WHERE job_id = " + bad +
                  " AND outcome IS NULL AND ended_at IS NULL"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM individuals WHERE id = " +
                  absl::StrCat(jobs[kBad].individual_id()) + " AND state = 'pending'"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM job_log_lines WHERE job_id = " + bad), 0);
  // The others landed, each stepped: evaluated, counted, logged, and the
  // search queued more work.
  const std::string sid = absl::StrCat(search->id());
  EXPECT_EQ(Count("SELECT count(*) FROM individuals WHERE search_id = " + sid +
                  " AND state = 'evaluated'"),
            kReports - 1);
  EXPECT_EQ(Count("SELECT evaluations_done FROM searches WHERE id = " + sid), kReports - 1);
  EXPECT_EQ(Count("SELECT count(*) FROM job_log_lines WHERE search_id = " + sid), kReports - 1);
  EXPECT_EQ(Count("SELECT count(DISTINCT evaluated_order) FROM individuals WHERE search_id = " +
                  sid + " AND state = 'evaluated'"),
            kReports - 1);
  EXPECT_GT(Count("SELECT births FROM searches WHERE id = " + sid), kReports);

  // The bad report, retried without the checkpoint, lands; a retry of a
  // good one is a duplicate.
  requests[kBad].mutable_result()->clear_checkpoint();
  auto retried = queue_->ReportResult(requests[kBad]);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_FALSE(retried->duplicate);
  auto again = queue_->ReportResult(requests[0]);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(Count("SELECT evaluations_done FROM searches WHERE id = " + sid), kReports);
}

// A report of a job that does not exist is refused before any batch.
TEST_F(ReportBatchTest, UnknownJobIsNotFound) {
  v1::Job job;
  job.set_job_id(424242);
  job.set_attempt(1);
  auto outcome = queue_->ReportResult(Report(job, "w0", 0.5));
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kNotFound) << outcome.status();
  EXPECT_THAT(outcome.status().message(), HasSubstr("job 424242 does not exist"));
}

// A job that vanished after its lease (a database restored to an earlier
// state) is NOT_FOUND too, though its search was remembered from the lease.
TEST_F(ReportBatchTest, VanishedJobIsNotFound) {
  auto search = searches_->CreateSearch(
      testing::SmallRandomSpec(5, /*lease_seconds=*/60, /*max_attempts=*/3, /*seed=*/5));
  ASSERT_TRUE(search.ok()) << search.status();
  auto job = queue_->LeaseJob(Worker(0));
  ASSERT_TRUE(job.ok() && job->has_value()) << job.status();
  ASSERT_TRUE(db_->Transact([&](pqxx::work& txn) {
                   txn.exec_params("DELETE FROM job_attempts WHERE job_id = $1", (*job)->job_id());
                   txn.exec_params("DELETE FROM jobs WHERE id = $1", (*job)->job_id());
                   return absl::OkStatus();
                 })
                  .ok());
  auto outcome = queue_->ReportResult(Report(**job, "w0", 0.5));
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kNotFound) << outcome.status();
  EXPECT_THAT(outcome.status().message(),
              HasSubstr(absl::StrCat("job ", (*job)->job_id(), " does not exist")));
}

// The hot statements are prepared once per pooled connection: a second
// lease and report prepare nothing more.
TEST_F(ReportBatchTest, StatementsArePreparedOncePerConnection) {
  auto one = testing::OpenMigratedDatabase(test_db_.dsn(), 1);
  ASSERT_TRUE(one.ok()) << one.status();
  SearchStore searches(one->get());
  JobQueue queue(one->get());
  ASSERT_TRUE(searches
                  .CreateSearch(testing::SmallRandomSpec(5, /*lease_seconds=*/60,
                                                         /*max_attempts=*/3, /*seed=*/5))
                  .ok());
  auto prepared = [&] {
    int64_t n = -1;
    EXPECT_TRUE((*one)
                    ->Transact([&](pqxx::work& txn) {
                      n = txn.exec1(
                                 "SELECT count(*) FROM pg_prepared_statements "
                                 "WHERE name LIKE 'nas\\_%'")[0]
                              .as<int64_t>();
                      return absl::OkStatus();
                    })
                    .ok());
    return n;
  };
  auto step = [&](double fitness) {
    auto job = queue.LeaseJob(Worker(0));
    ASSERT_TRUE(job.ok() && job->has_value()) << job.status();
    auto outcome = queue.ReportResult(Report(**job, "w0", fitness));
    ASSERT_TRUE(outcome.ok()) << outcome.status();
  };
  step(0.5);
  const int64_t after_first = prepared();
  EXPECT_GE(after_first, 10);
  step(0.6);
  EXPECT_EQ(prepared(), after_first);
}

}  // namespace
}  // namespace nas
