// A worker's Prometheus endpoint: jobs run by outcome, their durations, and
// busy time (rate() of which is the worker's utilisation).
#ifndef NAS_WORKER_METRICS_WORKER_METRICS_H_
#define NAS_WORKER_METRICS_WORKER_METRICS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace nas {

// Thread-safe.
class WorkerMetrics {
 public:
  // Serves /metrics on `listen_address`. UNAVAILABLE if it cannot bind.
  static absl::StatusOr<std::unique_ptr<WorkerMetrics>> Create(const std::string& listen_address);

  // `outcome`: "evaluated", "failed" or "abandoned".
  void JobFinished(const std::string& outcome, double seconds);

 private:
  WorkerMetrics() = default;

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Family<prometheus::Counter>* jobs_ = nullptr;
  prometheus::Counter* busy_seconds_ = nullptr;
  prometheus::Histogram* job_seconds_ = nullptr;
};

}  // namespace nas

#endif  // NAS_WORKER_METRICS_WORKER_METRICS_H_
