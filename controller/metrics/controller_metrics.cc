#include "controller/metrics/controller_metrics.h"

#include "absl/strings/str_cat.h"
#include "controller/store/gauges_store.h"

namespace nas {

absl::StatusOr<std::unique_ptr<ControllerMetrics>> ControllerMetrics::Create(
    const std::string& listen_address, Database* db) {
  std::unique_ptr<ControllerMetrics> m(new ControllerMetrics());
  m->db_ = db;
  m->registry_ = std::make_shared<prometheus::Registry>();
  try {
    m->exposer_ = std::make_unique<prometheus::Exposer>(listen_address);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("--metrics_listen: cannot serve on ", listen_address, ": ", e.what()));
  }
  auto& r = *m->registry_;
  m->lease_requests_ = &prometheus::BuildCounter()
                            .Name("nas_controller_lease_requests_total")
                            .Help(
                                "LeaseJob calls answered by this controller, with a job or "
                                "without (idle workers' polling traffic)")
                            .Register(r)
                            .Add({});
  m->leases_granted_ = &prometheus::BuildCounter()
                            .Name("nas_controller_leases_granted_total")
                            .Help("Job leases handed to workers by this controller")
                            .Register(r)
                            .Add({});
  m->lease_lookups_ = &prometheus::BuildCounter()
                           .Name("nas_controller_lease_lookups_total")
                           .Help(
                               "Looks for a job made by LeaseJob calls of this controller: one "
                               "per call and one more per wake-up of a waiting call")
                           .Register(r)
                           .Add({});
  m->leases_expired_ = &prometheus::BuildCounter()
                            .Name("nas_controller_leases_expired_total")
                            .Help("Leases this controller found expired and reclaimed")
                            .Register(r)
                            .Add({});
  m->evaluations_ = &prometheus::BuildCounter()
                         .Name("nas_controller_evaluations_total")
                         .Help("Results recorded by this controller (rate() = evaluations/s)")
                         .Register(r)
                         .Add({});
  m->failures_ = &prometheus::BuildCounter()
                      .Name("nas_controller_failed_evaluations_total")
                      .Help("Failures reported to this controller")
                      .Register(r)
                      .Add({});
  m->queue_depth_ = &prometheus::BuildGauge()
                         .Name("nas_queue_depth")
                         .Help("Pending jobs of running searches (shared database)")
                         .Register(r)
                         .Add({});
  m->jobs_leased_ = &prometheus::BuildGauge()
                         .Name("nas_jobs_leased")
                         .Help("Jobs leased right now: workers busy (shared database)")
                         .Register(r)
                         .Add({});
  m->best_fitness_ = &prometheus::BuildGauge()
                          .Name("nas_search_best_fitness")
                          .Help("Best fitness so far of each running or recent search")
                          .Register(r);
  m->exposer_->RegisterCollectable(m->registry_);
  return m;
}

absl::Status ControllerMetrics::Refresh() {
  absl::StatusOr<QueueGauges> gauges = ReadQueueGauges(*db_);
  if (!gauges.ok()) return gauges.status();
  queue_depth_->Set(static_cast<double>(gauges->pending));
  jobs_leased_->Set(static_cast<double>(gauges->leased));
  for (const auto& [search_id, best] : gauges->best_fitness) {
    best_fitness_->Add({{"search", absl::StrCat(search_id)}}).Set(best);
  }
  return absl::OkStatus();
}

}  // namespace nas
