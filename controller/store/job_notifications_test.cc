// The listener behind long-poll leases, against a real PostgreSQL: NOTIFYs
// from other connections wake the right waiters, the triggers of migration
// 0016 notify on queue changes and stay quiet on heartbeats, and a listening
// connection the server drops comes back.
#include "controller/store/job_notifications.h"

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "controller/store/job_queue.h"
#include "controller/store/migrated_test_database.h"
#include "controller/store/search_store.h"
#include "controller/store/test_spec.h"
#include "controller/store/test_worker.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

using Wake = JobNotifications::Wake;

const std::vector<int> kTrain = {v1::TRAIN_CANDIDATE};
const std::vector<int> kLookup = {v1::TABLE_LOOKUP};

class JobNotificationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::OpenMigratedDatabase(test_db_.dsn(), 2);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    JobNotifications::Options options;
    options.dsn = test_db_.dsn();
    options.poll_interval = absl::Milliseconds(100);
    notifications_ = JobNotifications::Start(options);
    ASSERT_TRUE(WaitListening(1)) << "the listener never connected";
  }

  // Whether the listener has connected `n` times and listens now.
  bool WaitListening(int n) {
    const absl::Time until = absl::Now() + absl::Seconds(20);
    while (absl::Now() < until) {
      if (notifications_->listening() && notifications_->connections() >= n) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  // pg_notify from a connection of its own, as another controller's trigger.
  void Notify(const std::string& payload) {
    pqxx::connection conn(test_db_.dsn());
    pqxx::work txn(conn);
    txn.exec_params("SELECT pg_notify('nas_jobs', $1)", payload);
    txn.commit();
  }

  Wake WaitBriefly(const std::vector<int>& kinds, uint64_t token) {
    return notifications_->Wait(kinds, token, absl::Now() + absl::Milliseconds(400));
  }

  testing::TestDatabase test_db_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<JobNotifications> notifications_;
};

TEST_F(JobNotificationsTest, NotifyFromAnotherConnectionWakesWaitersOfThatKind) {
  const uint64_t train = notifications_->Token(kTrain);
  const uint64_t lookup = notifications_->Token(kLookup);
  std::thread notifier([&] {
    absl::SleepFor(absl::Milliseconds(200));
    Notify("table_lookup");
  });
  const absl::Time started = absl::Now();
  EXPECT_EQ(notifications_->Wait(kLookup, lookup, absl::Now() + absl::Seconds(10)), Wake::kChanged);
  EXPECT_LT(absl::Now() - started, absl::Seconds(5));
  notifier.join();
  // A worker that cannot run table lookups sleeps on.
  EXPECT_EQ(WaitBriefly(kTrain, train), Wake::kDeadline);
  // An empty payload (a search may queue more, of any kind) wakes everyone.
  Notify("");
  EXPECT_EQ(notifications_->Wait(kTrain, train, absl::Now() + absl::Seconds(10)), Wake::kChanged);
}

TEST_F(JobNotificationsTest, NotificationBeforeTheWaitIsNotMissed) {
  const uint64_t token = notifications_->Token(kTrain);
  Notify("train_candidate");
  absl::SleepFor(absl::Milliseconds(500));  // Delivered before anyone waits.
  EXPECT_EQ(WaitBriefly(kTrain, token), Wake::kChanged);
  EXPECT_EQ(WaitBriefly(kTrain, notifications_->Token(kTrain)), Wake::kDeadline);
}

TEST_F(JobNotificationsTest, TriggersNotifyQueueChangesButNotHeartbeats) {
  SearchStore searches(db_.get());
  JobQueue queue(db_.get());
  uint64_t token = notifications_->Token(kTrain);
  const auto created = searches.CreateSearch(testing::SmallRandomSpec(2));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(WaitBriefly(kTrain, token), Wake::kChanged) << "a search was created";

  token = notifications_->Token(kTrain);
  auto job = queue.LeaseJob(testing::TrainCandidateWorker());
  ASSERT_TRUE(job.ok() && job->has_value()) << job.status();
  v1::HeartbeatRequest beat;
  beat.set_worker_id("w1");
  beat.set_job_id((*job)->job_id());
  beat.set_attempt((*job)->attempt());
  beat.set_progress(0.5);
  ASSERT_TRUE(queue.Heartbeat(beat).ok());
  // Both the lease and the heartbeat leave nothing new to lease (a lease that
  // found the queue empty may have queued the next job, which notifies).
  const bool topped_up = [&] {
    int pending = 0;
    EXPECT_TRUE(
        db_->Transact([&](pqxx::work& txn) {
             pending = txn.exec1("SELECT count(*) FROM jobs WHERE state = 'pending'")[0].as<int>();
             return absl::OkStatus();
           })
            .ok());
    return pending > 0;
  }();
  if (!topped_up) EXPECT_EQ(WaitBriefly(kTrain, token), Wake::kDeadline);

  token = notifications_->Token(kTrain);
  ASSERT_TRUE(queue.Heartbeat(beat).ok());
  EXPECT_EQ(WaitBriefly(kTrain, token), Wake::kDeadline) << "a heartbeat notified";

  v1::ReportResultRequest report;
  report.set_worker_id("w1");
  report.set_job_id((*job)->job_id());
  report.set_attempt((*job)->attempt());
  report.mutable_result()->set_fitness(0.5);
  report.mutable_result()->set_parameter_count(10);
  ASSERT_TRUE(queue.ReportResult(report).ok());
  EXPECT_EQ(WaitBriefly(kTrain, token), Wake::kChanged) << "a lease ended";

  // Resuming a finished search with more budget lets it queue more.
  token = notifications_->Token(kLookup);
  ASSERT_TRUE(db_->Transact([](pqxx::work& txn) {
                   txn.exec("UPDATE searches SET state = 'succeeded'");
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_EQ(WaitBriefly(kLookup, token), Wake::kDeadline) << "a search ended";
  ASSERT_TRUE(db_->Transact([](pqxx::work& txn) {
                   txn.exec("UPDATE searches SET state = 'running', budget = budget + 1");
                   return absl::OkStatus();
                 })
                  .ok());
  EXPECT_EQ(WaitBriefly(kLookup, token), Wake::kChanged) << "a search was resumed";
}

TEST_F(JobNotificationsTest, ReconnectsWhenTheServerDropsTheConnection) {
  const uint64_t token = notifications_->Token(kTrain);
  {
    pqxx::connection admin(test_db_.dsn());
    pqxx::work txn(admin);
    const pqxx::row killed = txn.exec1(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = 'nas_job_notifications' AND datname = current_database()");
    txn.commit();
    ASSERT_EQ(killed[0].as<int>(), 1);
  }
  ASSERT_TRUE(WaitListening(2)) << "the listener did not reconnect";
  // Waiters are woken by the reconnect (what was notified meanwhile is lost)...
  EXPECT_EQ(WaitBriefly(kTrain, token), Wake::kChanged);
  // ...and notifications arrive again.
  const uint64_t after = notifications_->Token(kTrain);
  Notify("train_candidate");
  EXPECT_EQ(notifications_->Wait(kTrain, after, absl::Now() + absl::Seconds(10)), Wake::kChanged);
}

TEST_F(JobNotificationsTest, StopEndsWaitsAtOnce) {
  const uint64_t token = notifications_->Token(kTrain);
  std::thread stopper([&] {
    absl::SleepFor(absl::Milliseconds(200));
    notifications_->Stop();
  });
  const absl::Time started = absl::Now();
  EXPECT_EQ(notifications_->Wait(kTrain, token, absl::Now() + absl::Seconds(30)), Wake::kStopped);
  EXPECT_LT(absl::Now() - started, absl::Seconds(5));
  stopper.join();
  EXPECT_EQ(notifications_->Wait(kTrain, token, absl::Now() + absl::Seconds(30)), Wake::kStopped);
  EXPECT_FALSE(notifications_->listening());
}

}  // namespace
}  // namespace nas
