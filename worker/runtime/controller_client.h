// The worker's side of nas.v1.WorkerService: every call has a deadline, and
// calls that may be retried safely (UNAVAILABLE, ABORTED) are retried with
// exponential backoff. ReportResult is idempotent on the controller, so a
// retried report never counts twice.
#ifndef NAS_WORKER_RUNTIME_CONTROLLER_CLIENT_H_
#define NAS_WORKER_RUNTIME_CONTROLLER_CLIENT_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
    // The same for a hand-back (ReleaseJob): short, since a stopping worker
    // has a grace period to keep, and an unsent hand-back only means the
    // lease expires instead.
    absl::Duration release_budget = absl::Seconds(10);
    // Long poll: a LeaseJob that finds no job waits up to this long on the
    // controller for one (LeaseJobRequest.wait_ms); its deadline is
    // call_timeout beyond it. Zero: answered at once, then retry_after. Not
    // before a controller has answered once (last_reached()).
    absl::Duration lease_wait = absl::ZeroDuration();
  };

  // INVALID_ARGUMENT for unusable channel options (unreadable TLS files...).
  static absl::StatusOr<std::unique_ptr<ControllerClient>> Create(Options options);

  // A job, or nullopt with the wait the controller asked for (zero after a
  // long poll that waited its whole bound: ask again at once).
  struct Lease {
    std::optional<v1::Job> job;
    absl::Duration retry_after;
  };
  // When `stop` (may be null) becomes true during a long poll, the call is
  // cancelled within 50 ms and CANCELLED returned.
  absl::StatusOr<Lease> LeaseJob(const v1::WorkerInfo& worker,
                                 const std::atomic<bool>* stop = nullptr);
  // The controller's answer: cancel (search cancelled) or stop (early
  // stopping) the job.
  absl::StatusOr<v1::HeartbeatResponse> Heartbeat(const v1::HeartbeatRequest& request);
  absl::StatusOr<v1::ReportResultResponse> ReportResult(const v1::ReportResultRequest& request);
  // Hands an unfinished job back (the worker is stopping): another worker
  // may lease it at once, and the attempt does not count towards the job's
  // max_attempts; `log_lines` are stored with the attempt as a report's.
  // FAILED_PRECONDITION if the lease was no longer held.
  absl::Status ReleaseJob(const v1::Job& job, const std::string& worker_id,
                          const std::string& reason, std::vector<std::string> log_lines);
  // When a call last got an answer from a controller (an error included);
  // InfinitePast() before the first. Thread-safe.
  absl::Time last_reached() const;
  // Streams `bytes` up in 1 MiB chunks; returns the stored digest. Retried
  // whole on UNAVAILABLE (content addressing makes a repeat harmless).
  absl::StatusOr<std::string> UploadCheckpoint(const std::string& bytes);
  // The bytes stored under `digest`, verified against it.
  absl::StatusOr<std::string> DownloadCheckpoint(const std::string& digest);

 private:
  ControllerClient(Options options, std::shared_ptr<grpc::Channel> channel);

  // `longer`: how far past call_timeout the deadline of each try lies.
  template <typename Rpc>
  absl::Status Call(absl::Duration budget, Rpc&& rpc, absl::Duration longer = absl::ZeroDuration());
  // One LeaseJob call through the callback API, so that `stop` can cancel it.
  grpc::Status LeaseCancellable(grpc::ClientContext* context, const v1::LeaseJobRequest& request,
                                v1::LeaseJobResponse* response, const std::atomic<bool>* stop);

  const Options options_;
  std::unique_ptr<v1::WorkerService::Stub> stub_;
  std::atomic<int64_t> last_reached_ns_{0};  // Unix nanoseconds; 0 = never.
};

}  // namespace nas

#endif  // NAS_WORKER_RUNTIME_CONTROLLER_CLIENT_H_
