#include "controller/store/job_queue.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"
#include "controller/search/job_payload.h"
#include "controller/store/early_stopping.h"
#include "controller/store/job_logs.h"
#include "controller/store/lease_statement.h"
#include "controller/store/prepared.h"
#include "controller/store/rows.h"
#include "controller/store/search_step.h"

namespace nas {
namespace {

// Whether the worker runs jobs of `kind`.
bool CanRun(const v1::WorkerInfo& worker, v1::JobKind kind) {
  return std::find(worker.job_kinds().begin(), worker.job_kinds().end(), kind) !=
         worker.job_kinds().end();
}

// Lets running searches that have budget left queue more work. Searches being
// stepped by another transaction are skipped rather than waited for.
absl::Status TopUpRunningSearches(pqxx::work& txn, const v1::WorkerInfo& worker) {
  const pqxx::result rows = txn.exec(
      "SELECT id FROM searches WHERE state = 'running' AND births < budget "
      "ORDER BY id FOR UPDATE SKIP LOCKED");
  for (const auto& row : rows) {
    ASSIGN_OR_RETURN(LockedSearch search, LockSearch(txn, row[0].as<int64_t>()));
    const v1::JobKind kind = search.step->job_kind();
    if (!CanRun(worker, kind)) continue;
    ASSIGN_OR_RETURN(int queued, TopUp(txn, search, ActiveSlots(txn, kind)));
    if (queued > 0) break;
  }
  return absl::OkStatus();
}

// Matches the CHECK of workers.slots (migration 0008).
constexpr int kMaxWorkerSlots = 64;

absl::Status ValidateWorker(const v1::WorkerInfo& worker) {
  if (worker.worker_id().empty() || worker.worker_id().size() > 128) {
    return absl::InvalidArgumentError("worker.worker_id: must be 1..128 characters");
  }
  if (worker.hostname().size() > 255) {
    return absl::InvalidArgumentError("worker.hostname: must be at most 255 characters");
  }
  if (worker.device().size() > 64) {
    return absl::InvalidArgumentError("worker.device: must be at most 64 characters");
  }
  const std::string& model = worker.device_model();
  if (model.size() > 128 ||
      !std::all_of(model.begin(), model.end(), [](char c) { return c >= 0x20 && c <= 0x7e; })) {
    return absl::InvalidArgumentError(
        "worker.device_model: must be at most 128 printable ASCII characters");
  }
  if (worker.slots() < 0 || worker.slots() > kMaxWorkerSlots) {
    return absl::InvalidArgumentError(
        absl::StrCat("worker.slots: ", worker.slots(), " must be in 0..", kMaxWorkerSlots));
  }
  if (worker.job_kinds().empty()) {
    return absl::InvalidArgumentError("worker.job_kinds: must name at least one job kind");
  }
  for (int k : worker.job_kinds()) {
    if (k == v1::JOB_KIND_UNSPECIFIED || !v1::JobKind_IsValid(k)) {
      return absl::InvalidArgumentError(
          absl::StrCat("worker.job_kinds: ", k, " is not a known job kind"));
    }
  }
  return absl::OkStatus();
}

constexpr size_t kMaxArchitectureChars = 65536;
constexpr size_t kMaxLatencyTableBytes = 16 << 20;

absl::Status ValidateMetrics(absl::string_view field,
                             const google::protobuf::Map<std::string, double>& metrics) {
  if (metrics.size() > 100) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": at most 100 entries"));
  }
  for (const auto& [name, value] : metrics) {
    if (name.empty() || name.size() > 128 || !std::isfinite(value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, "[", name.substr(0, 128), "]: names must be 1..128 characters and values finite"));
    }
  }
  return absl::OkStatus();
}

// Bounded, so that one epoch's row stays small: at most 64 matrices of at
// most 4096 probabilities, each labelled.
absl::Status ValidateArchitectureWeights(const v1::EpochProgress& epoch) {
  if (epoch.architecture_weights_size() > 64) {
    return absl::InvalidArgumentError("epoch.architecture_weights: at most 64 matrices");
  }
  for (int m = 0; m < epoch.architecture_weights_size(); ++m) {
    const v1::ArchitectureWeights& w = epoch.architecture_weights(m);
    const std::string field = absl::StrCat("epoch.architecture_weights[", m, "]");
    const int64_t cells = static_cast<int64_t>(w.rows_size()) * w.columns_size();
    if (w.name().empty() || w.name().size() > 128 || w.rows_size() == 0 || w.columns_size() == 0 ||
        cells > 4096 || w.weights_size() != cells) {
      return absl::InvalidArgumentError(absl::StrCat(
          field,
          ": needs a name (1..128 characters), rows and columns, at most 4096 weights, "
          "and exactly rows x columns of them"));
    }
    for (double x : w.weights()) {
      if (!(x >= 0 && x <= 1)) {
        return absl::InvalidArgumentError(absl::StrCat(field, ".weights: must be in [0, 1]"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateEpochProgress(const v1::EpochProgress& epoch) {
  if (epoch.epoch() < 1 || epoch.epoch() > epoch.epochs() || epoch.epochs() > 100000) {
    return absl::InvalidArgumentError(absl::StrCat("epoch.epoch: ", epoch.epoch(),
                                                   " must be in 1..epoch.epochs (", epoch.epochs(),
                                                   "), and epochs at most 100000"));
  }
  if (epoch.architecture().text().size() > kMaxArchitectureChars) {
    return absl::InvalidArgumentError(absl::StrCat("epoch.architecture.text: must be at most ",
                                                   kMaxArchitectureChars, " characters"));
  }
  RETURN_IF_ERROR(ValidateArchitectureWeights(epoch));
  return ValidateMetrics("epoch.metrics", epoch.metrics());
}

// Records one reported epoch; a repeat (a retried heartbeat) changes nothing.
void RecordEpoch(pqxx::work& txn, int64_t job_id, int attempt, const v1::EpochProgress& epoch) {
  std::vector<std::string> names;
  std::string values = "{";
  for (const auto& [name, value] : epoch.metrics()) {
    names.push_back(name);
    absl::StrAppend(&values, values.size() > 1 ? "," : "", absl::StrFormat("%.17g", value));
  }
  values += "}";
  ExecPrepared(txn,
               "INSERT INTO job_epochs (job_id, attempt, epoch, epochs, metrics, architecture, "
               "architecture_weights) "
               "SELECT $1, $2, $3, $4, COALESCE(jsonb_object_agg(n, v), '{}'::jsonb), $7, $8 "
               "FROM unnest($5::text[], $6::float8[]) AS m(n, v) "
               "ON CONFLICT (job_id, attempt, epoch) DO NOTHING",
               job_id, attempt, epoch.epoch(), epoch.epochs(), TextArrayLiteral(names), values,
               epoch.architecture().text(),
               pqxx::binarystring(SerializeArchitectureWeights(epoch)));
}

// The job's resume state becomes the heartbeat's; refused (before anything
// is written) when the checkpoint is not stored.
absl::Status RecordResumeState(pqxx::work& txn, const v1::HeartbeatRequest& request) {
  if (ExecPrepared(txn, "SELECT 1 FROM checkpoints WHERE digest = $1", request.resume_checkpoint())
          .empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "resume_checkpoint: ", request.resume_checkpoint(), " is not a stored checkpoint"));
  }
  ExecPrepared(txn, "UPDATE jobs SET resume_checkpoint = $2, resume_epoch = $3 WHERE id = $1",
               request.job_id(), request.resume_checkpoint(), request.resume_epoch());
  return absl::OkStatus();
}

// The worker's device as latency tables know it: the device and, when the
// worker names it, its model, so that two different machines' "cpu" do not
// share a table (StoreLatencyTable builds the same from the workers table).
std::string DeviceKey(const v1::WorkerInfo& worker) {
  if (worker.device_model().empty()) return worker.device();
  return absl::StrCat(worker.device(), " (", worker.device_model(), ")");
}

// A TF-NAS search runs under the table measured on the leasing worker's own
// device (DeviceKey) if there is one, else under the one its search measured (or the
// newest for the space). A spec with a table file needs none. Without any,
// the job goes out without one and its worker fails it, naming why.
void AttachLatencyTable(pqxx::work& txn, const v1::WorkerInfo& worker, v1::Job* job) {
  v1::TfNasPayload& payload = *job->mutable_tfnas();
  if (!payload.search().latency_table_path().empty()) return;
  const pqxx::result rows = ExecPrepared(
      txn,
      "SELECT t.device, t.table_json FROM latency_tables t JOIN jobs m ON m.id = t.measured_by "
      "WHERE t.space = $1 ORDER BY t.device = $2 DESC, m.search_id = $3 DESC, "
      "t.measured_at DESC LIMIT 1",
      TfNasSpaceKey(payload.space()), DeviceKey(worker), job->search_id());
  if (rows.empty()) return;
  payload.set_latency_device(rows[0][0].as<std::string>());
  payload.set_latency_table(rows[0][1].as<std::string>());
}

// When nothing was pending: lets running searches queue more, then leases
// in the same transaction.
absl::StatusOr<std::optional<pqxx::row>> TopUpAndLease(pqxx::work& txn,
                                                       const v1::WorkerInfo& worker,
                                                       const std::string& kinds) {
  RETURN_IF_ERROR(TopUpRunningSearches(txn, worker));
  return RunLeaseStatement(txn, worker, kinds, /*refresh_worker=*/false);
}

// The job of a lease made in `txn`, its latency table attached.
absl::StatusOr<v1::Job> JobInTransaction(pqxx::work& txn, const v1::WorkerInfo& worker,
                                         const pqxx::row& row) {
  ASSIGN_OR_RETURN(v1::Job job, JobFromLeaseRow(row));
  if (job.kind() == v1::TFNAS_SEARCH) AttachLatencyTable(txn, worker, &job);
  return job;
}

// The lease in one transaction: the whole of it for workers that may get a
// TFNAS_SEARCH job, whose latency table is read once the job's spec is
// parsed; only the top-up and second try (`claim_first` false) after
// LeaseAlone found nothing pending.
absl::StatusOr<std::optional<v1::Job>> LeaseInTransaction(Database& db,
                                                          const v1::WorkerInfo& worker,
                                                          const std::string& kinds,
                                                          bool refresh_worker, bool claim_first) {
  std::optional<v1::Job> out;
  RETURN_IF_ERROR(db.Transact([&](pqxx::work& txn) -> absl::Status {
    out.reset();
    std::optional<pqxx::row> row =
        claim_first ? RunLeaseStatement(txn, worker, kinds, refresh_worker) : std::nullopt;
    if (!row.has_value()) {
      ASSIGN_OR_RETURN(row, TopUpAndLease(txn, worker, kinds));
    }
    if (!row.has_value()) return absl::OkStatus();
    ASSIGN_OR_RETURN(out, JobInTransaction(txn, worker, *row));
    return absl::OkStatus();
  }));
  return out;
}

// The common lease, a job pending: one statement, committed on its own (no
// BEGIN or COMMIT round trips). Atomic as any statement is; see
// lease_statement.h. When nothing is pending, LeaseInTransaction tops up.
absl::StatusOr<std::optional<v1::Job>> LeaseAlone(Database& db, const v1::WorkerInfo& worker,
                                                  const std::string& kinds, bool refresh_worker) {
  std::optional<pqxx::row> row;
  RETURN_IF_ERROR(db.RunAlone([&](pqxx::nontransaction& txn) -> absl::Status {
    row = RunLeaseStatement(txn, worker, kinds, refresh_worker);
    return absl::OkStatus();
  }));
  if (!row.has_value()) {
    return LeaseInTransaction(db, worker, kinds, /*refresh_worker=*/false, /*claim_first=*/false);
  }
  absl::StatusOr<v1::Job> job = JobFromLeaseRow(*row);
  if (job.ok()) return std::optional<v1::Job>(*std::move(job));
  // The lease committed but its worker gets an error: undo it, as the
  // rollback of a transaction would have.
  const absl::Status undone = db.Transact([&](pqxx::work& txn) -> absl::Status {
    UndoLease(txn, LeasedJobId(*row), LeasedAttempt(*row), worker.worker_id());
    return absl::OkStatus();
  });
  if (undone.ok()) return job.status();
  return absl::Status(
      job.status().code(),
      absl::StrCat(job.status().message(), "; undoing the lease of job ", LeasedJobId(*row),
                   " failed, so it expires: ", undone.ToString()));
}

constexpr size_t kMaxFingerprintChars = 256;
constexpr int kMaxChannels = 64;
constexpr int kMaxClassNames = 100000;
constexpr size_t kMaxClassNameChars = 256;

absl::Status ValidateDataDescription(const v1::DataDescription& data) {
  if (data.fingerprint().empty() || data.fingerprint().size() > kMaxFingerprintChars) {
    return absl::InvalidArgumentError(
        absl::StrCat("result.data.fingerprint: must be 1..", kMaxFingerprintChars, " characters"));
  }
  if (data.train_examples() < 0 || data.validation_examples() < 0 || data.classes() < 0 ||
      data.image_shape_size() > 4) {
    return absl::InvalidArgumentError(
        "result.data: example and class counts must be >= 0 and image_shape at most 4 sizes");
  }
  if (data.channel_mean_size() != data.channel_std_size() ||
      data.channel_mean_size() > kMaxChannels) {
    return absl::InvalidArgumentError(absl::StrCat(
        "result.data: channel_mean and channel_std must have as many entries, at most ",
        kMaxChannels));
  }
  for (int c = 0; c < data.channel_mean_size(); ++c) {
    if (!std::isfinite(data.channel_mean(c)) || !std::isfinite(data.channel_std(c)) ||
        data.channel_std(c) <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("result.data: channel ", c, " needs a finite mean and a finite std > 0"));
    }
  }
  if (data.class_names_size() > kMaxClassNames) {
    return absl::InvalidArgumentError(
        absl::StrCat("result.data.class_names: at most ", kMaxClassNames, " names"));
  }
  for (const std::string& name : data.class_names()) {
    if (name.size() > kMaxClassNameChars) {
      return absl::InvalidArgumentError(absl::StrCat(
          "result.data.class_names: names must be at most ", kMaxClassNameChars, " characters"));
    }
  }
  return absl::OkStatus();
}

// The search's first reported data description is recorded; a later one must
// have its fingerprint. The caller holds the search row's lock.
absl::Status RecordDataDescription(pqxx::work& txn, int64_t search_id,
                                   const v1::DataDescription& data) {
  const pqxx::row row =
      ExecPrepared1(txn, "SELECT data_fingerprint FROM searches WHERE id = $1", search_id);
  if (row[0].is_null()) {
    ExecPrepared(txn,
                 "UPDATE searches SET data_fingerprint = $2, data_description = $3 WHERE id = $1",
                 search_id, data.fingerprint(), DataDescriptionToText(data));
    return absl::OkStatus();
  }
  const std::string recorded = row[0].as<std::string>();
  if (recorded == data.fingerprint()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("result.data.fingerprint: ", data.fingerprint(), " differs from ", recorded,
                   ", the fingerprint search ", search_id,
                   " recorded from its first evaluation: the worker trained on other data"));
}

absl::Status LeaseNotHeld(int64_t job_id, int attempt, const std::string& state,
                          int current_attempt) {
  return absl::FailedPreconditionError(absl::StrCat("lease of job ", job_id, " attempt ", attempt,
                                                    " is not held (job is ", state,
                                                    ", current attempt ", current_attempt, ")"));
}

// Attempts that count towards max_attempts: every lease up to `attempt`
// except those the worker handed back unfinished because it was stopping.
int CountedAttempts(pqxx::work& txn, int64_t job_id, int attempt) {
  const int released = ExecPrepared1(txn,
                                     "SELECT count(*) FROM job_attempts WHERE job_id = $1 AND "
                                     "outcome = 'released'",
                                     job_id)[0]
                           .as<int>();
  return attempt - released;
}

// Ends an attempt its worker handed back (EvaluationFailure.released): the
// job is pending again at once, for any worker, with its attempts as they were.
void ReleaseAttempt(pqxx::work& txn, int64_t job_id, int attempt) {
  ExecPrepared(txn,
               "UPDATE job_attempts SET outcome = 'released', ended_at = now() "
               "WHERE job_id = $1 AND attempt = $2",
               job_id, attempt);
  ExecPrepared(txn,
               "UPDATE jobs SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL "
               "WHERE id = $1",
               job_id);
}

// Ends the attempt of a failure report: the job goes back to pending when
// the failure is retryable and attempts are left, else it fails and the
// search steps on.
absl::Status EndFailedAttempt(pqxx::work& txn, LockedSearch& search,
                              const v1::ReportResultRequest& request, int64_t individual_id,
                              bool attempts_left) {
  const std::string reason = request.failure().reason().empty()
                                 ? "worker reported a failure without a reason"
                                 : request.failure().reason();
  ExecPrepared(txn,
               "UPDATE job_attempts SET outcome = 'failed', ended_at = now() "
               "WHERE job_id = $1 AND attempt = $2",
               request.job_id(), request.attempt());
  if (request.failure().retryable() && attempts_left) {
    ExecPrepared(txn,
                 "UPDATE jobs SET state = 'pending', lease_owner = NULL, "
                 "lease_expires_at = NULL, failure_reason = $2 WHERE id = $1",
                 request.job_id(), reason);
    return absl::OkStatus();
  }
  ExecPrepared(txn,
               "UPDATE jobs SET state = 'failed', lease_owner = NULL, "
               "lease_expires_at = NULL, failure_reason = $2, finished_at = now() "
               "WHERE id = $1",
               request.job_id(), reason);
  RETURN_IF_ERROR(RecordFailure(txn, search, individual_id, reason));
  return AdvanceSearch(txn, search);
}

absl::Status ValidateReport(const v1::ReportResultRequest& request) {
  if (request.has_result()) {
    const v1::EvaluationResult& r = request.result();
    if (!std::isfinite(r.fitness())) {
      return absl::InvalidArgumentError("result.fitness: must be a finite number");
    }
    if (r.parameter_count() < 0) {
      return absl::InvalidArgumentError("result.parameter_count: must be >= 0");
    }
    RETURN_IF_ERROR(ValidateMetrics("result.metrics", r.metrics()));
    if (r.architecture().text().size() > kMaxArchitectureChars) {
      return absl::InvalidArgumentError(absl::StrCat("result.architecture.text: must be at most ",
                                                     kMaxArchitectureChars, " characters"));
    }
    if (r.latency_table().size() > kMaxLatencyTableBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("result.latency_table: must be at most ", kMaxLatencyTableBytes, " bytes"));
    }
    if (r.has_data()) RETURN_IF_ERROR(ValidateDataDescription(r.data()));
  } else if (request.has_failure()) {
    if (request.failure().reason().size() > 10000) {
      return absl::InvalidArgumentError("failure.reason: must be at most 10000 characters");
    }
  } else {
    return absl::InvalidArgumentError("outcome: one of result or failure must be set");
  }
  RETURN_IF_ERROR(ValidateLogLines(request.log_lines()));

  return ValidateLogLines(request.log_lines());
}

// One report's checks and writes, then the step its outcome calls for, in
// the caller's transaction under the search's lock; as ReportResult did for
// one report alone. Its log lines go to `logs`, to be appended last.
absl::StatusOr<ReportOutcome> RecordReport(pqxx::work& txn, LockedSearch& search,
                                           const v1::ReportResultRequest& request,
                                           ReportBatch::Logs* logs) {
  ReportOutcome outcome;
  // Lock order everywhere: search row (the caller's), then job row. The
  // attempt the request names comes in the same round trip.
  const pqxx::result rows = ExecPrepared(
      txn,
      "SELECT j.state, j.attempt, COALESCE(j.lease_owner, ''), j.individual_id, j.max_attempts, "
      "a.outcome, a.worker_id FROM jobs j LEFT JOIN job_attempts a "
      "ON a.job_id = j.id AND a.attempt = $2 WHERE j.id = $1 AND j.search_id = $3 FOR UPDATE OF j",
      request.job_id(), request.attempt(), search.id);
  // Gone since it was leased (a database restored to an earlier state).
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("job ", request.job_id(), " does not exist"));
  }
  const pqxx::row job = rows[0];
  const std::string state = job[0].as<std::string>();
  const int attempt = job[1].as<int>();
  const int64_t individual_id = job[3].as<int64_t>();

  if (!job[5].is_null() && job[6].as<std::string>() == request.worker_id()) {
    const std::string ended = job[5].as<std::string>();
    if ((ended == "reported" && request.has_result()) ||
        (ended == "failed" && request.has_failure() && !request.failure().released()) ||
        (ended == "released" && request.has_failure() && request.failure().released())) {
      outcome.duplicate = true;  // A retry of a report that already landed.
      return outcome;
    }
  }
  if (state != "leased" || attempt != request.attempt() ||
      job[2].as<std::string>() != request.worker_id()) {
    return LeaseNotHeld(request.job_id(), request.attempt(), state, attempt);
  }

  if (request.has_result()) {
    if (request.result().has_data()) {
      RETURN_IF_ERROR(RecordDataDescription(txn, search.id, request.result().data()));
    }
    ExecPrepared(txn,
                 "UPDATE jobs SET state = 'done', lease_owner = NULL, "
                 "lease_expires_at = NULL, progress = 1, finished_at = now() WHERE id = $1",
                 request.job_id());
    ExecPrepared(txn,
                 "UPDATE job_attempts SET outcome = 'reported', ended_at = now() "
                 "WHERE job_id = $1 AND attempt = $2",
                 request.job_id(), attempt);
    RETURN_IF_ERROR(RecordEvaluation(txn, search, individual_id, request.result()));
    RecordStopOnIndividual(txn, request.job_id(), attempt, individual_id);
    RETURN_IF_ERROR(AdvanceSearch(txn, search));
  } else if (request.failure().released()) {
    ReleaseAttempt(txn, request.job_id(), attempt);
  } else {
    RETURN_IF_ERROR(
        EndFailedAttempt(txn, search, request, individual_id,
                         CountedAttempts(txn, request.job_id(), attempt) < job[4].as<int>()));
  }
  logs->push_back(
      {{search.id, request.job_id(), attempt, request.worker_id()}, &request.log_lines()});
  return outcome;
}

// RecordReport in a savepoint of a batch's transaction: when it fails, what it
// wrote is rolled back (and `search` restored), and the batch goes on. Errors
// the whole transaction must see (retry, lost connection, timeout) propagate.
absl::StatusOr<ReportOutcome> RecordReportAlone(pqxx::work& txn, LockedSearch& search,
                                                const v1::ReportResultRequest& request,
                                                ReportBatch::Logs* logs) {
  const LockedSearch before = search;
  const size_t logs_before = logs->size();
  txn.exec("SAVEPOINT report");
  absl::StatusOr<ReportOutcome> outcome;
  try {
    outcome = RecordReport(txn, search, request, logs);
  } catch (...) {
    const absl::Status status = StatusFromCurrentException();
    if (absl::IsAborted(status) || absl::IsUnavailable(status)) throw;
    outcome = status;
  }
  if (outcome.ok()) {
    txn.exec("RELEASE SAVEPOINT report");
    return outcome;
  }
  txn.exec("ROLLBACK TO SAVEPOINT report");
  search = before;
  logs->resize(logs_before);
  return outcome;
}

}  // namespace

bool JobQueue::ReclaimDue() {
  const int64_t now = absl::GetCurrentTimeNanos();
  int64_t last = last_reclaim_ns_.load();
  if (now - last < absl::ToInt64Nanoseconds(kReclaimOnLeaseInterval)) return false;
  return last_reclaim_ns_.compare_exchange_strong(last, now);  // One caller wins.
}

absl::StatusOr<std::optional<v1::Job>> JobQueue::LeaseJob(const v1::WorkerInfo& worker) {
  RETURN_IF_ERROR(ValidateWorker(worker));
  if (ReclaimDue()) RETURN_IF_ERROR(ReclaimExpiredLeases().status());
  std::vector<std::string> kinds;
  for (int k : worker.job_kinds()) kinds.push_back(JobKindToDb(v1::JobKind(k)));
  const std::string kinds_literal = TextArrayLiteral(kinds);

  const absl::Time now = absl::Now();
  const bool refresh = worker_refreshes_.Due(worker, now);
  absl::StatusOr<std::optional<v1::Job>> out =
      CanRun(worker, v1::TFNAS_SEARCH)
          ? LeaseInTransaction(*db_, worker, kinds_literal, refresh, /*claim_first=*/true)
          : LeaseAlone(*db_, worker, kinds_literal, refresh);
  if (!out.ok()) {
    worker_refreshes_.Forget(worker.worker_id());
    return out.status();
  }
  if (refresh) worker_refreshes_.Refreshed(worker, now);
  if (out->has_value()) RememberSearchOfJob((*out)->job_id(), (*out)->search_id());
  return out;
}

absl::StatusOr<v1::HeartbeatResponse> JobQueue::Heartbeat(const v1::HeartbeatRequest& request) {
  if (!std::isfinite(request.progress()) || request.progress() < 0 || request.progress() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("progress: ", request.progress(), " must be in [0, 1]"));
  }
  if (request.has_epoch()) RETURN_IF_ERROR(ValidateEpochProgress(request.epoch()));
  RETURN_IF_ERROR(ValidateLogLines(request.log_lines()));
  v1::HeartbeatResponse answer;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    answer.Clear();
    const pqxx::result rows =
        ExecPrepared(txn,
                     "SELECT state, attempt, COALESCE(lease_owner, ''), search_id FROM jobs "
                     "WHERE id = $1 FOR UPDATE",
                     request.job_id());
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("job ", request.job_id(), " does not exist"));
    }
    const std::string state = rows[0][0].as<std::string>();
    const int attempt = rows[0][1].as<int>();
    if (state == "cancelled") {
      answer.set_cancel(true);  // Its lines are not kept: the worker stops the job.
      return absl::OkStatus();
    }
    if (state != "leased" || attempt != request.attempt() ||
        rows[0][2].as<std::string>() != request.worker_id()) {
      return LeaseNotHeld(request.job_id(), request.attempt(), state, attempt);
    }
    ExecPrepared(txn,
                 "UPDATE jobs SET lease_expires_at = now() + lease_seconds * "
                 "interval '1 second', progress = $2 WHERE id = $1",
                 request.job_id(), request.progress());
    if (!request.resume_checkpoint().empty()) {
      RETURN_IF_ERROR(RecordResumeState(txn, request));
    }
    if (request.has_epoch()) RecordEpoch(txn, request.job_id(), attempt, request.epoch());
    ASSIGN_OR_RETURN(const std::optional<std::string> stop,
                     EarlyStopAnswer(txn, request.job_id(), attempt,
                                     request.has_epoch() ? &request.epoch() : nullptr));
    if (stop.has_value()) {
      answer.set_stop(true);
      answer.set_stop_reason(*stop);
    }
    ExecPrepared(txn, "UPDATE workers SET last_seen = now() WHERE id = $1", request.worker_id());
    AppendJobLog(txn, {rows[0][3].as<int64_t>(), request.job_id(), attempt, request.worker_id()},
                 request.log_lines(), LogSource::kHeartbeat);
    return absl::OkStatus();
  }));
  return answer;
}

absl::StatusOr<ReportOutcome> JobQueue::ReportResult(const v1::ReportResultRequest& request) {
  RETURN_IF_ERROR(ValidateReport(request));
  ASSIGN_OR_RETURN(const int64_t search_id, SearchOfJob(request.job_id()));
  PendingReport mine{&request, absl::UnknownError("report not recorded")};
  reports_.Submit(search_id, &mine, [&](const std::vector<PendingReport*>& batch) {
    RecordReports(search_id, batch);
  });
  return mine.outcome;
}

absl::StatusOr<int64_t> JobQueue::SearchOfJob(int64_t job_id) {
  {
    absl::MutexLock lock(&search_of_job_mu_);
    if (auto it = search_of_job_.find(job_id); it != search_of_job_.end()) return it->second;
  }
  int64_t search_id = 0;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    const pqxx::result owner =
        ExecPrepared(txn, "SELECT search_id FROM jobs WHERE id = $1", job_id);
    if (owner.empty()) {
      return absl::NotFoundError(absl::StrCat("job ", job_id, " does not exist"));
    }
    search_id = owner[0][0].as<int64_t>();
    return absl::OkStatus();
  }));
  RememberSearchOfJob(job_id, search_id);
  return search_id;
}

void JobQueue::RememberSearchOfJob(int64_t job_id, int64_t search_id) {
  absl::MutexLock lock(&search_of_job_mu_);
  if (search_of_job_.size() >= kRememberedJobs) search_of_job_.clear();
  search_of_job_[job_id] = search_id;
}

void JobQueue::RecordReports(int64_t search_id, const std::vector<PendingReport*>& batch) {
  const absl::Status status = db_->Transact([&](pqxx::work& txn) -> absl::Status {
    ASSIGN_OR_RETURN(LockedSearch search, LockSearch(txn, search_id));
    ReportBatch::Logs logs;
    // Alone, a report needs no savepoint: an error rolls the transaction back.
    const bool alone = batch.size() == 1;
    ReportBatch recorder(txn, search, batched_writes_, &logs,
                         [&](const v1::ReportResultRequest& request) {
                           return alone ? RecordReport(txn, search, request, &logs)
                                        : RecordReportAlone(txn, search, request, &logs);
                         });
    std::vector<const v1::ReportResultRequest*> requests;
    for (PendingReport* report : batch) requests.push_back(report->request);
    std::vector<absl::StatusOr<ReportOutcome>> outcomes = recorder.Record(requests);
    for (size_t i = 0; i < batch.size(); ++i) batch[i]->outcome = std::move(outcomes[i]);
    if (alone) RETURN_IF_ERROR(batch[0]->outcome.status());
    // Last: each takes the search's log lock (see AppendJobLog).
    for (const auto& [lease, lines] : logs) AppendJobLog(txn, lease, *lines, LogSource::kReport);
    return absl::OkStatus();
  });
  if (status.ok()) return;
  // Nothing of the batch was committed: every caller sees why.
  for (PendingReport* report : batch) report->outcome = status;
}

std::vector<absl::StatusOr<ReportOutcome>> JobQueue::RecordBatchForTesting(
    int64_t search_id, const std::vector<const v1::ReportResultRequest*>& requests) {
  std::vector<PendingReport> reports;
  for (const v1::ReportResultRequest* request : requests) {
    reports.push_back({request, absl::UnknownError("report not recorded")});
  }
  std::vector<PendingReport*> batch;
  for (PendingReport& report : reports) batch.push_back(&report);
  RecordReports(search_id, batch);
  std::vector<absl::StatusOr<ReportOutcome>> outcomes;
  for (PendingReport& report : reports) outcomes.push_back(std::move(report.outcome));
  return outcomes;
}

absl::StatusOr<int> JobQueue::ReclaimExpiredLeases() {
  std::vector<std::pair<int64_t, int64_t>> expired;  // (job, search)
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    expired.clear();
    for (const auto& row : txn.exec("SELECT id, search_id FROM jobs WHERE state = 'leased' AND "
                                    "lease_expires_at < now() ORDER BY id LIMIT 100")) {
      expired.emplace_back(row[0].as<int64_t>(), row[1].as<int64_t>());
    }
    return absl::OkStatus();
  }));
  int reclaimed = 0;
  for (const auto& [job_id, search_id] : expired) {
    RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
      ASSIGN_OR_RETURN(LockedSearch search, LockSearch(txn, search_id));
      const pqxx::result rows =
          ExecPrepared(txn,
                       "SELECT attempt, max_attempts, individual_id FROM jobs WHERE id = $1 "
                       "AND state = 'leased' AND lease_expires_at < now() FOR UPDATE",
                       job_id);
      if (rows.empty()) return absl::OkStatus();  // Reported or reclaimed meanwhile.
      const int attempt = rows[0][0].as<int>();
      ExecPrepared(txn,
                   "UPDATE job_attempts SET outcome = 'expired', ended_at = now() "
                   "WHERE job_id = $1 AND attempt = $2",
                   job_id, attempt);
      ++reclaimed;
      if (CountedAttempts(txn, job_id, attempt) < rows[0][1].as<int>()) {
        ExecPrepared(txn,
                     "UPDATE jobs SET state = 'pending', lease_owner = NULL, "
                     "lease_expires_at = NULL WHERE id = $1",
                     job_id);
        return absl::OkStatus();
      }
      const std::string reason =
          absl::StrCat("lease expired on all ", CountedAttempts(txn, job_id, attempt), " attempts");
      ExecPrepared(txn,
                   "UPDATE jobs SET state = 'failed', lease_owner = NULL, "
                   "lease_expires_at = NULL, failure_reason = $2, finished_at = now() "
                   "WHERE id = $1",
                   job_id, reason);
      RETURN_IF_ERROR(RecordFailure(txn, search, rows[0][2].as<int64_t>(), reason));
      return AdvanceSearch(txn, search);
    }));
  }
  if (reclaimed > 0 && on_leases_expired_) on_leases_expired_(reclaimed);
  return reclaimed;
}

}  // namespace nas
