#include "controller/service/worker_service.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"
#include "controller/service/checkpoint_streams.h"

namespace nas {
namespace {

absl::Status CheckLease(const std::string& worker_id, int64_t job_id, int attempt) {
  if (worker_id.empty()) return absl::InvalidArgumentError("worker_id: must not be empty");
  if (job_id <= 0) return absl::InvalidArgumentError("job_id: must be > 0");
  if (attempt <= 0) return absl::InvalidArgumentError("attempt: must be > 0");
  return absl::OkStatus();
}

// A resume state names a digest and at least one epoch, or neither; that
// the checkpoint is stored is checked with the lease (JobQueue::Heartbeat).
absl::Status CheckResumeState(const v1::HeartbeatRequest& request) {
  const std::string& digest = request.resume_checkpoint();
  if (digest.empty()) {
    if (request.resume_epoch() != 0) {
      return absl::InvalidArgumentError("resume_epoch: must be 0 when resume_checkpoint is empty");
    }
    return absl::OkStatus();
  }
  if (!absl::StartsWith(digest, "sha256:") || digest.size() != 71) {
    return absl::InvalidArgumentError("resume_checkpoint: must be 'sha256:' and 64 hex digits");
  }
  if (request.resume_epoch() < 1) {
    return absl::InvalidArgumentError(absl::StrCat("resume_epoch: ", request.resume_epoch(),
                                                   " must be >= 1 with a resume_checkpoint"));
  }
  return absl::OkStatus();
}

// One of at most `max` places for a waiting LeaseJob, held while alive.
class WaiterPlace {
 public:
  WaiterPlace(std::atomic<int>& count, int max) : count_(count) {
    held_ = count_.fetch_add(1) < max;
    if (!held_) count_.fetch_sub(1);
  }
  ~WaiterPlace() {
    if (held_) count_.fetch_sub(1);
  }
  bool held() const { return held_; }

 private:
  std::atomic<int>& count_;
  bool held_;
};

}  // namespace

absl::Time WorkerServiceImpl::WaitUntil(const grpc::ServerContext& context, int wait_ms) const {
  const absl::Time now = absl::Now();
  if (wait_ms <= 0 || wait_.notifications == nullptr) return now;
  absl::Time until = now + std::min(absl::Milliseconds(wait_ms), wait_.max_wait);
  const std::chrono::system_clock::time_point deadline = context.deadline();
  if (deadline != std::chrono::system_clock::time_point::max()) {
    until = std::min(until, absl::FromChrono(deadline) - wait_.deadline_margin);
  }
  return std::max(until, now);
}

grpc::Status WorkerServiceImpl::LeaseJob(grpc::ServerContext* context,
                                         const v1::LeaseJobRequest* request,
                                         v1::LeaseJobResponse* response) {
  if (auto allowed = authorizer_->Check(*context, Role::kWorker); !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  if (metrics_) metrics_->LeaseRequested();
  if (request->wait_ms() < 0) {
    return ToGrpcStatus(
        absl::InvalidArgumentError(absl::StrCat("wait_ms: ", request->wait_ms(), " must be >= 0")));
  }
  const absl::Time until = WaitUntil(*context, request->wait_ms());
  const bool may_wait = until > absl::Now();
  const absl::Span<const int> kinds(request->worker().job_kinds().data(),
                                    request->worker().job_kinds_size());
  std::optional<WaiterPlace> place;
  bool waited_out = false;  // The whole bound passed: the worker asks again at once.
  // Why no pending job sits unleased while a worker that could run it sleeps
  // to its bound (JobNotifications wakes one waiter, not all):
  //  1. A job becomes pending in a transaction whose commit notifies its kind
  //     (migration 0016), and every controller LISTENing hears it (a
  //     reconnect wakes every waiter, standing for what was missed).
  //  2. A waiter of that kind is then either (a) looking or about to sleep:
  //     its token predates the notification, so its Wait() returns at once
  //     and it looks again; or (b) asleep: the notification wakes the
  //     longest-waiting sleeper of the kind, which looks. (A waiter between
  //     two of its Wait()s does not exist: it stays queued while it checks
  //     for cancellation.)
  //  3. One notification may stand for several jobs (folded), so a woken
  //     waiter that gets a job passes the baton: the next sleeper of its
  //     kinds wakes and looks, and so on. The chain ends only at a woken
  //     waiter that finds nothing of its kinds, i.e. when no job of them is
  //     pending (any queued later notifies anew); a woken waiter whose
  //     worker cancelled the call does not look and passes the baton
  //     instead. A baton also moves the tokens of its kinds, so (2a) holds
  //     for it.
  //  4. A lookup skips a pending job that another lease has locked (SKIP
  //     LOCKED), so a woken waiter may end the chain while that job is still
  //     pending: the other lease either takes it, or fails, and every failed
  //     lookup passes the baton, woken or not. (Only leases lock pending
  //     rows; other changes to them move their state, and notify.)
  //  5. "A search may queue more" (an empty payload: a lease ended, a search
  //     was created or resumed) wakes one sleeper per kind; one that queues
  //     jobs notifies their kind and, getting one, passes the baton. Its
  //     lookup skips a search another transaction has locked; a report or a
  //     lease holding it notifies on its own when it commits. (A row
  //     referencing the search, e.g. a job log line, holds it briefly too:
  //     then the room waits for the search's next report, or the waiters'
  //     next call at their bound, as when every waiter looked at once.)
  // Only leases that could not wait (over --max_lease_waiters) are not
  // covered: they poll, as without wait_ms.
  bool woken = false;     // Last wait ended kChanged: this look may be the baton's.
  absl::Duration waited;  // Asleep in Wait(): what the answer reports as waited_ms.
  while (true) {
    // Taken before looking, so that a job queued meanwhile ends the wait.
    const uint64_t token = may_wait ? wait_.notifications->Token(kinds) : 0;
    if (metrics_) metrics_->LeaseLookedUp();
    auto job = queue_->LeaseJob(request->worker());
    if (!job.ok()) {
      // It may have held a pending job that a woken waiter skipped (4 above).
      if (wait_.notifications != nullptr) wait_.notifications->PassBaton(kinds);
      return ToGrpcStatus(job.status());
    }
    if (job->has_value()) {
      if (woken) wait_.notifications->PassBaton(kinds);
      if (metrics_) metrics_->LeaseGranted();
      *response->mutable_job() = **std::move(job);
      response->set_waited_ms(static_cast<int32_t>(absl::ToInt64Milliseconds(waited)));
      return grpc::Status::OK;
    }
    if (!may_wait) break;
    if (absl::Now() >= until) {
      waited_out = true;
      break;
    }
    if (!place.has_value() && !place.emplace(waiters_, wait_.max_waiters).held()) break;
    // The sync API cannot be told that the worker gave up the call: look.
    const absl::Time asleep = absl::Now();
    const JobNotifications::Wake wake = wait_.notifications->Wait(
        kinds, token, until, [context] { return context->IsCancelled(); });
    waited += absl::Now() - asleep;
    if (wake == JobNotifications::Wake::kChanged && context->IsCancelled()) {
      wait_.notifications->PassBaton(kinds);  // Woken, but nobody to hand a job to.
      return grpc::Status(grpc::StatusCode::CANCELLED, "the worker cancelled the call");
    }
    if (wake == JobNotifications::Wake::kCancelled) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "the worker cancelled the call");
    }
    if (wake == JobNotifications::Wake::kStopped) break;  // The controller is stopping.
    if (wake == JobNotifications::Wake::kDeadline) {
      waited_out = true;
      break;
    }
    woken = true;
  }
  response->set_retry_after_ms(waited_out ? 0 : idle_retry_ms_);
  return grpc::Status::OK;
}

grpc::Status WorkerServiceImpl::Heartbeat(grpc::ServerContext* context,
                                          const v1::HeartbeatRequest* request,
                                          v1::HeartbeatResponse* response) {
  if (auto allowed = authorizer_->Check(*context, Role::kWorker); !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  absl::Status valid = CheckLease(request->worker_id(), request->job_id(), request->attempt());
  if (valid.ok()) valid = CheckResumeState(*request);
  if (!valid.ok()) return ToGrpcStatus(valid);
  auto answer = queue_->Heartbeat(*request);
  if (!answer.ok()) return ToGrpcStatus(answer.status());
  *response = *std::move(answer);
  return grpc::Status::OK;
}

grpc::Status WorkerServiceImpl::ReportResult(grpc::ServerContext* context,
                                             const v1::ReportResultRequest* request,
                                             v1::ReportResultResponse* response) {
  if (auto allowed = authorizer_->Check(*context, Role::kWorker); !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  absl::Status valid = CheckLease(request->worker_id(), request->job_id(), request->attempt());
  if (!valid.ok()) return ToGrpcStatus(valid);
  auto outcome = queue_->ReportResult(*request);
  if (!outcome.ok()) return ToGrpcStatus(outcome.status());
  response->set_duplicate(outcome->duplicate);
  if (metrics_ && !outcome->duplicate) {
    if (request->has_result()) {
      metrics_->EvaluationRecorded();
    } else if (!request->failure().released()) {  // A hand-back is no failure.
      metrics_->EvaluationFailed();
    }
  }
  return grpc::Status::OK;
}

grpc::Status WorkerServiceImpl::UploadCheckpoint(grpc::ServerContext* context,
                                                 grpc::ServerReader<v1::CheckpointChunk>* reader,
                                                 v1::UploadCheckpointResponse* response) {
  if (auto allowed = authorizer_->Check(*context, Role::kWorker); !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  return ToGrpcStatus(ReceiveCheckpoint(*checkpoints_, reader, response));
}

grpc::Status WorkerServiceImpl::DownloadCheckpoint(
    grpc::ServerContext* context, const v1::DownloadCheckpointRequest* request,
    grpc::ServerWriter<v1::CheckpointChunk>* writer) {
  if (auto allowed = authorizer_->Check(*context, Role::kWorker); !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  return ToGrpcStatus(SendCheckpoint(*checkpoints_, *request, writer));
}

}  // namespace nas
