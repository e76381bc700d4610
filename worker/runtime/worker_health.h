// What a worker's probes ask (--health_listen): /healthz is 200 while its
// loop runs and a controller answered it within the window (a worker that
// cannot reach any controller is of no use and may as well be restarted);
// /readyz additionally needs an answer since start and no stop requested.
#ifndef NAS_WORKER_RUNTIME_WORKER_HEALTH_H_
#define NAS_WORKER_RUNTIME_WORKER_HEALTH_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/health/health_endpoint.h"

namespace nas {

class WorkerHealth {
 public:
  struct Options {
    std::string listen_address;  // host:port; port 0 picks a free one.
    // Longest time without an answer from a controller that is healthy. The
    // loop calls at least every lease_seconds / 3 while a job runs (its
    // heartbeats) and every idle retry otherwise.
    absl::Duration window = absl::Minutes(5);
    // When a controller last answered (ControllerClient::last_reached).
    std::function<absl::Time()> last_reached;
  };

  // Serves the endpoint; errors as HealthEndpoint::Start (naming
  // --health_listen) or INVALID_ARGUMENT for a window <= 0.
  static absl::StatusOr<std::unique_ptr<WorkerHealth>> Start(Options options);

  // The worker loop started (true) or ended (false). Thread-safe.
  void SetRunning(bool running) { running_.store(running); }
  // A stop was requested (SIGTERM): no longer ready. Async-signal-safe.
  void SetStopping() { stopping_.store(true); }

  int port() const { return endpoint_->port(); }

  // "" when healthy, else why not. Thread-safe.
  std::string Live() const;
  std::string Ready() const;

 private:
  explicit WorkerHealth(Options options);

  const Options options_;
  const absl::Time started_;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
  std::unique_ptr<HealthEndpoint> endpoint_;
};

}  // namespace nas

#endif  // NAS_WORKER_RUNTIME_WORKER_HEALTH_H_
