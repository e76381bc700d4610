// Early stopping at the heartbeat, against a real PostgreSQL: a candidate
// whose epoch is below the median of the earlier candidates' is told to stop
// (never before min_epochs or min_candidates), keeps being told so, and is
// recorded with the reason when its result comes.
#include <string>

#include "controller/search/spec_validation.h"
#include "controller/store/job_queue.h"
#include "controller/store/migrated_test_database.h"
#include "controller/store/search_store.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

class EarlyStoppingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::OpenMigratedDatabase(test_db_.dsn(), 2);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    searches_ = std::make_unique<SearchStore>(db_.get());
    queue_ = std::make_unique<JobQueue>(db_.get());
  }

  // Random search of `budget` candidates of 4 epochs; with early stopping
  // when `rule` is not empty.
  int64_t CreateSearch(int budget, const std::string& rule) {
    v1::SearchSpec spec;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
        R"pb(
              space { darts_cell { nodes: 2 } }
              strategy { random {} }
              training { epochs: 4 batch_size: 8 learning_rate: 0.1 init_channels: 4 cells: 1 }
              dataset { format: DIGITS_CSV path: "unused" validation_examples: 10 }
              seed: 5
        )pb" +
            rule,
        &spec));
    spec.set_budget(budget);
    EXPECT_TRUE(ValidateAndNormalizeSpec(&spec).ok());
    auto search = searches_->CreateSearch(spec);
    EXPECT_TRUE(search.ok()) << search.status();
    return search.ok() ? search->id() : 0;
  }

  v1::Job Lease() {
    v1::WorkerInfo w;
    w.set_worker_id("w1");
    w.set_device("cpu");
    w.add_job_kinds(v1::TRAIN_CANDIDATE);
    w.set_slots(4);  // Several candidates in flight at once.
    auto job = queue_->LeaseJob(w);
    EXPECT_TRUE(job.ok() && job->has_value()) << job.status();
    return job.ok() ? job->value_or(v1::Job()) : v1::Job();
  }

  // The answer to a heartbeat carrying epoch `epoch` (0 = none) with `accuracy`.
  v1::HeartbeatResponse Beat(const v1::Job& job, int epoch, double accuracy) {
    v1::HeartbeatRequest hb;
    hb.set_worker_id("w1");
    hb.set_job_id(job.job_id());
    hb.set_attempt(job.attempt());
    if (epoch > 0) {
      hb.mutable_epoch()->set_epoch(epoch);
      hb.mutable_epoch()->set_epochs(4);
      (*hb.mutable_epoch()->mutable_metrics())["valid_accuracy"] = accuracy;
      (*hb.mutable_epoch()->mutable_metrics())["train_loss"] = 1 - accuracy;
    }
    auto answer = queue_->Heartbeat(hb);
    EXPECT_TRUE(answer.ok()) << answer.status();
    return answer.value_or(v1::HeartbeatResponse());
  }

  void Report(const v1::Job& job, double fitness) {
    v1::ReportResultRequest r;
    r.set_worker_id("w1");
    r.set_job_id(job.job_id());
    r.set_attempt(job.attempt());
    r.mutable_result()->set_fitness(fitness);
    ASSERT_TRUE(queue_->ReportResult(r).ok());
  }

  // A candidate that trains all 4 epochs at accuracy base + 0.1 * epoch.
  void TrainFully(double base) {
    const v1::Job job = Lease();
    for (int e = 1; e <= 4; ++e) EXPECT_FALSE(Beat(job, e, base + 0.1 * e).stop()) << e;
    Report(job, base + 0.4);
  }

  v1::Individual IndividualOf(int64_t search_id, const v1::Job& job) {
    auto page = searches_->ListIndividuals(search_id, {100, ""});
    EXPECT_TRUE(page.ok()) << page.status();
    for (const v1::Individual& ind : page->items) {
      if (ind.id() == job.individual_id()) return ind;
    }
    ADD_FAILURE() << "no individual " << job.individual_id();
    return v1::Individual();
  }

  testing::TestDatabase test_db_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SearchStore> searches_;
  std::unique_ptr<JobQueue> queue_;
};

constexpr char kMedian[] = "early_stopping { median_stopping { min_epochs: 2 min_candidates: 3 } }";

TEST_F(EarlyStoppingTest, PoorEpochIsStoppedAndRecordedWithTheReason) {
  const int64_t search = CreateSearch(6, kMedian);
  TrainFully(0.3);  // Epoch 2: 0.5.
  TrainFully(0.5);  // 0.7.
  // Only two earlier candidates: a poor epoch 2 goes on (min_candidates 3).
  const v1::Job third = Lease();
  EXPECT_FALSE(Beat(third, 1, 0.1).stop());
  EXPECT_FALSE(Beat(third, 2, 0.2).stop());
  for (int e = 3; e <= 4; ++e) Beat(third, e, 0.6 + 0.1 * e);
  Report(third, 1.0);  // Epoch 2: 0.2; medians at epoch 2 are now of 0.5, 0.7, 0.2.

  const v1::Job poor = Lease();
  EXPECT_FALSE(Beat(poor, 1, 0.05).stop()) << "stopped before min_epochs";
  const v1::HeartbeatResponse stop = Beat(poor, 2, 0.3);
  EXPECT_TRUE(stop.stop());
  EXPECT_EQ(stop.stop_reason(),
            "stopped early at epoch 2/4: valid_accuracy 0.3000 < median 0.5000 of 3 earlier "
            "candidates");
  // Every later heartbeat of the attempt gets the same answer, with or
  // without an epoch (a retried one too).
  EXPECT_EQ(Beat(poor, 0, 0).stop_reason(), stop.stop_reason());
  EXPECT_EQ(Beat(poor, 2, 0.3).stop_reason(), stop.stop_reason());
  Report(poor, 0.3);

  const v1::Job good = Lease();
  EXPECT_FALSE(Beat(good, 2, 0.5).stop()) << "at the median goes on";
  EXPECT_FALSE(Beat(good, 3, 0.9).stop());
  EXPECT_FALSE(Beat(good, 4, 0.0).stop()) << "never stopped after the last epoch";
  Report(good, 0.0);

  const v1::Individual stopped = IndividualOf(search, poor);
  EXPECT_EQ(stopped.state(), v1::INDIVIDUAL_EVALUATED);
  EXPECT_DOUBLE_EQ(stopped.fitness(), 0.3);
  EXPECT_EQ(stopped.stopped_at_epoch(), 2);
  EXPECT_EQ(stopped.stop_reason(), stop.stop_reason());
  const v1::Individual kept = IndividualOf(search, good);
  EXPECT_EQ(kept.stopped_at_epoch(), 0);
  EXPECT_EQ(kept.stop_reason(), "");
  auto got = searches_->GetSearch(search);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->evaluations_done(), 5);
  EXPECT_EQ(got->evaluations_stopped(), 1);
}

TEST_F(EarlyStoppingTest, LaterCandidatesAreNotComparedWith) {
  // The median is of earlier-born candidates only: a candidate born later
  // that already reported a better epoch 2 does not count.
  const int64_t search = CreateSearch(6, kMedian);
  for (int i = 0; i < 3; ++i) TrainFully(0.3);
  const v1::Job first = Lease();
  const v1::Job second = Lease();
  ASSERT_LT(first.individual_id(), second.individual_id());
  EXPECT_FALSE(Beat(second, 2, 0.9).stop());
  EXPECT_FALSE(Beat(first, 2, 0.5).stop()) << "compared with the later candidate's 0.9";
  (void)search;
}

TEST_F(EarlyStoppingTest, WithoutEarlyStoppingNothingStops) {
  const int64_t search = CreateSearch(5, "");
  for (int i = 0; i < 3; ++i) TrainFully(0.5);
  const v1::Job poor = Lease();
  EXPECT_FALSE(Beat(poor, 2, 0.01).stop());
  Report(poor, 0.01);
  EXPECT_EQ(IndividualOf(search, poor).stopped_at_epoch(), 0);
}

}  // namespace
}  // namespace nas
