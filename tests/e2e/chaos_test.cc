// Faults that land where they hurt: workers and the controller the workers
// are using are SIGKILLed at moments chosen from what the database shows (a
// lease held, an epoch under way, a report due), and the test checks that
// every kill took effect, that the search progressed after each, and that
// nothing was lost, counted twice or left behind.
//
// The fault plan is drawn from a seed that is random per run and printed;
// NAS_CHAOS_SEED=<n> replays a plan (the timing of a run is never replayed).
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <random>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/fault_moments.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/population_invariants.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

using testing::FaultMoment;

constexpr int kWorkers = 3;
constexpr int kEpochs = 3;
// Bounds that make a lost fault a failure rather than a hang.
constexpr absl::Duration kMomentTimeout = absl::Seconds(60);
constexpr absl::Duration kProgressTimeout = absl::Seconds(60);

int Query(const std::string& dsn, const std::string& sql) {
  pqxx::connection conn(dsn);
  pqxx::work txn(conn);
  return txn.exec1(sql)[0].as<int>();
}

// Evaluations recorded so far, whatever their end.
int Finished(const std::string& dsn) {
  return Query(dsn,
               "SELECT COALESCE(sum(evaluations_done + evaluations_failed + "
               "evaluations_infeasible), 0)::int FROM searches");
}

uint32_t ChaosSeed() {
  if (const char* env = std::getenv("NAS_CHAOS_SEED"); env != nullptr && *env != '\0') {
    return static_cast<uint32_t>(std::strtoul(env, nullptr, 10));
  }
  return std::random_device{}();
}

// Digits training whose epochs are reported (median stopping that never has
// enough candidates to stop one), with short leases and room for retries.
v1::SearchSpec ChaosSpec(int budget, int population) {
  v1::SearchSpec spec = testing::DigitsSpec(kEpochs);
  spec.mutable_strategy()->mutable_aging_evolution()->set_population_size(population);
  spec.mutable_strategy()->mutable_aging_evolution()->set_sample_size(2);
  v1::MedianStopping* median = spec.mutable_early_stopping()->mutable_median_stopping();
  median->set_min_epochs(1);
  median->set_min_candidates(100000);
  spec.set_budget(budget);
  spec.set_seed(3);
  spec.set_lease_seconds(5);
  spec.set_max_attempts(6);
  spec.mutable_dataset()->set_train_examples(1000);
  return spec;
}

struct Fault {
  bool controller = false;  // Else a worker.
  FaultMoment moment = FaultMoment::kLeaseHeld;
  testing::LeasedJob job;     // The job at that moment.
  int target = -1;            // Worker or controller index.
  double at = 0;              // Database clock at the kill.
  std::string outcome_after;  // The attempt's outcome just after the kill.
  double seconds_to_progress = -1;

  std::string Describe() const {
    return absl::StrFormat("%s %d at '%s' (job %d attempt %d of worker %s, %d epoch(s) reported)",
                           controller ? "controller" : "worker", target,
                           testing::FaultMomentName(moment), job.job_id, job.attempt, job.worker_id,
                           job.epochs_reported);
  }
};

// Every moment for workers twice and for controllers once, in an order drawn
// from the seed.
std::vector<Fault> Plan(std::mt19937& rng) {
  std::vector<Fault> plan;
  for (FaultMoment moment :
       {FaultMoment::kLeaseHeld, FaultMoment::kEpochUnderWay, FaultMoment::kReportDue}) {
    for (int copy = 0; copy < 3; ++copy) plan.push_back(Fault{copy == 2, moment});
  }
  std::shuffle(plan.begin(), plan.end(), rng);
  return plan;
}

class ChaosTest : public ::testing::Test {
 protected:
  ChaosTest() : cluster_("chaos") {}

  // Starts two controllers and workers that know both, controller 0 first.
  void StartCluster() {
    ASSERT_OK(cluster_.StartController());
    ASSERT_OK(cluster_.StartController());
    for (int w = 0; w < kWorkers; ++w) {
      cluster_.StartWorkerOnAllControllers(absl::StrCat("w", w, "-0"));
      generation_.push_back(0);
    }
  }

  // The index of the worker running as `worker_id` ("w<index>-<generation>").
  int WorkerIndex(const std::string& worker_id) const { return std::atoi(worker_id.c_str() + 1); }

  std::string CurrentId(int worker) const {
    return absl::StrCat("w", worker, "-", generation_.at(worker));
  }

  // Waits for a job at the fault's moment, then kills its worker or the
  // controller that worker is using. Returns false if no moment came.
  bool Inflict(Fault& fault, std::mt19937& rng) {
    const absl::Time deadline = absl::Now() + kMomentTimeout;
    while (absl::Now() < deadline) {
      std::optional<testing::LeasedJob> job = testing::FindJobAt(cluster_.dsn(), fault.moment, rng);
      // A killed generation's lease, waiting to expire, is no moment.
      if (job.has_value() && job->worker_id == CurrentId(WorkerIndex(job->worker_id))) {
        const int worker = WorkerIndex(job->worker_id);
        fault.job = *job;
        if (!fault.controller) {
          fault.target = worker;
          fault.at = testing::DatabaseNow(cluster_.dsn());
          cluster_.RestartWorker(worker, absl::StrCat("w", worker, "-", ++generation_[worker]));
          fault.outcome_after = testing::AttemptOutcome(cluster_.dsn(), job->job_id, job->attempt);
          return true;
        }
        fault.target = cluster_.ControllerUsedBy(worker);
        if (fault.target >= 0) {
          fault.at = testing::DatabaseNow(cluster_.dsn());
          const absl::Status restarted = cluster_.RestartController(fault.target);
          EXPECT_TRUE(restarted.ok()) << restarted;
          fault.outcome_after = testing::AttemptOutcome(cluster_.dsn(), job->job_id, job->attempt);
          return restarted.ok();
        }
        // Between connections (it just failed over): another moment.
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  testing::LocalCluster cluster_;
  std::vector<int> generation_;
};

TEST_F(ChaosTest, KillsAtDatabaseChosenMomentsTakeEffectAndLoseNothing) {
  const uint32_t seed = ChaosSeed();
  std::cout << "chaos seed " << seed << " (replay the plan with --test_env=NAS_CHAOS_SEED=" << seed
            << ")" << std::endl;
  std::mt19937 rng(seed);
  StartCluster();
  const int budget = 36, population = 6;
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster_.CreateSearch(ChaosSpec(budget, population)));

  std::vector<Fault> faults = Plan(rng);
  for (Fault& fault : faults) {
    const int before = Finished(cluster_.dsn());
    ASSERT_LT(before, budget) << "the search ended before the faults were all made; "
                              << "made so far: " << (&fault - faults.data());
    // The database shows a worker's epochs after the worker sent them, so a
    // worker kill can come after its job's report: that kill did not land,
    // and the fault is made again at the next such moment. (A controller kill
    // need not end the attempt: its worker fails over to the other controller
    // and may report there while this one restarts.)
    for (int tries = 1;; ++tries) {
      ASSERT_TRUE(Inflict(fault, rng))
          << "no job reached '" << testing::FaultMomentName(fault.moment) << "' within "
          << kMomentTimeout << cluster_.Logs();
      if (fault.controller || fault.outcome_after.empty()) break;
      std::cout << fault.Describe() << ": beaten by its report, made again" << std::endl;
      ASSERT_LT(tries, 4) << "4 worker kills in a row came after their job's report";
      ASSERT_LT(Finished(cluster_.dsn()), budget) << "the search ended before the faults were made";
    }
    const absl::Time killed = absl::Now();
    while (Finished(cluster_.dsn()) <= before && absl::Now() - killed < kProgressTimeout) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_GT(Finished(cluster_.dsn()), before) << "no progress within " << kProgressTimeout
                                                << " after " << fault.Describe() << cluster_.Logs();
    fault.seconds_to_progress = absl::ToDoubleSeconds(absl::Now() - killed);
    std::cout << fault.Describe() << ": progress after "
              << absl::StrFormat("%.1f", fault.seconds_to_progress) << " s" << std::endl;
  }

  auto done = cluster_.WaitForSearch(id, absl::Minutes(3));
  ASSERT_TRUE(done.ok()) << done.status() << cluster_.Logs();
  EXPECT_EQ(done->state(), v1::SEARCH_SUCCEEDED);
  testing::ExpectSearchInvariants(cluster_.dsn(), id, budget, population);

  // Every worker kill expired its lease and its job ran again to a result.
  std::set<int> controllers_killed;
  int worker_kills = 0;
  for (const Fault& fault : faults) {
    if (fault.controller) {
      controllers_killed.insert(fault.target);
      continue;
    }
    ++worker_kills;
    EXPECT_EQ(testing::AttemptOutcome(cluster_.dsn(), fault.job.job_id, fault.job.attempt),
              "expired")
        << fault.Describe();
    EXPECT_EQ(
        Query(cluster_.dsn(),
              absl::StrCat("SELECT count(*) FROM job_attempts WHERE job_id = ", fault.job.job_id,
                           " AND attempt > ", fault.job.attempt, " AND outcome = 'reported'")),
        1)
        << "not re-run to one accepted result: " << fault.Describe();
  }
  const int expired =
      Query(cluster_.dsn(), "SELECT count(*) FROM job_attempts WHERE outcome = 'expired'");
  const int rerun =
      Query(cluster_.dsn(), "SELECT count(*) FROM jobs WHERE state = 'done' AND attempt > 1");
  EXPECT_GE(expired, worker_kills);
  EXPECT_GE(rerun, 1);
  // Attempts to spare: a fault costs at most the evaluation it hit.
  EXPECT_LE(done->evaluations_failed(), static_cast<int>(faults.size()));
  // Workers fail over, so the controller they use changes: both are hit
  // over the run, but one suffices for the test to mean something.
  EXPECT_FALSE(controllers_killed.empty());

  // Quiet: no lease left, and the reaper has run since.
  absl::SleepFor(absl::Seconds(2));
  EXPECT_EQ(Query(cluster_.dsn(), "SELECT count(*) FROM jobs WHERE state = 'leased'"), 0);
  // Chunks belong to a finished checkpoint, or to an upload a controller
  // kill interrupted (within a few seconds before it), which garbage
  // collection removes after its grace; a worker kill leaves none.
  EXPECT_EQ(Query(cluster_.dsn(),
                  "SELECT count(*) FROM checkpoint_chunks k WHERE k.digest NOT LIKE 'upload:%' "
                  "AND NOT EXISTS (SELECT 1 FROM checkpoints c WHERE c.digest = k.digest)"),
            0);
  std::string kill_times = "ARRAY[0";
  for (const Fault& fault : faults) {
    if (fault.controller) absl::StrAppend(&kill_times, ",", absl::StrFormat("%.3f", fault.at));
  }
  kill_times += "]::float8[]";
  EXPECT_EQ(Query(cluster_.dsn(),
                  "SELECT count(*) FROM (SELECT digest, extract(epoch FROM max(written_at)) w "
                  "FROM checkpoint_chunks WHERE digest LIKE 'upload:%' GROUP BY digest) u "
                  "WHERE NOT EXISTS (SELECT 1 FROM unnest(" +
                      kill_times + ") t WHERE u.w BETWEEN t - 5 AND t)"),
            0)
      << "partial uploads left that no controller kill interrupted";

  std::cout << "chaos: " << faults.size() << " kills (" << worker_kills << " workers, "
            << faults.size() - worker_kills << " controllers), " << expired << " expired leases, "
            << rerun << " jobs re-run to a result, " << done->evaluations_failed() << " failed"
            << std::endl;
}

}  // namespace
}  // namespace nas
