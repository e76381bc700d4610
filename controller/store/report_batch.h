// Records a batch of one search's reports inside the caller's transaction,
// with the search row locked (LockSearch), with exactly the outcome of
// recording them one at a time, in order, each followed by its own step.
//
// Why: one at a time, a report and its step cost about twenty statements,
// most of them re-reading what the previous report just wrote (the
// population, the jobs in flight, the active slots). Here the batch reads
// that once, keeps it up to date in memory as each report lands and each
// step decides, and writes what they decided with one statement per table
// (Flush). Only the common case takes this path: a result for a lease that
// is held, of a strategy that reads the population only (not the history),
// with nothing beside fitness, metrics and weights to store. Any other
// report (a failure, a duplicate, a lost lease, an infeasible candidate, a
// derived architecture, a latency table, an early stop) is recorded by the
// caller's one-at-a-time path, after the batch's writes so far are flushed,
// so it sees the database exactly as it would have. Internal to
// controller/store.
#ifndef NAS_CONTROLLER_STORE_REPORT_BATCH_H_
#define NAS_CONTROLLER_STORE_REPORT_BATCH_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "controller/store/job_logs.h"
#include "controller/store/search_step.h"
#include "pqxx/pqxx"
#include "proto/worker_service.pb.h"

namespace nas {

struct ReportOutcome {
  bool duplicate = false;  // This exact report had been accepted before.
};

class ReportBatch {
 public:
  // Records one report the one-at-a-time way (JobQueue's RecordReport), in
  // the same transaction and under the same LockedSearch.
  using RecordOne =
      std::function<absl::StatusOr<ReportOutcome>(const v1::ReportResultRequest& request)>;
  using Logs = std::vector<std::pair<LogLease, const LogLines*>>;

  // `search` is the locked row, updated as reports land. Log lines of the
  // reports recorded here go to `logs` (the caller appends them last).
  // Without `in_memory`, every report goes to `record_one`.
  ReportBatch(pqxx::work& txn, LockedSearch& search, bool in_memory, Logs* logs,
              RecordOne record_one);

  // The outcome of each request, in order. Writes are flushed on return.
  // Database errors propagate (the caller's transaction then fails whole).
  std::vector<absl::StatusOr<ReportOutcome>> Record(
      const std::vector<const v1::ReportResultRequest*>& requests);

 private:
  // The job of a report, as the batch read it (and then updated it).
  struct JobRow {
    std::string state;
    int attempt = 0;
    std::string lease_owner;
    int64_t individual_id = 0;
    v1::JobKind kind = v1::JOB_KIND_UNSPECIFIED;
    bool stopped_early = false;  // Its current attempt was stopped (early stopping).
    int birth_order = 0;
    std::string genome;
  };
  // Writes decided but not yet made, one list per table.
  struct Pending {
    std::vector<int64_t> done_jobs, done_attempts;
    std::vector<int64_t> evaluated_ids, evaluated_parameters, evaluated_orders;
    std::vector<double> evaluated_fitness;
    std::vector<std::string> evaluated_checkpoints, evaluated_values, evaluated_scores;
    std::vector<int64_t> metric_ids;
    std::vector<std::string> metric_names;
    std::vector<double> metric_values;
    std::vector<int64_t> aged_ids, aged_at;
    std::vector<Birth> births;
    bool release_all_but_best = false;
    bool search_changed = false;
    std::string data_description;  // Set with the search's first fingerprint.
  };

  // Reads, with their rows locked, the jobs the results name, and which of
  // the checkpoints they name are stored.
  void ReadJobs(const std::vector<const v1::ReportResultRequest*>& requests);
  // The objective values and scores to record if `request` can be recorded
  // here; nullopt if the one-at-a-time path must take it.
  struct Evaluation {
    std::vector<double> values;
    std::vector<double> scores;
  };
  std::optional<Evaluation> FastPathEvaluation(const v1::ReportResultRequest& request) const;
  // Records the evaluation and its step in memory; the writes wait for
  // Flush. An error (the step failed) changes nothing.
  absl::StatusOr<ReportOutcome> RecordHere(const v1::ReportResultRequest& request,
                                           const Evaluation& evaluation);
  // Flushes, then records `request` with record_one_.
  absl::StatusOr<ReportOutcome> RecordElsewhere(const v1::ReportResultRequest& request);
  // Reads the step's view.
  void LoadStepView();
  // Makes the pending writes, one statement per table.
  void Flush();

  pqxx::work& txn_;
  LockedSearch& search_;
  const bool in_memory_;
  Logs* const logs_;
  const RecordOne record_one_;
  absl::flat_hash_map<int64_t, JobRow> jobs_;
  absl::flat_hash_set<std::string> stored_checkpoints_;
  // The step's view, valid while snapshot_loaded_ (a report recorded
  // elsewhere wrote rows it does not follow). Nothing is pending while it is
  // not loaded: RecordElsewhere flushes first.
  bool snapshot_loaded_ = false;
  SearchSnapshot snapshot_;
  int active_slots_ = 0;
  Pending pending_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_REPORT_BATCH_H_
