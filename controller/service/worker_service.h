// nas.v1.WorkerService: translates worker calls to JobQueue calls. Holds no
// search state; only the number of long-polling LeaseJob calls waiting now.
#ifndef NAS_CONTROLLER_SERVICE_WORKER_SERVICE_H_
#define NAS_CONTROLLER_SERVICE_WORKER_SERVICE_H_

#include <atomic>

#include "absl/time/time.h"
#include "controller/metrics/controller_metrics.h"
#include "controller/service/auth.h"
#include "controller/store/checkpoint_store.h"
#include "controller/store/job_notifications.h"
#include "controller/store/job_queue.h"
#include "proto/worker_service.grpc.pb.h"

namespace nas {

// How LeaseJob waits for a job when the request asks to (wait_ms).
struct LeaseWaitOptions {
  // What tells a waiting call that a job may be there; null = never wait.
  JobNotifications* notifications = nullptr;
  // Longest wait, whatever the worker asks.
  absl::Duration max_wait = absl::Seconds(25);
  // Each waiting call holds a thread of the sync server; beyond this many,
  // a LeaseJob answers at once as without wait_ms.
  int max_waiters = 1024;
  // A wait ends this long before the call's deadline, so that the answer
  // still reaches the worker in time.
  absl::Duration deadline_margin = absl::Seconds(1);
};

class WorkerServiceImpl final : public v1::WorkerService::Service {
 public:
  // `idle_retry_ms`: what LeaseJob tells a worker to wait when there is no job
  // (and it did not wait). `queue`, `checkpoints`, `authorizer`, `metrics`
  // (may be null) and `wait.notifications` must outlive the service.
  WorkerServiceImpl(JobQueue* queue, CheckpointStore* checkpoints, const Authorizer* authorizer,
                    ControllerMetrics* metrics, int idle_retry_ms, LeaseWaitOptions wait = {})
      : queue_(queue),
        checkpoints_(checkpoints),
        authorizer_(authorizer),
        metrics_(metrics),
        idle_retry_ms_(idle_retry_ms),
        wait_(wait) {}

  // LeaseJob calls waiting for a job right now.
  int waiting() const { return waiters_.load(); }

  grpc::Status LeaseJob(grpc::ServerContext* context, const v1::LeaseJobRequest* request,
                        v1::LeaseJobResponse* response) override;
  grpc::Status Heartbeat(grpc::ServerContext* context, const v1::HeartbeatRequest* request,
                         v1::HeartbeatResponse* response) override;
  grpc::Status ReportResult(grpc::ServerContext* context, const v1::ReportResultRequest* request,
                            v1::ReportResultResponse* response) override;
  grpc::Status UploadCheckpoint(grpc::ServerContext* context,
                                grpc::ServerReader<v1::CheckpointChunk>* reader,
                                v1::UploadCheckpointResponse* response) override;
  grpc::Status DownloadCheckpoint(grpc::ServerContext* context,
                                  const v1::DownloadCheckpointRequest* request,
                                  grpc::ServerWriter<v1::CheckpointChunk>* writer) override;

 private:
  JobQueue* const queue_;
  CheckpointStore* const checkpoints_;
  const Authorizer* const authorizer_;
  ControllerMetrics* const metrics_;
  // When a call asking for `wait_ms` must answer at the latest.
  absl::Time WaitUntil(const grpc::ServerContext& context, int wait_ms) const;

  const int idle_retry_ms_;
  const LeaseWaitOptions wait_;
  std::atomic<int> waiters_{0};
};

}  // namespace nas

#endif  // NAS_CONTROLLER_SERVICE_WORKER_SERVICE_H_
