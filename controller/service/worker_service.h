// nas.v1.WorkerService: translates worker calls to JobQueue calls. Stateless.
#ifndef NAS_CONTROLLER_SERVICE_WORKER_SERVICE_H_
#define NAS_CONTROLLER_SERVICE_WORKER_SERVICE_H_

#include "controller/metrics/controller_metrics.h"
#include "controller/service/auth.h"
#include "controller/store/checkpoint_store.h"
#include "controller/store/job_queue.h"
#include "proto/worker_service.grpc.pb.h"

namespace nas {

class WorkerServiceImpl final : public v1::WorkerService::Service {
 public:
  // `idle_retry_ms`: what LeaseJob tells a worker to wait when there is no job.
  // `queue`, `checkpoints`, `authorizer` and `metrics` (may be null) must
  // outlive the service.
  WorkerServiceImpl(JobQueue* queue, CheckpointStore* checkpoints,
                    const Authorizer* authorizer, ControllerMetrics* metrics, int idle_retry_ms)
      : queue_(queue),
        checkpoints_(checkpoints),
        authorizer_(authorizer),
        metrics_(metrics),
        idle_retry_ms_(idle_retry_ms) {}

  grpc::Status LeaseJob(grpc::ServerContext* context,
                        const v1::LeaseJobRequest* request,
                        v1::LeaseJobResponse* response) override;
  grpc::Status Heartbeat(grpc::ServerContext* context,
                         const v1::HeartbeatRequest* request,
                         v1::HeartbeatResponse* response) override;
  grpc::Status ReportResult(grpc::ServerContext* context,
                            const v1::ReportResultRequest* request,
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
  const int idle_retry_ms_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_SERVICE_WORKER_SERVICE_H_
