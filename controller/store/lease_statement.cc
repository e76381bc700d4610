#include "controller/store/lease_statement.h"

#include <algorithm>
#include <memory>

#include "common/status/status_macros.h"
#include "controller/search/job_payload.h"
#include "controller/store/prepared.h"
#include "controller/store/rows.h"
#include "controller/store/search_step.h"

namespace nas {
namespace {

// $1: the worker's kinds (text[]), $2: its id, $3..$6 its row, $7: whether to
// write the row. One text for both cases: a connection prepares it once. A
// row that is gone (a database restored to an earlier state) is written
// whatever $7 says, so the foreign keys to it hold.
constexpr char kWriteWorker[] =
    "WITH worker AS (INSERT INTO workers (id, hostname, device, device_model, job_kinds, slots) "
    "SELECT $2::text, $3::text, $4::text, $5::text, $1::text[], $6::int "
    "WHERE $7::boolean OR NOT EXISTS (SELECT 1 FROM workers WHERE id = $2::text) "
    "ON CONFLICT (id) DO UPDATE SET "
    "hostname = EXCLUDED.hostname, device = EXCLUDED.device, "
    "device_model = EXCLUDED.device_model, job_kinds = EXCLUDED.job_kinds, "
    "slots = EXCLUDED.slots, last_seen = now()), ";

// The scalar subquery keeps the UPDATE on the primary key's index.
constexpr char kLease[] =
    "claimed AS (SELECT j.id FROM jobs j JOIN searches s ON s.id = j.search_id "
    "WHERE j.state = 'pending' AND j.kind = ANY($1::text[]) AND s.state = 'running' "
    "ORDER BY j.id LIMIT 1 FOR UPDATE OF j SKIP LOCKED), "
    "leased AS (UPDATE jobs SET state = 'leased', attempt = attempt + 1, lease_owner = $2, "
    "lease_expires_at = now() + lease_seconds * interval '1 second' "
    "WHERE id = (SELECT id FROM claimed) "
    "RETURNING id, attempt, kind, search_id, individual_id, lease_seconds, morphisms, "
    "COALESCE(epochs, 0) AS epochs, COALESCE(resume_checkpoint, '') AS resume_checkpoint, "
    "COALESCE(resume_epoch, 0) AS resume_epoch), "
    "attempt_row AS (INSERT INTO job_attempts (job_id, attempt, worker_id) "
    "SELECT id, attempt, $2 FROM leased) "
    "SELECT l.id, l.attempt, l.kind, l.search_id, l.individual_id, l.lease_seconds, "
    "l.morphisms, l.epochs, l.resume_checkpoint, l.resume_epoch, "
    "i.genome, i.genome_hash, i.seed, s.spec_text, COALESCE(p.genome, ''), "
    "COALESCE(p.genome_hash, ''), COALESCE(p.checkpoint_digest, ''), "
    "COALESCE(s.data_fingerprint, '') "
    "FROM leased l JOIN individuals i ON i.id = l.individual_id "
    "JOIN searches s ON s.id = i.search_id LEFT JOIN individuals p ON p.id = i.parent_id";

// Columns of the statement's row.
enum Column {
  kJobId,
  kAttempt,
  kKind,
  kSearchId,
  kIndividualId,
  kLeaseSeconds,
  kMorphisms,
  kEpochs,
  kResumeCheckpoint,
  kResumeEpoch,
  kGenome,
  kGenomeHash,
  kSeed,
  kSpecText,
  kParentGenome,
  kParentGenomeHash,
  kParentCheckpoint,
  kDataFingerprint,
};

}  // namespace

std::optional<pqxx::row> RunLeaseStatement(pqxx::transaction_base& txn,
                                           const v1::WorkerInfo& worker, const std::string& kinds,
                                           bool refresh_worker) {
  static const std::string* const kSql = new std::string(std::string(kWriteWorker) + kLease);
  const pqxx::result rows =
      ExecPreparedIn(txn, *kSql, kinds, worker.worker_id(), worker.hostname(), worker.device(),
                     worker.device_model(), std::max(1, worker.slots()), refresh_worker);
  if (rows.empty()) return std::nullopt;
  return rows[0];
}

int64_t LeasedJobId(const pqxx::row& row) { return row[kJobId].as<int64_t>(); }

int LeasedAttempt(const pqxx::row& row) { return row[kAttempt].as<int>(); }

absl::StatusOr<v1::Job> JobFromLeaseRow(const pqxx::row& row) {
  v1::Job job;
  job.set_job_id(row[kJobId].as<int64_t>());
  job.set_attempt(row[kAttempt].as<int>());
  job.set_kind(JobKindFromDb(row[kKind].as<std::string>()));
  job.set_search_id(row[kSearchId].as<int64_t>());
  job.set_individual_id(row[kIndividualId].as<int64_t>());
  job.set_lease_seconds(row[kLeaseSeconds].as<int>());
  job.mutable_architecture()->set_text(row[kGenome].as<std::string>());
  job.mutable_architecture()->set_hash(row[kGenomeHash].as<std::string>());
  job.set_seed(static_cast<uint64_t>(row[kSeed].as<int64_t>()));
  // Parsed once per spec, not per lease (parsing showed in the profile).
  ASSIGN_OR_RETURN(const std::shared_ptr<const SearchStep> step,
                   StepForSpecText(row[kSpecText].as<std::string>()));
  RETURN_IF_ERROR(FillJobPayload(step->spec(), job.kind(), &job));
  SetExpectedFingerprint(row[kDataFingerprint].as<std::string>(), &job);
  if (job.kind() == v1::TRAIN_MORPHED) {
    job.mutable_parent_architecture()->set_text(row[kParentGenome].as<std::string>());
    job.mutable_parent_architecture()->set_hash(row[kParentGenomeHash].as<std::string>());
    job.set_parent_checkpoint(row[kParentCheckpoint].as<std::string>());
    job.set_morphisms(row[kMorphisms].as<std::string>());
    job.set_epochs(row[kEpochs].as<int>());
  }
  // An earlier attempt's resume state: this one goes on from there.
  job.set_resume_checkpoint(row[kResumeCheckpoint].as<std::string>());
  job.set_resume_epoch(row[kResumeEpoch].as<int>());
  return job;
}

void UndoLease(pqxx::work& txn, int64_t job_id, int attempt, const std::string& worker_id) {
  const pqxx::result undone =
      ExecPrepared(txn,
                   "UPDATE jobs SET state = 'pending', attempt = attempt - 1, lease_owner = NULL, "
                   "lease_expires_at = NULL WHERE id = $1 AND attempt = $2 AND state = 'leased' "
                   "AND lease_owner = $3 RETURNING id",
                   job_id, attempt, worker_id);
  if (undone.empty()) return;
  ExecPrepared(txn, "DELETE FROM job_attempts WHERE job_id = $1 AND attempt = $2", job_id, attempt);
}

}  // namespace nas
