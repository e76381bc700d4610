// The listener behind long-poll leases, against a real PostgreSQL: NOTIFYs
// from other connections wake the right waiters, one at a time (the longest
// waiting first; one per kind for an empty payload; the next on a baton), the
// triggers of migration 0016 notify on queue changes and stay quiet on
// heartbeats, and a listening connection the server drops comes back.
#include "controller/store/job_notifications.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
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
    options.cancel_check_interval = absl::Milliseconds(100);
    notifications_ = JobNotifications::Start(options);
    ASSERT_TRUE(WaitListening(1)) << "the listener never connected";
  }

  void TearDown() override {
    if (notifications_) notifications_->Stop();
    for (auto& sleeper : sleepers_) sleeper->thread.join();
  }

  // One Wait() on a thread of its own, with what it returned.
  struct Sleeper {
    std::vector<int> kinds;
    std::thread thread;
    std::atomic<bool> done{false};
    std::atomic<bool> cancel{false};
    Wake wake = Wake::kDeadline;
  };

  // Starts a Wait() for `kinds` with a token taken now and a 30 s deadline,
  // and returns once it sleeps, so sleepers queue in the order started.
  Sleeper* StartSleeper(const std::vector<int>& kinds) {
    if (sleepers_.empty()) absl::SleepFor(absl::Milliseconds(200));  // The connect's wake-up.
    auto sleeper = std::make_unique<Sleeper>();
    Sleeper* raw = sleeper.get();
    raw->kinds = kinds;
    const int before = notifications_->sleeping();
    const uint64_t token = notifications_->Token(kinds);
    raw->thread = std::thread([this, raw, token] {
      raw->wake = notifications_->Wait(raw->kinds, token, absl::Now() + absl::Seconds(30),
                                       [raw] { return raw->cancel.load(); });
      raw->done = true;
    });
    sleepers_.push_back(std::move(sleeper));
    const absl::Time until = absl::Now() + absl::Seconds(10);
    while (notifications_->sleeping() == before && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    EXPECT_EQ(notifications_->sleeping(), before + 1) << "the waiter did not go to sleep";
    return raw;
  }

  // The indexes (in sleepers_) of the waits that have ended, after waiting
  // `settle` for any that are still on their way.
  std::vector<int> Ended(absl::Duration settle = absl::Milliseconds(500)) {
    absl::SleepFor(settle);
    std::vector<int> ended;
    for (int i = 0; i < static_cast<int>(sleepers_.size()); ++i) {
      if (sleepers_[i]->done) ended.push_back(i);
    }
    return ended;
  }

  // Waits until `n` waits were woken, up to 10 s.
  bool WaitWoken(int64_t n) {
    const absl::Time until = absl::Now() + absl::Seconds(10);
    while (notifications_->woken() < n && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    return notifications_->woken() >= n;
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
  std::vector<std::unique_ptr<Sleeper>> sleepers_;
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
  // The creation notifies twice ('' and its job's kind); the listener may
  // count them one after the other, so let the second land before the token
  // the lease and heartbeat are judged by (it once failed the check below).
  for (int i = 0; i < 5; ++i) {
    token = notifications_->Token(kTrain);
    if (WaitBriefly(kTrain, token) == Wake::kDeadline) break;
  }

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

TEST_F(JobNotificationsTest, OneNotificationWakesOneOfManyWaitersTheLongestWaitingFirst) {
  constexpr int kWaiters = 50;
  for (int i = 0; i < kWaiters; ++i) StartSleeper(kLookup);
  const int64_t woken = notifications_->woken();
  Notify("table_lookup");
  ASSERT_TRUE(WaitWoken(woken + 1));
  EXPECT_EQ(Ended(), std::vector<int>{0});
  EXPECT_EQ(sleepers_[0]->wake, Wake::kChanged);
  EXPECT_EQ(notifications_->sleeping(), kWaiters - 1);

  // Two more notifications: the next two in line, no one else.
  Notify("table_lookup");
  Notify("table_lookup");
  ASSERT_TRUE(WaitWoken(woken + 3));
  EXPECT_EQ(Ended(), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(notifications_->sleeping(), kWaiters - 3);
  // One for a kind nobody waits for wakes nobody.
  Notify("train_candidate");
  EXPECT_EQ(Ended(), (std::vector<int>{0, 1, 2}));
}

TEST_F(JobNotificationsTest, EmptyPayloadWakesOneWaiterPerKind) {
  for (int i = 0; i < 5; ++i) StartSleeper(kTrain);
  for (int i = 0; i < 5; ++i) StartSleeper(kLookup);
  const int64_t woken = notifications_->woken();
  Notify("");
  ASSERT_TRUE(WaitWoken(woken + 2));
  EXPECT_EQ(Ended(), (std::vector<int>{0, 5}));
  EXPECT_EQ(notifications_->sleeping(), 8);
  // A waiter of both kinds, longest waiting now, looks for both: it alone.
  for (int i = 1; i < 5; ++i) {
    sleepers_[i]->cancel = true;
    sleepers_[i + 5]->cancel = true;
  }
  const std::vector<int> both = {v1::TRAIN_CANDIDATE, v1::TABLE_LOOKUP};
  StartSleeper(both);  // 10
  StartSleeper(kTrain);
  StartSleeper(kLookup);
  ASSERT_EQ(Ended().size(), 10u);
  Notify("");
  ASSERT_TRUE(WaitWoken(woken + 3));
  EXPECT_EQ(Ended().size(), 11u);
  EXPECT_TRUE(sleepers_[10]->done);
  EXPECT_EQ(sleepers_[10]->wake, Wake::kChanged);
}

TEST_F(JobNotificationsTest, BatonWakesTheNextWaiterAndMovesTheTokens) {
  for (int i = 0; i < 5; ++i) StartSleeper(kLookup);
  const uint64_t lookup = notifications_->Token(kLookup);
  const uint64_t train = notifications_->Token(kTrain);
  notifications_->PassBaton(kLookup);
  EXPECT_EQ(Ended(), std::vector<int>{0});
  notifications_->PassBaton(kLookup);
  EXPECT_EQ(Ended(), (std::vector<int>{0, 1}));
  EXPECT_EQ(sleepers_[1]->wake, Wake::kChanged);
  // A waiter of the baton's kinds between its token and its wait looks again;
  // others sleep on.
  EXPECT_EQ(WaitBriefly(kLookup, lookup), Wake::kChanged);
  EXPECT_EQ(WaitBriefly(kTrain, train), Wake::kDeadline);
  EXPECT_EQ(notifications_->sleeping(), 3);
}

TEST_F(JobNotificationsTest, NotificationBetweenTokenAndWaitReturnsAtOnceAmongSleepers) {
  for (int i = 0; i < 20; ++i) StartSleeper(kLookup);
  const int64_t woken = notifications_->woken();
  const uint64_t token = notifications_->Token(kLookup);
  Notify("table_lookup");
  ASSERT_TRUE(WaitWoken(woken + 1));  // Delivered (to the longest waiting) before this waits.
  const absl::Time started = absl::Now();
  EXPECT_EQ(notifications_->Wait(kLookup, token, absl::Now() + absl::Seconds(10)), Wake::kChanged);
  EXPECT_LT(absl::Now() - started, absl::Milliseconds(100));
  EXPECT_EQ(Ended(), std::vector<int>{0});
}

TEST_F(JobNotificationsTest, StopEndsEverySleeper) {
  constexpr int kWaiters = 50;
  for (int i = 0; i < kWaiters; ++i) StartSleeper(i % 2 ? kTrain : kLookup);
  const absl::Time stopping = absl::Now();
  notifications_->Stop();
  EXPECT_EQ(Ended(absl::Milliseconds(200)).size(), static_cast<size_t>(kWaiters));
  EXPECT_LT(absl::Now() - stopping, absl::Seconds(2));
  for (const auto& sleeper : sleepers_) EXPECT_EQ(sleeper->wake, Wake::kStopped);
  EXPECT_EQ(notifications_->sleeping(), 0);
}

TEST_F(JobNotificationsTest, ReconnectWakesEverySleeper) {
  for (int i = 0; i < 20; ++i) StartSleeper(i % 2 ? kTrain : kLookup);
  {
    pqxx::connection admin(test_db_.dsn());
    pqxx::work txn(admin);
    txn.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'nas_job_notifications' AND datname = current_database()");
    txn.commit();
  }
  ASSERT_TRUE(WaitListening(2)) << "the listener did not reconnect";
  EXPECT_EQ(Ended().size(), 20u) << "what was notified while not listening is lost";
  for (const auto& sleeper : sleepers_) EXPECT_EQ(sleeper->wake, Wake::kChanged);
}

TEST_F(JobNotificationsTest, CancelledWaiterLeavesTheQueueAndIsNotWoken) {
  Sleeper* first = StartSleeper(kLookup);
  StartSleeper(kLookup);
  first->cancel = true;
  EXPECT_EQ(Ended(), std::vector<int>{0});
  EXPECT_EQ(first->wake, Wake::kCancelled);
  Notify("table_lookup");
  EXPECT_EQ(Ended(), (std::vector<int>{0, 1})) << "the notification went to the cancelled one";
  EXPECT_EQ(sleepers_[1]->wake, Wake::kChanged);
}

}  // namespace
}  // namespace nas
