// A long job's resume state against a real PostgreSQL: a heartbeat records
// it (only for a stored checkpoint), the next attempt's lease hands it out,
// and garbage collection keeps its checkpoint while the job may still run.
#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "controller/store/checkpoint_store.h"
#include "controller/store/job_queue.h"
#include "controller/store/migrated_test_database.h"
#include "controller/store/search_store.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

class JobResumeStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::OpenMigratedDatabase(test_db_.dsn(), 2);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    searches_ = std::make_unique<SearchStore>(db_.get());
    queue_ = std::make_unique<JobQueue>(db_.get());
    checkpoints_ = std::make_unique<CheckpointStore>(db_.get());
    v1::SearchSpec spec;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
        R"pb(
          space { darts_cell { nodes: 2 } }
          strategy { random {} }
          training { epochs: 1 batch_size: 8 learning_rate: 0.1 init_channels: 4 cells: 1 }
          dataset { format: DIGITS_CSV path: "unused" validation_examples: 10 }
          budget: 1
          seed: 3
          lease_seconds: 1
          max_attempts: 3
        )pb",
        &spec));
    ASSERT_TRUE(searches_->CreateSearch(spec).ok());
  }

  v1::Job Lease() {
    v1::WorkerInfo w;
    w.set_worker_id("w1");
    w.set_device("cpu");
    w.add_job_kinds(v1::TRAIN_CANDIDATE);
    auto job = queue_->LeaseJob(w);
    EXPECT_TRUE(job.ok()) << job.status();
    EXPECT_TRUE(job.ok() && job->has_value());
    return job.ok() ? job->value_or(v1::Job()) : v1::Job();
  }

  std::string Put(const std::string& bytes) {
    bool sent = false;
    auto stored = checkpoints_->Put([&]() -> absl::StatusOr<std::optional<std::string>> {
      if (sent) return std::optional<std::string>();
      sent = true;
      return std::optional<std::string>(bytes);
    });
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? stored->digest : "";
  }

  static v1::HeartbeatRequest Beat(const v1::Job& job, const std::string& digest, int epoch) {
    v1::HeartbeatRequest beat;
    beat.set_worker_id("w1");
    beat.set_job_id(job.job_id());
    beat.set_attempt(job.attempt());
    beat.set_resume_checkpoint(digest);
    beat.set_resume_epoch(epoch);
    return beat;
  }

  // The job's (resume_checkpoint, resume_epoch, lease_expires_at) as text.
  std::string JobRow(int64_t job_id) {
    std::string row;
    EXPECT_TRUE(db_->Transact([&](pqxx::work& txn) {
                     const pqxx::row r = txn.exec_params1(
                         "SELECT COALESCE(resume_checkpoint, '-'), COALESCE(resume_epoch, 0), "
                         "lease_expires_at::text FROM jobs WHERE id = $1",
                         job_id);
                     row = absl::StrCat(r[0].as<std::string>(), " ", r[1].as<int>(), " ",
                                        r[2].as<std::string>());
                     return absl::OkStatus();
                   })
                    .ok());
    return row;
  }

  testing::TestDatabase test_db_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SearchStore> searches_;
  std::unique_ptr<JobQueue> queue_;
  std::unique_ptr<CheckpointStore> checkpoints_;
};

TEST_F(JobResumeStateTest, TheNextAttemptGetsTheNewestResumeState) {
  const v1::Job first = Lease();
  EXPECT_EQ(first.resume_checkpoint(), "");
  EXPECT_EQ(first.resume_epoch(), 0);
  const std::string epoch1 = Put("state after epoch 1");
  const std::string epoch2 = Put("state after epoch 2");
  ASSERT_TRUE(queue_->Heartbeat(Beat(first, epoch1, 1)).ok());
  ASSERT_TRUE(queue_->Heartbeat(Beat(first, epoch2, 2)).ok());
  // A heartbeat without one keeps the state recorded.
  ASSERT_TRUE(queue_->Heartbeat(Beat(first, "", 0)).ok());

  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // The lease expires.
  auto reclaimed = queue_->ReclaimExpiredLeases();
  ASSERT_TRUE(reclaimed.ok()) << reclaimed.status();
  ASSERT_EQ(*reclaimed, 1);
  const v1::Job second = Lease();
  EXPECT_EQ(second.job_id(), first.job_id());
  EXPECT_EQ(second.attempt(), first.attempt() + 1);
  EXPECT_EQ(second.resume_checkpoint(), epoch2);
  EXPECT_EQ(second.resume_epoch(), 2);
}

TEST_F(JobResumeStateTest, ACheckpointThatIsNotStoredIsRefusedAndChangesNothing) {
  const v1::Job job = Lease();
  const std::string before = JobRow(job.job_id());
  const std::string unknown = absl::StrCat("sha256:", std::string(64, 'a'));
  auto refused = queue_->Heartbeat(Beat(job, unknown, 1));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("resume_checkpoint: "));
  EXPECT_THAT(refused.status().message(), HasSubstr("is not a stored checkpoint"));
  // Neither the state nor the lease moved.
  EXPECT_EQ(JobRow(job.job_id()), before);
}

TEST_F(JobResumeStateTest, GarbageCollectionKeepsTheStateUntilTheJobEnds) {
  const v1::Job job = Lease();
  const std::string digest = Put("resume state");
  ASSERT_TRUE(queue_->Heartbeat(Beat(job, digest, 1)).ok());
  auto deleted = checkpoints_->CollectGarbage(absl::ZeroDuration());
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, 0) << "the leased job's resume state was collected";

  v1::ReportResultRequest report;
  report.set_worker_id("w1");
  report.set_job_id(job.job_id());
  report.set_attempt(job.attempt());
  report.mutable_result()->set_fitness(0.5);
  ASSERT_TRUE(queue_->ReportResult(report).ok());
  deleted = checkpoints_->CollectGarbage(absl::ZeroDuration());
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, 1) << "the ended job's resume state was kept";
}

}  // namespace
}  // namespace nas
