// A lease in one SQL statement. Its CTEs claim the oldest pending job of a
// running search of the worker's kinds (FOR UPDATE SKIP LOCKED, so
// concurrent leases, of any controller, skip each other's job), mark it
// leased (attempt + 1, owner, expiry), insert its job_attempts row, and
// return what the v1::Job carries; when asked, they also register or refresh
// the worker's row first. PostgreSQL runs a statement atomically, data-
// modifying CTEs included, and checks its foreign keys (job_attempts and
// jobs.lease_owner -> workers) at its end, after the worker's row is
// written. Internal to controller/store.
#ifndef NAS_CONTROLLER_STORE_LEASE_STATEMENT_H_
#define NAS_CONTROLLER_STORE_LEASE_STATEMENT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pqxx/pqxx"
#include "proto/worker_service.pb.h"

namespace nas {

// Runs the lease statement in `txn` (a transaction, or a nontransaction where
// the statement commits on its own). `kinds` is the worker's job kinds as a
// text[] literal. With `refresh_worker`, the statement also upserts the
// worker's row (last_seen = now()). nullopt when no job was pending.
std::optional<pqxx::row> RunLeaseStatement(pqxx::transaction_base& txn,
                                           const v1::WorkerInfo& worker, const std::string& kinds,
                                           bool refresh_worker);

// The job of a row RunLeaseStatement returned; reads nothing from the
// database (a TFNAS_SEARCH job still needs its latency table attached).
// An error if the search's spec no longer parses.
absl::StatusOr<v1::Job> JobFromLeaseRow(const pqxx::row& row);

// The lease's job and attempt, even when JobFromLeaseRow failed.
int64_t LeasedJobId(const pqxx::row& row);
int LeasedAttempt(const pqxx::row& row);

// Undoes a committed lease nobody was told of (JobFromLeaseRow failed after
// the statement committed on its own): the job is pending again with its
// attempt as before and the attempt's row is gone, as if the lease had been
// rolled back. Changes nothing if the lease is no longer held as leased.
void UndoLease(pqxx::work& txn, int64_t job_id, int attempt, const std::string& worker_id);

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_LEASE_STATEMENT_H_
