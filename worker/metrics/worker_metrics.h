// A worker's Prometheus endpoint: jobs run by outcome, their durations, busy
// time summed over the slots (rate() of which is the number of busy slots)
// and the slot count (so utilisation is that rate over the slots).
#ifndef NAS_WORKER_METRICS_WORKER_METRICS_H_
#define NAS_WORKER_METRICS_WORKER_METRICS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace nas {

// Thread-safe.
class WorkerMetrics {
 public:
  // Serves /metrics on `listen_address`. UNAVAILABLE if it cannot bind.
  static absl::StatusOr<std::unique_ptr<WorkerMetrics>> Create(const std::string& listen_address);

  // `outcome`: "evaluated", "failed", "abandoned" (lease lost or search
  // cancelled: nothing reported), "released" (the worker stopped and handed
  // the job back) or "refused" (reported,
  // but the controller refused the report: the lease had moved on or the job
  // was gone). Called once per job, from any slot.
  void JobFinished(const std::string& outcome, double seconds);

  // The jobs this worker runs at once (--slots).
  void SetSlots(int slots);

 private:
  WorkerMetrics() = default;

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Family<prometheus::Counter>* jobs_ = nullptr;
  prometheus::Counter* busy_seconds_ = nullptr;
  prometheus::Histogram* job_seconds_ = nullptr;
  prometheus::Gauge* slots_ = nullptr;
};

}  // namespace nas

#endif  // NAS_WORKER_METRICS_WORKER_METRICS_H_
