// The one-statement lease (lease_statement.h) against a real PostgreSQL: two
// controllers racing for jobs, the workers row it writes or skips, and the
// undo of a lease whose job cannot be built.
#include "controller/store/lease_statement.h"

#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "controller/store/job_queue.h"
#include "controller/store/migrated_test_database.h"
#include "controller/store/search_step.h"
#include "controller/store/search_store.h"
#include "controller/store/test_spec.h"
#include "gtest/gtest.h"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

class LeaseStatementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::OpenMigratedDatabase(test_db_.dsn(), 4);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }

  static v1::WorkerInfo Worker(const std::string& id, int slots) {
    v1::WorkerInfo w;
    w.set_worker_id(id);
    w.set_hostname("test");
    w.set_device("cpu");
    w.set_slots(slots);
    w.add_job_kinds(v1::TRAIN_CANDIDATE);
    return w;
  }

  int64_t Count(const std::string& sql) { return testing::CountRows(*db_, sql); }

  std::string LastSeen(const std::string& worker) {
    std::string at;
    EXPECT_TRUE(db_->Transact([&](pqxx::work& txn) {
                     at = txn.exec_params1("SELECT last_seen::text FROM workers WHERE id = $1",
                                           worker)[0]
                              .as<std::string>();
                     return absl::OkStatus();
                   })
                    .ok());
    return at;
  }

  int ActiveTrainSlots() {
    int slots = -1;
    EXPECT_TRUE(db_->Transact([&](pqxx::work& txn) {
                     slots = ActiveSlots(txn, v1::TRAIN_CANDIDATE);
                     return absl::OkStatus();
                   })
                    .ok());
    return slots;
  }

  testing::TestDatabase test_db_;
  std::unique_ptr<Database> db_;
};

// Two controllers, each with its own connections, lease from one queue of
// 64 pending jobs at once: every job goes to exactly one lease, with one
// attempt row naming the worker that holds it.
TEST_F(LeaseStatementTest, LeasesRacingFromTwoControllersNeverGetTheSameJob) {
  constexpr int kJobs = 64;
  SearchStore searches(db_.get());
  ASSERT_TRUE(searches.CreateSearch(testing::SmallRandomSpec(kJobs)).ok());
  // A worker with kJobs slots has the search queue its whole budget.
  auto db2 = testing::OpenMigratedDatabase(test_db_.dsn(), 4);
  ASSERT_TRUE(db2.ok()) << db2.status();
  JobQueue first(db_.get());
  JobQueue second(db2->get());
  std::mutex mu;
  std::vector<int64_t> leased;
  std::vector<std::thread> racers;
  for (int t = 0; t < 8; ++t) {
    racers.emplace_back([&, t] {
      JobQueue& queue = t % 2 == 0 ? first : second;
      const v1::WorkerInfo worker = Worker("w" + std::to_string(t), kJobs);
      for (;;) {
        auto job = queue.LeaseJob(worker);
        ASSERT_TRUE(job.ok()) << job.status();
        if (!job->has_value()) return;
        EXPECT_EQ((*job)->attempt(), 1);
        std::lock_guard<std::mutex> lock(mu);
        leased.push_back((*job)->job_id());
      }
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(leased.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::set<int64_t>(leased.begin(), leased.end()).size(), leased.size());
  EXPECT_EQ(Count("SELECT count(*) FROM jobs WHERE state = 'leased' AND attempt = 1"), kJobs);
  EXPECT_EQ(Count("SELECT count(*) FROM job_attempts a JOIN jobs j ON j.id = a.job_id "
                  "AND j.attempt = a.attempt AND j.lease_owner = a.worker_id"),
            kJobs);
}

// The first lease writes the worker's row in the lease's own statement (the
// attempt row's foreign key holds); a lease soon after does not write it
// again, yet the worker keeps counting in ActiveSlots; other WorkerInfo is
// written at once.
TEST_F(LeaseStatementTest, AWorkerRefreshedWithinTheIntervalKeepsCounting) {
  SearchStore searches(db_.get());
  ASSERT_TRUE(searches.CreateSearch(testing::SmallRandomSpec(20)).ok());
  ASSERT_EQ(Count("SELECT count(*) FROM jobs WHERE state = 'pending'"), 1)
      << "a new search queues one job";
  JobQueue queue(db_.get());
  auto job = queue.LeaseJob(Worker("w1", 1));
  ASSERT_TRUE(job.ok() && job->has_value()) << job.status();
  const std::string seen = LastSeen("w1");
  EXPECT_EQ(ActiveTrainSlots(), 1);

  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(queue.LeaseJob(Worker("w1", 1)).ok());
  EXPECT_EQ(LastSeen("w1"), seen) << "refreshed less than WorkerRefreshes::kInterval ago";
  EXPECT_EQ(ActiveTrainSlots(), 1);

  auto three_slots = queue.LeaseJob(Worker("w1", 3));
  ASSERT_TRUE(three_slots.ok()) << three_slots.status();
  EXPECT_NE(LastSeen("w1"), seen);
  EXPECT_EQ(ActiveTrainSlots(), 3);
}

// A worker whose row is gone although this controller wrote it a moment ago
// (a database restored to an earlier state) is written again by its next
// lease, which gets its job.
TEST_F(LeaseStatementTest, AWorkerWhoseRowIsGoneIsWrittenAgainAtOnce) {
  JobQueue queue(db_.get());
  auto none = queue.LeaseJob(Worker("w1", 1));
  ASSERT_TRUE(none.ok() && !none->has_value()) << none.status();
  ASSERT_TRUE(db_->Transact([](pqxx::work& txn) {
                   txn.exec("DELETE FROM workers WHERE id = 'w1'");
                   return absl::OkStatus();
                 })
                  .ok());
  SearchStore searches(db_.get());
  ASSERT_TRUE(searches.CreateSearch(testing::SmallRandomSpec(20)).ok());
  auto job = queue.LeaseJob(Worker("w1", 1));
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_TRUE(job->has_value());
  EXPECT_EQ(Count("SELECT count(*) FROM workers WHERE id = 'w1'"), 1);
}

// A job that cannot be built (its search's spec no longer parses) after the
// lease committed on its own: the lease is undone, as a rolled back
// transaction would leave it.
TEST_F(LeaseStatementTest, ALeaseWhoseJobCannotBeBuiltIsUndone) {
  JobQueue queue(db_.get());
  // A worker with two slots seen first: the new search queues two jobs.
  auto none = queue.LeaseJob(Worker("w1", 2));
  ASSERT_TRUE(none.ok() && !none->has_value()) << none.status();
  SearchStore searches(db_.get());
  ASSERT_TRUE(searches.CreateSearch(testing::SmallRandomSpec(20)).ok());
  ASSERT_EQ(Count("SELECT count(*) FROM jobs WHERE state = 'pending'"), 2);
  ASSERT_TRUE(db_->Transact([](pqxx::work& txn) {
                   txn.exec("UPDATE searches SET spec_text = 'not a spec'");
                   return absl::OkStatus();
                 })
                  .ok());

  auto second = queue.LeaseJob(Worker("w2", 1));
  EXPECT_FALSE(second.ok());
  EXPECT_EQ(Count("SELECT count(*) FROM jobs WHERE state = 'pending' AND attempt = 0 "
                  "AND lease_owner IS NULL"),
            2);
  EXPECT_EQ(Count("SELECT count(*) FROM job_attempts"), 0);
}

}  // namespace
}  // namespace nas
