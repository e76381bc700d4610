// The worker's side of nas.v1.WorkerService: every call has a deadline, and
// calls that may be retried safely (UNAVAILABLE, ABORTED) are retried with
// exponential backoff. ReportResult is idempotent on the controller, so a
// retried report never counts twice.
#ifndef NAS_WORKER_RUNTIME_CONTROLLER_CLIENT_H_
#define NAS_WORKER_RUNTIME_CONTROLLER_CLIENT_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/rpc/channel.h"
#include "proto/worker_service.grpc.pb.h"

namespace nas {

class ControllerClient {
 public:
  struct Options {
    // Where the controller(s) are, TLS and token (see common/rpc/channel.h).
    ChannelOptions channel;
    absl::Duration call_timeout = absl::Seconds(20);
    // Total time a call keeps retrying a controller that is down.
    absl::Duration retry_budget = absl::Minutes(2);
  };

  // INVALID_ARGUMENT for unusable channel options (unreadable TLS files...).
  static absl::StatusOr<std::unique_ptr<ControllerClient>> Create(Options options);

  // A job, or nullopt with the wait the controller asked for.
  struct Lease {
    std::optional<v1::Job> job;
    absl::Duration retry_after;
  };
  absl::StatusOr<Lease> LeaseJob(const v1::WorkerInfo& worker);
  // The controller's answer: cancel (search cancelled) or stop (early
  // stopping) the job.
  absl::StatusOr<v1::HeartbeatResponse> Heartbeat(const v1::HeartbeatRequest& request);
  absl::StatusOr<v1::ReportResultResponse> ReportResult(const v1::ReportResultRequest& request);
  // Streams `bytes` up in 1 MiB chunks; returns the stored digest. Retried
  // whole on UNAVAILABLE (content addressing makes a repeat harmless).
  absl::StatusOr<std::string> UploadCheckpoint(const std::string& bytes);
  // The bytes stored under `digest`, verified against it.
  absl::StatusOr<std::string> DownloadCheckpoint(const std::string& digest);

 private:
  ControllerClient(Options options, std::shared_ptr<grpc::Channel> channel);

  const Options options_;
  std::unique_ptr<v1::WorkerService::Stub> stub_;
};

}  // namespace nas

#endif  // NAS_WORKER_RUNTIME_CONTROLLER_CLIENT_H_
