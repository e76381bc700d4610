#include "controller/service/worker_service.h"

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

}  // namespace

grpc::Status WorkerServiceImpl::LeaseJob(grpc::ServerContext* context,
                                         const v1::LeaseJobRequest* request,
                                         v1::LeaseJobResponse* response) {
  if (auto allowed = authorizer_->Check(*context, Role::kWorker); !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  auto job = queue_->LeaseJob(request->worker());
  if (!job.ok()) return ToGrpcStatus(job.status());
  if (job->has_value()) {
    if (metrics_) metrics_->LeaseGranted();
    *response->mutable_job() = **std::move(job);
  } else {
    response->set_retry_after_ms(idle_retry_ms_);
  }
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
