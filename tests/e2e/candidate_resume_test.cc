// Candidate training (TRAIN_CANDIDATE) and NASH's training (TRAIN_MORPHED)
// survive their worker being SIGKILLed mid-training: the worker saved the
// network and SGD state after every epoch, the controller handed the newest
// to the job's next attempt, and that attempt started at the epoch after it
// and ended with the same weights (the same checkpoint digest), loss and
// fitness, bit for bit (CPU, fixed seed), as a run nobody interrupted.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/local_cluster.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

using ::testing::StartsWith;

// The epochs of the killed job, in batches of 8 (75 steps an epoch, about
// 0.3 s on an idle core): enough that it is still training when a periodic
// heartbeat (every 5/3 s) has carried a state after epoch 2.
constexpr int kCandidateEpochs = 20;
// NASH's start net is far smaller: 30 epochs in batches of 4 (150 steps
// an epoch, about 0.2 s).
constexpr int kNashStartEpochs = 30;

// A random search of one DARTS cell trained kCandidateEpochs epochs.
v1::SearchSpec CandidateSpec() {
  v1::SearchSpec spec = testing::DigitsSpec(kCandidateEpochs);
  spec.mutable_training()->set_batch_size(8);
  spec.set_lease_seconds(5);  // The least: the killed attempt's lease expires soon.
  spec.set_max_attempts(3);
  return spec;
}

// NASH's smallest search: the start net (kNashStartEpochs epochs; the job
// killed), two neighbours and the final training.
v1::SearchSpec NashSpec() {
  v1::SearchSpec spec = testing::DigitsSpec(/*epochs=*/1);
  spec.set_name("nash digits");
  spec.mutable_space()->mutable_convnet();
  v1::Nash* nash = spec.mutable_strategy()->mutable_nash();
  nash->set_n_steps(1);
  nash->set_n_neighbours(2);
  nash->set_n_morphisms(1);
  nash->set_start_epochs(kNashStartEpochs);
  nash->set_neighbour_epochs(1);
  nash->set_final_epochs(1);
  spec.set_budget(4);
  spec.set_seed(8);
  spec.mutable_training()->set_weight_decay(5e-4);
  spec.mutable_training()->set_batch_size(4);
  spec.set_lease_seconds(5);
  spec.set_max_attempts(3);
  return spec;
}

// The epoch lines ("epoch 3/10: train_loss ...") of an attempt's log, in order.
std::vector<std::string> EpochLines(pqxx::work& txn, int64_t job_id, int attempt) {
  std::vector<std::string> lines;
  for (const auto& row :
       txn.exec_params("SELECT text FROM job_log_lines WHERE job_id = $1 AND attempt = $2 "
                       "AND text LIKE 'epoch %/%: train_loss %' ORDER BY id",
                       job_id, attempt)) {
    lines.push_back(row[0].as<std::string>());
  }
  return lines;
}

// Runs `spec` once through, then again with its worker SIGKILLed once a
// state after epoch 2 or later of a job of `epochs` epochs is stored, and
// checks that the next attempt went on from that state; sets both searches
// as they ended.
void RunStraightAndKilled(const std::string& name, const v1::SearchSpec& spec, int epochs,
                          const std::string& job_kind, v1::Search* straight, v1::Search* resumed) {
  testing::LocalCluster cluster(name);
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--job_kinds=" + job_kind});
  pqxx::connection conn(cluster.dsn());

  ASSERT_OK_AND_ASSIGN(const int64_t straight_id, cluster.CreateSearch(spec));
  ASSERT_OK_AND_ASSIGN(*straight, cluster.WaitForSearch(straight_id, absl::Minutes(5)));
  ASSERT_EQ(straight->state(), v1::SEARCH_SUCCEEDED) << cluster.Logs();

  ASSERT_OK_AND_ASSIGN(const int64_t killed_id, cluster.CreateSearch(spec));
  int64_t job_id = 0;
  int saved = 0;
  for (int waited = 0; saved < 2 && waited < 240000; waited += 20) {
    pqxx::work txn(conn);
    const pqxx::result rows = txn.exec_params(
        "SELECT id, COALESCE(resume_epoch, 0) FROM jobs WHERE search_id = $1 "
        "ORDER BY 2 DESC LIMIT 1",
        killed_id);
    txn.commit();
    if (!rows.empty()) {
      job_id = rows[0][0].as<int64_t>();
      saved = rows[0][1].as<int>();
    }
    if (saved < 2) absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_GE(saved, 2) << cluster.Logs();
  cluster.worker(0).Kill();
  absl::SleepFor(absl::Seconds(1));  // A heartbeat it had sent lands or fails.
  int k = 0;
  {
    pqxx::work txn(conn);
    const pqxx::row row =
        txn.exec_params1("SELECT resume_epoch, attempt, state FROM jobs WHERE id = $1", job_id);
    k = row[0].as<int>();
    ASSERT_EQ(row[1].as<int>(), 1);
    ASSERT_EQ(row[2].as<std::string>(), "leased") << "the kill came after the job ended";
  }
  ASSERT_LT(k, epochs);
  ::testing::Test::RecordProperty("resumed_after_epoch", k);
  cluster.RestartWorker(0);
  ASSERT_OK_AND_ASSIGN(*resumed, cluster.WaitForSearch(killed_id, absl::Minutes(5)));
  ASSERT_EQ(resumed->state(), v1::SEARCH_SUCCEEDED) << cluster.Logs();

  pqxx::work txn(conn);
  // The kill took effect: the first attempt's lease expired, a second ran.
  EXPECT_EQ(txn.exec_params1("SELECT outcome FROM job_attempts WHERE job_id = $1 AND attempt = 1",
                             job_id)[0]
                .as<std::string>(),
            "expired");
  EXPECT_EQ(txn.exec_params1("SELECT attempt FROM jobs WHERE id = $1", job_id)[0].as<int>(), 2);
  // The second attempt said where it went on from and trained epochs
  // k+1..epochs only.
  EXPECT_EQ(txn.exec_params1("SELECT count(*) FROM job_log_lines WHERE job_id = $1 AND "
                             "attempt = 2 AND text LIKE $2",
                             job_id, absl::StrCat("resuming after epoch ", k, " from sha256:%"))[0]
                .as<int>(),
            1);
  const std::vector<std::string> lines = EpochLines(txn, job_id, 2);
  EXPECT_EQ(lines.size(), static_cast<size_t>(epochs - k)) << cluster.Logs();
  if (!lines.empty()) {
    EXPECT_THAT(lines.front(), StartsWith(absl::StrCat("epoch ", k + 1, "/", epochs, ":")));
  }
  // Both searches trained the same seed.
  EXPECT_EQ(txn.exec_params1("SELECT count(DISTINCT seed) FROM individuals WHERE search_id IN "
                             "($1, $2) AND birth_order = 0",
                             straight_id, killed_id)[0]
                .as<int>(),
            1);
}

TEST(CandidateResumeTest, AKilledTrainingResumesAfterItsLastSavedEpochAndEndsTheSame) {
  v1::Search a_search, b_search;
  ASSERT_NO_FATAL_FAILURE(RunStraightAndKilled("candidate_resume", CandidateSpec(),
                                               kCandidateEpochs, "train_candidate", &a_search,
                                               &b_search));
  ASSERT_EQ(a_search.evaluations_done(), 1);
  ASSERT_EQ(b_search.evaluations_done(), 1);
  const v1::Individual& a = a_search.best();
  const v1::Individual& b = b_search.best();
  EXPECT_EQ(b.architecture().text(), a.architecture().text());
  EXPECT_FALSE(a.checkpoint().empty());
  EXPECT_EQ(b.checkpoint(), a.checkpoint()) << "the trained weights differ";
  EXPECT_EQ(b.fitness(), a.fitness());
  EXPECT_EQ(b.metrics().at("final_train_loss"), a.metrics().at("final_train_loss"));
}

// The start net's training is killed; the neighbours and the final net are
// trained from its weights, so the whole search must come out the same.
TEST(CandidateResumeTest, AKilledNashTrainingResumesAndTheSearchEndsTheSame) {
  v1::Search a_search, b_search;
  ASSERT_NO_FATAL_FAILURE(RunStraightAndKilled("nash_resume", NashSpec(), kNashStartEpochs,
                                               "train_morphed", &a_search, &b_search));
  ASSERT_EQ(a_search.evaluations_done(), 4);
  ASSERT_EQ(b_search.evaluations_done(), 4);
  const v1::Individual& a = a_search.best();
  const v1::Individual& b = b_search.best();
  EXPECT_EQ(b.architecture().text(), a.architecture().text());
  EXPECT_FALSE(a.checkpoint().empty());
  EXPECT_EQ(b.checkpoint(), a.checkpoint()) << "the trained weights differ";
  EXPECT_EQ(b.fitness(), a.fitness());
  EXPECT_EQ(b.metrics().at("final_train_loss"), a.metrics().at("final_train_loss"));
}

}  // namespace
}  // namespace nas
