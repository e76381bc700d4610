// Group commit of reports (JobQueue::ReportResult) against a real PostgreSQL:
// reports of one search that arrive together share a transaction, and one
// that fails changes nothing while the others land.
#include <cmath>
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

  int64_t Count(const std::string& sql) { return testing::CountRows(*db_, sql); }

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

// An aging-evolution search (population 4, so members age out) over the
// same small space; table-free, so every step releases weights.
v1::SearchSpec SmallAgingSpec(int budget) {
  v1::SearchSpec spec =
      testing::SmallRandomSpec(budget, /*lease_seconds=*/60, /*max_attempts=*/2, /*seed=*/11);
  v1::AgingEvolution& ae = *spec.mutable_strategy()->mutable_aging_evolution();
  ae.set_population_size(4);
  ae.set_sample_size(2);
  return spec;
}

// Runs the same search to its end in a fresh database, leasing rounds of up
// to kWorkers jobs and reporting each round either one report at a time or
// as one batch, and returns everything the search left, keyed by birth order
// (ids differ between databases), as text to compare.
class SearchRun {
 public:
  static constexpr int kWorkers = 6;

  // `batched`: each round's reports as one batch, else one at a time;
  // `batched_writes`: JobQueue::set_batched_writes.
  SearchRun(bool batched, bool batched_writes) : batched_(batched) {
    auto db = testing::OpenMigratedDatabase(test_db_.dsn(), 4);
    EXPECT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    queue_ = std::make_unique<JobQueue>(db_.get());
    queue_->set_batched_writes(batched_writes);
  }

  // Every round's outcomes, as status codes in report order.
  std::string Run() {
    SearchStore searches(db_.get());
    auto search = searches.CreateSearch(SmallAgingSpec(30));
    EXPECT_TRUE(search.ok()) << search.status();
    std::string outcomes;
    for (int round = 0; round < 40; ++round) {
      std::vector<v1::ReportResultRequest> requests;
      for (int w = 0; w < kWorkers; ++w) {
        auto job = queue_->LeaseJob(Worker(w));
        EXPECT_TRUE(job.ok()) << job.status();
        if (!job.ok() || !job->has_value()) break;
        requests.push_back(ReportFor(**job, absl::StrCat("w", w), round, w));
      }
      if (requests.empty()) break;
      // A refused report is sent again, corrected, after the round (its
      // lease is still held).
      std::vector<v1::ReportResultRequest> resent;
      for (int pass = 0; pass < 2 && !requests.empty(); ++pass) {
        for (const auto& r : Record(search->id(), requests)) {
          absl::StrAppend(&outcomes, r.ok() ? (r->duplicate ? "dup" : "ok") : r.status().ToString(),
                          "\n");
        }
        resent.clear();
        for (auto& r : requests) {
          if (r.has_result() && r.result().checkpoint() == kNeverUploaded) {
            r.mutable_result()->clear_checkpoint();
            resent.push_back(r);
          }
        }
        requests.swap(resent);
      }
    }
    return outcomes;
  }

  // Rows the run left, by birth order.
  std::string Rows() {
    std::string out;
    EXPECT_TRUE(db_->Transact([&](pqxx::work& txn) {
                     out.clear();
                     for (const char* sql :
                          {"SELECT i.birth_order, i.genome, i.genome_hash, p.birth_order, "
                           "i.mutation, i.seed, i.state, i.fitness, i.parameter_count, "
                           "i.failure_reason, i.alive, i.evaluated_order, i.aged_out_at, "
                           "i.checkpoint_digest, i.objective_values, i.objective_scores "
                           "FROM individuals i LEFT JOIN individuals p ON p.id = i.parent_id "
                           "ORDER BY i.birth_order",
                           "SELECT i.birth_order, j.kind, j.state, j.attempt, j.max_attempts, "
                           "j.lease_seconds, j.progress, j.lease_owner, j.failure_reason, "
                           "j.finished_at IS NULL, j.morphisms, j.epochs "
                           "FROM jobs j JOIN individuals i ON i.id = j.individual_id "
                           "ORDER BY j.id",
                           "SELECT i.birth_order, a.attempt, a.worker_id, a.outcome, "
                           "a.ended_at IS NULL FROM job_attempts a JOIN jobs j ON j.id = "
                           "a.job_id JOIN individuals i ON i.id = j.individual_id "
                           "ORDER BY i.birth_order, a.attempt",
                           "SELECT i.birth_order, m.name, m.value FROM individual_metrics m "
                           "JOIN individuals i ON i.id = m.individual_id "
                           "ORDER BY i.birth_order, m.name",
                           "SELECT births, evaluations_done, evaluations_failed, state, "
                           "finished_at IS NULL, data_fingerprint, data_description "
                           "FROM searches",
                           "SELECT i.birth_order, l.text FROM job_log_lines l JOIN jobs j "
                           "ON j.id = l.job_id JOIN individuals i ON i.id = j.individual_id "
                           "ORDER BY i.birth_order, l.id"}) {
                       for (const auto& row : txn.exec(sql)) {
                         for (const auto& field : row) {
                           absl::StrAppend(&out, field.is_null() ? "NULL" : field.c_str(), "|");
                         }
                         out += "\n";
                       }
                       out += "--\n";
                     }
                     return absl::OkStatus();
                   })
                    .ok());
    return out;
  }

  int64_t batches() const { return queue_->report_batches(); }

  static constexpr char kNeverUploaded[] = "sha256:never-uploaded";

  std::vector<absl::StatusOr<ReportOutcome>> Record(
      int64_t search_id, const std::vector<v1::ReportResultRequest>& requests) {
    if (!batched_) {
      std::vector<absl::StatusOr<ReportOutcome>> results;
      for (const auto& r : requests) results.push_back(queue_->ReportResult(r));
      return results;
    }
    std::vector<const v1::ReportResultRequest*> batch;
    for (const auto& r : requests) batch.push_back(&r);
    return queue_->RecordBatchForTesting(search_id, batch);
  }

  int64_t Count(const std::string& sql) { return testing::CountRows(*db_, sql); }

 private:
  // What job `w` of `round` reports: mostly results (with metrics, weights
  // and the data they trained on), sometimes a failure, a retryable one, or
  // a report that is refused; fitness from the birth order, so that both
  // runs see the same values for the same individuals.
  v1::ReportResultRequest ReportFor(const v1::Job& job, const std::string& worker, int round,
                                    int w) {
    int birth_order = 0;
    EXPECT_TRUE(db_->Transact([&](pqxx::work& txn) {
                     birth_order =
                         txn.exec_params1("SELECT birth_order FROM individuals WHERE id = $1",
                                          job.individual_id())[0]
                             .as<int>();
                     const std::string digest = absl::StrCat("sha256:", birth_order);
                     txn.exec_params(
                         "INSERT INTO checkpoints (digest, size_bytes, chunks) VALUES ($1, 1, 0) "
                         "ON CONFLICT DO NOTHING",
                         digest);
                     return absl::OkStatus();
                   })
                    .ok());
    v1::ReportResultRequest r;
    r.set_worker_id(worker);
    r.set_job_id(job.job_id());
    r.set_attempt(job.attempt());
    r.add_log_lines(absl::StrCat("birth ", birth_order, " attempt ", job.attempt()));
    const int which = (round * kWorkers + w) % 7;
    if (which == 3) {
      r.mutable_failure()->set_reason(absl::StrCat("out of memory at birth ", birth_order));
      r.mutable_failure()->set_retryable(round % 2 == 0);
      return r;
    }
    v1::EvaluationResult& result = *r.mutable_result();
    result.set_fitness(0.5 + 0.4 * std::sin(birth_order * 1.7));
    result.set_parameter_count(1000 + 37 * birth_order);
    (*result.mutable_metrics())["train_seconds"] = 0.25 * birth_order;
    (*result.mutable_metrics())["train_loss"] = 1.0 / (1 + birth_order);
    result.set_checkpoint(absl::StrCat("sha256:", birth_order));
    if (which == 5) result.set_checkpoint(kNeverUploaded);  // Refused.
    result.mutable_data()->set_fingerprint("digits-v1");
    result.mutable_data()->set_train_examples(100);
    return r;
  }

  const bool batched_;
  testing::TestDatabase test_db_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<JobQueue> queue_;
};

// The promise of group commit: reports recorded together leave exactly what
// recording them one at a time, in the same order, leaves: the same
// children of the same parents, the same members aged out at the same
// evaluation, the same weights released, jobs, attempts, metrics, logs and
// counters, and the same outcome for every report (failures, retries and a
// refused report among them).
TEST(ReportBatchEquivalenceTest, BatchedReportsLeaveExactlyWhatOneAtATimeLeaves) {
  // The reference: one report at a time, each by the one-at-a-time path.
  SearchRun reference(/*batched=*/false, /*batched_writes=*/false);
  SearchRun alone(/*batched=*/false, /*batched_writes=*/true);
  SearchRun batched(/*batched=*/true, /*batched_writes=*/true);
  const std::string outcomes = reference.Run();
  EXPECT_THAT(outcomes, HasSubstr("result.checkpoint"));
  EXPECT_EQ(alone.Run(), outcomes);
  EXPECT_EQ(batched.Run(), outcomes);
  const std::string rows = reference.Rows();
  EXPECT_EQ(alone.Rows(), rows);
  EXPECT_EQ(batched.Rows(), rows);
  // The search ran to its end, aged members out, released weights, failed
  // and retried jobs; the batched run needed far fewer transactions.
  EXPECT_EQ(batched.Count("SELECT count(*) FROM searches WHERE state = 'succeeded'"), 1);
  EXPECT_GT(batched.Count("SELECT count(*) FROM individuals WHERE aged_out_at IS NOT NULL"), 5);
  EXPECT_GT(batched.Count("SELECT count(*) FROM individuals WHERE state = 'evaluated' "
                          "AND checkpoint_digest IS NULL"),
            5);
  EXPECT_GT(batched.Count("SELECT count(*) FROM individuals WHERE state = 'failed'"), 0);
  EXPECT_GT(batched.Count("SELECT count(*) FROM job_attempts WHERE outcome = 'failed'"),
            batched.Count("SELECT count(*) FROM individuals WHERE state = 'failed'"));
  EXPECT_LT(batched.batches(), reference.batches() / 2);
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
