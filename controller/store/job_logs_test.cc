// Job logs and the workers listing against a real PostgreSQL: lines arrive
// with Heartbeat and ReportResult through the JobQueue, fenced by the lease.
#include "controller/store/job_logs.h"

#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/rpc/log_lines.h"
#include "controller/store/job_queue.h"
#include "controller/store/migrated_test_database.h"
#include "controller/store/migrator.h"
#include "controller/store/search_store.h"
#include "controller/store/test_spec.h"
#include "controller/store/worker_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class JobLogsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::OpenMigratedDatabase(test_db_.dsn(), 8);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    searches_ = std::make_unique<SearchStore>(db_.get());
    queue_ = std::make_unique<JobQueue>(db_.get());
    logs_ = std::make_unique<JobLogStore>(db_.get());
    workers_ = std::make_unique<WorkerStore>(db_.get());
  }

  int64_t CreateSearch(int budget, int lease_seconds = 60) {
    const v1::SearchSpec spec = testing::SmallRandomSpec(budget, lease_seconds);
    auto search = searches_->CreateSearch(spec);
    EXPECT_TRUE(search.ok()) << search.status();
    return search.ok() ? search->id() : 0;
  }

  static v1::WorkerInfo Worker(const std::string& id, int slots = 1) {
    v1::WorkerInfo w;
    w.set_worker_id(id);
    w.set_hostname(absl::StrCat(id, ".example"));
    w.set_device("cpu");
    w.set_device_model(absl::StrCat("Test CPU of ", id));
    w.set_slots(slots);
    w.add_job_kinds(v1::TRAIN_CANDIDATE);
    return w;
  }

  v1::Job MustLease(const v1::WorkerInfo& worker) {
    auto job = queue_->LeaseJob(worker);
    EXPECT_TRUE(job.ok()) << job.status();
    EXPECT_TRUE(job.ok() && job->has_value());
    return job.ok() ? job->value_or(v1::Job()) : v1::Job();
  }

  static std::vector<std::string> Numbered(const std::string& prefix, int from, int n) {
    std::vector<std::string> lines;
    for (int i = from; i < from + n; ++i) lines.push_back(absl::StrCat(prefix, i));
    return lines;
  }

  absl::Status Heartbeat(const v1::Job& job, const std::string& worker,
                         const std::vector<std::string>& lines, double progress = 0.5) {
    v1::HeartbeatRequest hb;
    hb.set_worker_id(worker);
    hb.set_job_id(job.job_id());
    hb.set_attempt(job.attempt());
    hb.set_progress(progress);
    for (const auto& line : lines) hb.add_log_lines(line);
    return queue_->Heartbeat(hb).status();
  }

  static v1::ReportResultRequest Report(const v1::Job& job, const std::string& worker,
                                        const std::vector<std::string>& lines) {
    v1::ReportResultRequest r;
    r.set_worker_id(worker);
    r.set_job_id(job.job_id());
    r.set_attempt(job.attempt());
    r.mutable_result()->set_fitness(0.5);
    r.mutable_result()->set_parameter_count(1000);
    for (const auto& line : lines) r.add_log_lines(line);
    return r;
  }

  static v1::ReportResultRequest Failure(const v1::Job& job, const std::string& worker,
                                         const std::vector<std::string>& lines) {
    v1::ReportResultRequest r = Report(job, worker, lines);
    r.mutable_failure()->set_reason("non-finite loss (nan) at step 3 of 10");
    return r;
  }

  std::vector<std::string> Texts(int64_t search_id, int64_t individual_id = 0, int skip = 0,
                                 int limit = 100000) {
    auto lines = logs_->ListJobLogs(search_id, individual_id, skip, limit);
    EXPECT_TRUE(lines.ok()) << lines.status();
    std::vector<std::string> out;
    if (lines.ok()) {
      for (const auto& l : *lines) out.push_back(l.text());
    }
    return out;
  }

  void Exec(const std::string& sql) {
    ASSERT_TRUE(db_->Transact([&](pqxx::work& txn) {
                     txn.exec(sql);
                     return absl::OkStatus();
                   })
                    .ok());
  }

  testing::TestDatabase test_db_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SearchStore> searches_;
  std::unique_ptr<JobQueue> queue_;
  std::unique_ptr<JobLogStore> logs_;
  std::unique_ptr<WorkerStore> workers_;
};

TEST_F(JobLogsTest, LinesOfHeartbeatsAndTheReportAreKeptInOrder) {
  const int64_t search = CreateSearch(1);
  const v1::Job job = MustLease(Worker("w1"));
  ASSERT_TRUE(Heartbeat(job, "w1", {"started", "epoch 1/2"}).ok());
  ASSERT_TRUE(Heartbeat(job, "w1", {}).ok());
  ASSERT_TRUE(Heartbeat(job, "w1", {"epoch 2/2"}).ok());
  ASSERT_TRUE(queue_->ReportResult(Report(job, "w1", {"fitness 0.5"})).ok());
  // A retried report is answered as a duplicate and stores nothing again.
  auto again = queue_->ReportResult(Report(job, "w1", {"fitness 0.5"}));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate);

  EXPECT_THAT(Texts(search), ElementsAre("started", "epoch 1/2", "epoch 2/2", "fitness 0.5"));
  auto lines = logs_->ListJobLogs(search, 0, 0, 1000);
  ASSERT_TRUE(lines.ok());
  const v1::JobLogLine& first = (*lines)[0];
  EXPECT_EQ(first.job_id(), job.job_id());
  EXPECT_EQ(first.attempt(), 1);
  EXPECT_EQ(first.individual_id(), job.individual_id());
  EXPECT_EQ(first.worker_id(), "w1");
  EXPECT_GT(first.time().seconds(), 1700000000);
}

TEST_F(JobLogsTest, LinesAreCleanedAndCutButNeverRefusedForTheirContent) {
  const int64_t search = CreateSearch(1);
  const v1::Job job = MustLease(Worker("w1"));
  ASSERT_TRUE(Heartbeat(job, "w1",
                        {std::string(1500, 'x'), "two\nlines\tand \x01 more",
                         std::string("nul\0byte", 8), "caf\xE9"})
                  .ok());
  EXPECT_THAT(Texts(search), ElementsAre(std::string(kMaxLogLineBytes, 'x'), "two lines and   more",
                                         "nul byte", "caf?"));
}

TEST_F(JobLogsTest, TooManyLinesInOneCallAreRefusedAndChangeNothing) {
  const int64_t search = CreateSearch(1);
  const v1::Job job = MustLease(Worker("w1"));
  const auto too_many = Numbered("line ", 0, kMaxLogLinesPerRequest + 1);
  const absl::Status hb = Heartbeat(job, "w1", too_many, /*progress=*/0.9);
  EXPECT_EQ(hb.code(), absl::StatusCode::kInvalidArgument) << hb;
  EXPECT_THAT(hb.message(), HasSubstr("log_lines: 201 lines, at most 200 per request"));
  auto report = queue_->ReportResult(Report(job, "w1", too_many));
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(report.status().message(), HasSubstr("log_lines"));
  EXPECT_TRUE(Texts(search).empty());
  auto listed = workers_->ListWorkers(60);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  ASSERT_EQ((*listed)[0].jobs_size(), 1) << "the report was refused: the job is still leased";
  EXPECT_EQ((*listed)[0].jobs(0).progress(), 0) << "the heartbeat was refused whole";
}

// Fencing: lines of an attempt that lost its lease are refused with the call
// and never stored, whether they come with a heartbeat or a report.
TEST_F(JobLogsTest, AStaleAttemptsLinesAreRefusedWithTheCall) {
  const int64_t search = CreateSearch(1, /*lease_seconds=*/1);
  const v1::Job first = MustLease(Worker("w1"));
  ASSERT_TRUE(Heartbeat(first, "w1", {"attempt 1 started"}).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_TRUE(queue_->ReclaimExpiredLeases().ok());
  const v1::Job second = MustLease(Worker("w2"));
  ASSERT_EQ(second.job_id(), first.job_id());
  ASSERT_EQ(second.attempt(), 2);

  EXPECT_EQ(Heartbeat(first, "w1", {"stale heartbeat"}).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(queue_->ReportResult(Failure(first, "w1", {"stale report"})).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // The right attempt from the wrong worker is no better.
  EXPECT_EQ(Heartbeat(second, "w1", {"wrong worker"}).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(Heartbeat(second, "w2", {"attempt 2 started"}).ok());
  ASSERT_TRUE(queue_->ReportResult(Report(second, "w2", {"attempt 2 done"})).ok());

  EXPECT_THAT(Texts(search),
              ElementsAre("attempt 1 started", "attempt 2 started", "attempt 2 done"));
  auto lines = logs_->ListJobLogs(search, 0, 0, 1000);
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ((*lines)[0].attempt(), 1);
  EXPECT_EQ((*lines)[0].worker_id(), "w1");
  EXPECT_EQ((*lines)[2].attempt(), 2);
  EXPECT_EQ((*lines)[2].worker_id(), "w2");
}

// Heartbeats fill an attempt's share (799 lines); past it one marker line
// counts the dropped ones and is updated in place, so the lines a reader has
// counted never move. The failure report's lines are still stored after it.
TEST_F(JobLogsTest, PastTheBoundOneMarkerCountsTheDroppedAndTheFailureLinesStillFit) {
  const int64_t search = CreateSearch(1);
  const v1::Job job = MustLease(Worker("w1"));
  for (int call = 0; call < 5; ++call) {  // 1000 lines, 200 a call.
    ASSERT_TRUE(Heartbeat(job, "w1", Numbered("hb ", call * 200, 200)).ok());
  }
  std::vector<std::string> texts = Texts(search);
  ASSERT_EQ(texts.size(), static_cast<size_t>(kMaxHeartbeatLogLinesPerAttempt + 1));
  EXPECT_EQ(texts[kMaxHeartbeatLogLinesPerAttempt - 1], "hb 798");
  EXPECT_THAT(texts.back(), HasSubstr("[201 more line(s) of job"));
  EXPECT_THAT(texts.back(), HasSubstr("heartbeats may store 799 of an attempt's 1000 lines"));

  const std::vector<std::string> counted = Texts(search, 0, /*skip=*/790);
  ASSERT_TRUE(Heartbeat(job, "w1", Numbered("late ", 0, 50)).ok());
  texts = Texts(search);
  ASSERT_EQ(texts.size(), 800u) << "the marker is updated, not repeated";
  EXPECT_THAT(texts.back(), HasSubstr("[251 more line(s)"));
  EXPECT_EQ(std::vector<std::string>(texts.begin() + 790, texts.end() - 1),
            std::vector<std::string>(counted.begin(), counted.end() - 1));

  std::vector<std::string> last_words = Numbered("failure detail ", 0, 199);
  last_words.push_back("failed: non-finite loss (nan) at step 3 of 10");
  ASSERT_TRUE(queue_->ReportResult(Failure(job, "w1", last_words)).ok());
  texts = Texts(search);
  ASSERT_EQ(texts.size(), static_cast<size_t>(kMaxLogLinesPerAttempt));
  EXPECT_EQ(texts.back(), "failed: non-finite loss (nan) at step 3 of 10");
  EXPECT_EQ(texts[800], "failure detail 0");
}

// A second attempt has a bound of its own: the first's lines do not count.
TEST_F(JobLogsTest, EachAttemptHasItsOwnBound) {
  const int64_t search = CreateSearch(1);
  const v1::Job first = MustLease(Worker("w1"));
  for (int call = 0; call < 4; ++call) {
    ASSERT_TRUE(Heartbeat(first, "w1", Numbered("a1 ", call * 200, 200)).ok());
  }
  v1::ReportResultRequest retry = Failure(first, "w1", {"out of memory"});
  retry.mutable_failure()->set_retryable(true);
  ASSERT_TRUE(queue_->ReportResult(retry).ok());
  const v1::Job second = MustLease(Worker("w1"));
  ASSERT_EQ(second.attempt(), 2);
  ASSERT_TRUE(Heartbeat(second, "w1", Numbered("a2 ", 0, 200)).ok());
  const std::vector<std::string> texts = Texts(search);
  ASSERT_EQ(texts.size(), 799u + 1 + 1 + 200);  // Heartbeats, marker, report, attempt 2.
  EXPECT_EQ(texts[800], "out of memory");
  EXPECT_EQ(texts.back(), "a2 199");
}

TEST_F(JobLogsTest, SkipPagesAndTheIndividualFilterSelects) {
  const int64_t search = CreateSearch(4);
  const v1::WorkerInfo worker = Worker("w1", /*slots=*/2);
  const v1::Job a = MustLease(worker);
  const v1::Job b = MustLease(worker);
  ASSERT_NE(a.individual_id(), b.individual_id());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Heartbeat(a, "w1", {absl::StrCat("a", i)}).ok());
    ASSERT_TRUE(Heartbeat(b, "w1", {absl::StrCat("b", i)}).ok());
  }
  EXPECT_THAT(Texts(search), ElementsAre("a0", "b0", "a1", "b1", "a2", "b2"));
  EXPECT_THAT(Texts(search, 0, /*skip=*/2, /*limit=*/3), ElementsAre("a1", "b1", "a2"));
  EXPECT_TRUE(Texts(search, 0, /*skip=*/6).empty());
  EXPECT_THAT(Texts(search, b.individual_id()), ElementsAre("b0", "b1", "b2"));
  EXPECT_THAT(Texts(search, b.individual_id(), /*skip=*/1), ElementsAre("b1", "b2"));

  auto unknown = logs_->ListJobLogs(search + 100, 0, 0, 10);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  const int64_t other = CreateSearch(1);
  auto elsewhere = logs_->ListJobLogs(other, a.individual_id(), 0, 10);
  EXPECT_EQ(elsewhere.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(elsewhere.status().message(),
              HasSubstr(absl::StrCat("individual_id: ", a.individual_id(),
                                     " is not an individual of search ", other)));
}

// Lines get ids in commit order: while one transaction holding lines is
// open, another search job's lines wait for it, so a reader paging by the
// count it has read never finds an earlier line appear behind it.
TEST_F(JobLogsTest, APollerPagingBySkipMissesNoLineOfAnOverlappingTransaction) {
  const int64_t search = CreateSearch(2);
  const v1::WorkerInfo worker = Worker("w1", /*slots=*/2);
  const v1::Job a = MustLease(worker);
  const v1::Job b = MustLease(worker);
  pqxx::connection conn(test_db_.dsn());
  auto slow = std::make_unique<pqxx::work>(conn);
  LogLines lines_a;
  lines_a.Add("a");
  AppendJobLog(*slow, {search, a.job_id(), a.attempt(), "w1"}, lines_a, LogSource::kHeartbeat);

  std::thread fast([&] { EXPECT_TRUE(Heartbeat(b, "w1", {"b"}).ok()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::vector<std::string> seen = Texts(search);  // "b" would come first without the lock.
  slow->commit();
  fast.join();
  const std::vector<std::string> rest = Texts(search, 0, static_cast<int>(seen.size()));
  seen.insert(seen.end(), rest.begin(), rest.end());
  EXPECT_THAT(seen, ElementsAre("a", "b"));
}

TEST_F(JobLogsTest, WorkersAreListedWithTheirDevicesAndTheJobsTheyHold) {
  CreateSearch(1);
  const v1::Job job = MustLease(Worker("busy", /*slots=*/2));
  ASSERT_TRUE(Heartbeat(job, "busy", {}, /*progress=*/0.25).ok());
  auto idle = queue_->LeaseJob(Worker("idle"));  // Nothing left to lease.
  ASSERT_TRUE(idle.ok()) << idle.status();
  ASSERT_FALSE(idle->has_value());

  auto listed = workers_->ListWorkers(3600);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2u);
  const v1::WorkerStatus& recent = (*listed)[0];
  EXPECT_EQ(recent.worker_id(), "idle") << "most recently seen first";
  EXPECT_EQ(recent.jobs_size(), 0);
  const v1::WorkerStatus& busy = (*listed)[1];
  EXPECT_EQ(busy.worker_id(), "busy");
  EXPECT_EQ(busy.hostname(), "busy.example");
  EXPECT_EQ(busy.device(), "cpu");
  EXPECT_EQ(busy.device_model(), "Test CPU of busy");
  EXPECT_EQ(busy.slots(), 2);
  EXPECT_THAT(busy.job_kinds(), ElementsAre(v1::TRAIN_CANDIDATE));
  EXPECT_LE(busy.first_seen_time().seconds(), busy.last_seen_time().seconds());
  ASSERT_EQ(busy.jobs_size(), 1);
  EXPECT_EQ(busy.jobs(0).job_id(), job.job_id());
  EXPECT_EQ(busy.jobs(0).attempt(), 1);
  EXPECT_EQ(busy.jobs(0).individual_id(), job.individual_id());
  EXPECT_EQ(busy.jobs(0).search_id(), job.search_id());
  EXPECT_EQ(busy.jobs(0).kind(), v1::TRAIN_CANDIDATE);
  EXPECT_DOUBLE_EQ(busy.jobs(0).progress(), 0.25);
  EXPECT_GT(busy.jobs(0).lease_expire_time().seconds(), busy.last_seen_time().seconds());

  // Seen two hours ago: outside the last hour, inside the last day.
  Exec("UPDATE workers SET last_seen = now() - interval '2 hours' WHERE id = 'busy'");
  listed = workers_->ListWorkers(3600);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].worker_id(), "idle");
  listed = workers_->ListWorkers(86400);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[1].jobs_size(), 1);
}

// Rows written before migration 9 held the device and its model in one
// column; the migration splits them, and latency tables keep their keys.
TEST(JobLogsMigrationTest, OldWorkerRowsGetTheirModelSplitOff) {
  testing::TestDatabase test_db;
  auto db = Database::Create({test_db.dsn(), 2});
  ASSERT_TRUE(db.ok()) << db.status();
  std::vector<Migration> before;
  for (const Migration& m : EmbeddedMigrations()) {
    if (m.version < 9) before.push_back(m);
  }
  ASSERT_TRUE(ApplyMigrations(**db, before).ok());
  ASSERT_TRUE((*db)
                  ->Transact([](pqxx::work& txn) {
                    txn.exec(
                        "INSERT INTO workers (id, hostname, device, job_kinds) VALUES "
                        "('a', 'h', 'cuda:0 (NVIDIA H200 (SXM))', '{train_candidate}'), "
                        "('b', 'h', 'cpu', '{train_candidate}')");
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(ApplyMigrations(**db, EmbeddedMigrations()).ok());
  auto listed = WorkerStore(db->get()).ListWorkers(60);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].device(), "cuda:0");
  EXPECT_EQ((*listed)[0].device_model(), "NVIDIA H200 (SXM)");
  EXPECT_EQ((*listed)[1].device(), "cpu");
  EXPECT_EQ((*listed)[1].device_model(), "");
}

}  // namespace
}  // namespace nas
