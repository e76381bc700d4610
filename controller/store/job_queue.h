// The job queue and its leases, in PostgreSQL: what the worker API reads and
// writes. A lease is (job id, attempt). Claims use FOR UPDATE SKIP LOCKED, so
// any number of controllers can serve one database.
#ifndef NAS_CONTROLLER_STORE_JOB_QUEUE_H_
#define NAS_CONTROLLER_STORE_JOB_QUEUE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/store/database.h"
#include "controller/store/group_commit.h"
#include "controller/store/report_batch.h"
#include "controller/store/worker_refresh.h"
#include "proto/worker_service.pb.h"

namespace nas {

// Thread-safe. Beyond the Database it holds only the reports waiting for
// their batch and which search each recently leased job belongs to (which
// never changes).
class JobQueue {
 public:
  explicit JobQueue(Database* db) : db_(db) {}

  // Called with the number of leases each reclaim returned to the queue or
  // failed (for metrics). Set before serving; not thread-safe to change.
  void set_on_leases_expired(std::function<void(int)> callback) {
    on_leases_expired_ = std::move(callback);
  }

  // Whether a batch records the common results in memory and writes them
  // with one statement per table (report_batch.h); off, every report takes
  // the one-at-a-time path, the reference that path is tested against. On
  // by default. Set before serving; not thread-safe to change.
  void set_batched_writes(bool on) { batched_writes_ = on; }

  // The longest one long-poll lease may wait (nas_controller
  // --max_lease_wait_ms at most). ActiveSlots counts the workers seen in the
  // last kActiveWorkerWindow (30 s), and a waiting worker's row is written
  // again only when it calls again, up to WorkerRefreshes::kInterval (2 s)
  // later: a longer wait would let an idle worker drop out of the count, and
  // the searches keep too few jobs queued for it. 1 s is left for the round
  // trip between two calls.
  static constexpr absl::Duration kMaxLeaseWait = absl::Seconds(27);

  // Registers the worker (or refreshes it: at most every
  // WorkerRefreshes::kInterval while its WorkerInfo is unchanged) and leases
  // the oldest pending job of a running search that it can run, in one
  // statement (lease_statement.h) when one is pending. Expired leases are
  // reclaimed first, at most every kReclaimOnLeaseInterval (the server's
  // reaper also runs).
  // When none is pending, lets running searches queue more (up to one job in
  // flight per active worker slot, WorkerInfo.slots) and tries once more.
  // A worker may hold several leases at once, one per slot; each is fenced
  // by its own (job id, attempt). nullopt when there is nothing to do.
  absl::StatusOr<std::optional<v1::Job>> LeaseJob(const v1::WorkerInfo& worker);

  // Extends the lease and records the epoch the request carries. The
  // answer's `cancel` is set if the job's search was cancelled (the worker
  // should stop and report nothing); `stop` and `stop_reason` if early
  // stopping stopped the attempt, at this epoch or an earlier one
  // (early_stopping.h). FAILED_PRECONDITION if the lease is not held.
  absl::StatusOr<v1::HeartbeatResponse> Heartbeat(const v1::HeartbeatRequest& request);

  // Ends a leased job and, in the same transaction, steps its search. A
  // released failure (the worker is stopping) ends the attempt 'released'
  // and puts the job back to pending without using up one of max_attempts.
  // FAILED_PRECONDITION for a lease no longer held; INVALID_ARGUMENT for a
  // malformed result (nothing changes then).
  //
  // Group commit: reports of one search that arrive while another batch of
  // it is being recorded are recorded together in one transaction, each in
  // its own savepoint, in arrival order, each followed by its own step, so
  // the outcome is exactly that of recording them one at a time; a report
  // that fails changes nothing and the others land. Each caller gets its own
  // outcome, and only after the commit.
  absl::StatusOr<ReportOutcome> ReportResult(const v1::ReportResultRequest& request);

  // Returns jobs whose lease expired to pending (attempt budget left) or
  // fails them (budget spent), stepping their searches. Returns how many.
  absl::StatusOr<int> ReclaimExpiredLeases();

  // Reclaiming on every lease doubled the transactions per lease with many
  // workers; an expired lease waits at most this long for a leasing worker.
  static constexpr absl::Duration kReclaimOnLeaseInterval = absl::Milliseconds(200);
  // At most this many reports share one transaction.
  static constexpr int kMaxReportBatch = 64;

  // Transactions that recorded reports so far (one per batch).
  int64_t report_batches() const { return reports_.batches(); }

  // Records `requests`, all of jobs of `search_id`, as one batch in this
  // order: what ReportResult does with reports that arrive together, without
  // depending on when threads arrive. Each gets its own outcome.
  std::vector<absl::StatusOr<ReportOutcome>> RecordBatchForTesting(
      int64_t search_id, const std::vector<const v1::ReportResultRequest*>& requests);

 private:
  struct PendingReport {
    const v1::ReportResultRequest* request;
    absl::StatusOr<ReportOutcome> outcome;
  };
  // Records a batch of one search's reports in one transaction.
  void RecordReports(int64_t search_id, const std::vector<PendingReport*>& batch);
  // The job's search, remembered from the lease or read. NOT_FOUND if the
  // job does not exist.
  absl::StatusOr<int64_t> SearchOfJob(int64_t job_id);
  void RememberSearchOfJob(int64_t job_id, int64_t search_id);
  static constexpr size_t kRememberedJobs = 1 << 16;

  // Whether a lease should reclaim first (and, if so, the clock restarts).
  bool ReclaimDue();

  Database* const db_;
  std::atomic<int64_t> last_reclaim_ns_{0};
  WorkerRefreshes worker_refreshes_;  // Lets most leases skip the workers upsert.  //
                                      // absl::GetCurrentTimeNanos() of the last one.
  std::function<void(int)> on_leases_expired_;
  bool batched_writes_ = true;
  GroupCommit<PendingReport> reports_{kMaxReportBatch};
  absl::Mutex search_of_job_mu_;
  absl::flat_hash_map<int64_t, int64_t> search_of_job_ ABSL_GUARDED_BY(search_of_job_mu_);
};

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_JOB_QUEUE_H_
