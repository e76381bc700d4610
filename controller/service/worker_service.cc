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

enum class Waited { kChanged, kDeadline, kStopped, kCancelled };

// Waits for a notification after `token`, until `until`; looks every second
// whether the worker gave up the call (the sync API cannot be told).
Waited AwaitJob(const JobNotifications& notifications, const grpc::ServerContext& context,
                absl::Span<const int> kinds, uint64_t token, absl::Time until) {
  while (true) {
    if (context.IsCancelled()) return Waited::kCancelled;
    const absl::Time slice = std::min(until, absl::Now() + absl::Seconds(1));
    switch (notifications.Wait(kinds, token, slice)) {
      case JobNotifications::Wake::kChanged:
        return Waited::kChanged;
      case JobNotifications::Wake::kStopped:
        return Waited::kStopped;
      case JobNotifications::Wake::kDeadline:
        if (slice >= until) return Waited::kDeadline;
    }
  }
}

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
  while (true) {
    // Taken before looking, so that a job queued meanwhile ends the wait.
    const uint64_t token = may_wait ? wait_.notifications->Token(kinds) : 0;
    auto job = queue_->LeaseJob(request->worker());
    if (!job.ok()) return ToGrpcStatus(job.status());
    if (job->has_value()) {
      if (metrics_) metrics_->LeaseGranted();
      *response->mutable_job() = **std::move(job);
      return grpc::Status::OK;
    }
    if (!may_wait) break;
    if (absl::Now() >= until) {
      waited_out = true;
      break;
    }
    if (!place.has_value() && !place.emplace(waiters_, wait_.max_waiters).held()) break;
    const Waited waited = AwaitJob(*wait_.notifications, *context, kinds, token, until);
    if (waited == Waited::kCancelled) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "the worker cancelled the call");
    }
    if (waited == Waited::kStopped) break;  // The controller is stopping.
    if (waited == Waited::kDeadline) {
      waited_out = true;
      break;
    }
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
