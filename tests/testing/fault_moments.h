// Moments worth a fault, read from what the database shows of leased jobs:
// a kill then lands on work in progress, never on an idle process.
#ifndef NAS_TESTS_TESTING_FAULT_MOMENTS_H_
#define NAS_TESTS_TESTING_FAULT_MOMENTS_H_

#include <cstdint>
#include <optional>
#include <random>
#include <string>

namespace nas::testing {

enum class FaultMoment {
  // A lease held, no epoch reported yet (data loading, the first epoch).
  kLeaseHeld,
  // Epochs reported, and more than the final one still to train.
  kEpochUnderWay,
  // The epochs before the final one reported: the result is computed next
  // and its checkpoint upload and report are due.
  kReportDue,
};

// "lease held", "epoch under way", "report due".
std::string FaultMomentName(FaultMoment moment);

// A job's current attempt, as the database shows it.
struct LeasedJob {
  int64_t job_id = 0;
  int attempt = 0;
  std::string worker_id;
  int epochs_reported = 0;  // job_epochs rows of this attempt.
  int epochs = 0;           // Of the training, once an epoch was reported; else 0.
};

// One leased job of database `dsn` at `moment`, drawn with `rng` when
// several are; nullopt when none is right now. Epochs are what job_epochs
// shows, so only jobs that report epochs (early stopping set, supernet
// searches) get past kLeaseHeld.
std::optional<LeasedJob> FindJobAt(const std::string& dsn, FaultMoment moment, std::mt19937& rng);

// How attempt `attempt` of job `job_id` ended (job_attempts.outcome:
// "reported", "expired", ...), or "" while it runs.
std::string AttemptOutcome(const std::string& dsn, int64_t job_id, int attempt);

// The database server's clock, in seconds since the epoch: a time to compare
// with the timestamps rows carry.
double DatabaseNow(const std::string& dsn);

}  // namespace nas::testing

#endif  // NAS_TESTS_TESTING_FAULT_MOMENTS_H_
