// The controller's Prometheus endpoint: lease requests, lookups, leases granted and expired,
// evaluations recorded, queue depth, workers busy, and each running search's
// best fitness. Counters move as calls happen; gauges are refreshed from
// PostgreSQL by Refresh() (the reaper calls it), so every controller replica
// reports the same shared state.
#ifndef NAS_CONTROLLER_METRICS_CONTROLLER_METRICS_H_
#define NAS_CONTROLLER_METRICS_CONTROLLER_METRICS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "controller/store/database.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace nas {

// Thread-safe.
class ControllerMetrics {
 public:
  // Serves /metrics on `listen_address` (host:port). UNAVAILABLE if it cannot bind.
  static absl::StatusOr<std::unique_ptr<ControllerMetrics>> Create(
      const std::string& listen_address, Database* db);

  void LeaseRequested() { lease_requests_->Increment(); }
  void LeaseGranted() { leases_granted_->Increment(); }
  void LeaseLookedUp() { lease_lookups_->Increment(); }
  void LeasesExpired(int n) { leases_expired_->Increment(n); }
  void EvaluationRecorded() { evaluations_->Increment(); }
  void EvaluationFailed() { failures_->Increment(); }

  // Re-reads queue depth, leased jobs and best fitness per running search.
  absl::Status Refresh();

 private:
  ControllerMetrics() = default;

  Database* db_ = nullptr;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Counter* lease_requests_ = nullptr;
  prometheus::Counter* leases_granted_ = nullptr;
  prometheus::Counter* lease_lookups_ = nullptr;
  prometheus::Counter* leases_expired_ = nullptr;
  prometheus::Counter* evaluations_ = nullptr;
  prometheus::Counter* failures_ = nullptr;
  prometheus::Gauge* queue_depth_ = nullptr;
  prometheus::Gauge* jobs_leased_ = nullptr;
  prometheus::Family<prometheus::Gauge>* best_fitness_ = nullptr;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_METRICS_CONTROLLER_METRICS_H_
