#include "worker/metrics/worker_metrics.h"

#include "absl/strings/str_cat.h"

namespace nas {

absl::StatusOr<std::unique_ptr<WorkerMetrics>> WorkerMetrics::Create(
    const std::string& listen_address) {
  std::unique_ptr<WorkerMetrics> m(new WorkerMetrics());
  m->registry_ = std::make_shared<prometheus::Registry>();
  try {
    m->exposer_ = std::make_unique<prometheus::Exposer>(listen_address);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("--metrics_listen: cannot serve on ", listen_address, ": ", e.what()));
  }
  m->jobs_ = &prometheus::BuildCounter()
                  .Name("nas_worker_jobs_total")
                  .Help("Jobs this worker finished, by outcome")
                  .Register(*m->registry_);
  m->busy_seconds_ = &prometheus::BuildCounter()
                          .Name("nas_worker_busy_seconds_total")
                          .Help("Seconds spent running jobs, summed over the slots")
                          .Register(*m->registry_)
                          .Add({});
  m->job_seconds_ = &prometheus::BuildHistogram()
                         .Name("nas_worker_job_duration_seconds")
                         .Help("Wall time of each job")
                         .Register(*m->registry_)
                         .Add({}, prometheus::Histogram::BucketBoundaries{
                                      0.01, 0.1, 1, 10, 60, 300, 1800, 7200});
  m->slots_ = &prometheus::BuildGauge()
                   .Name("nas_worker_slots")
                   .Help("Jobs this worker runs at once (--slots)")
                   .Register(*m->registry_)
                   .Add({});
  m->slots_->Set(1);
  m->exposer_->RegisterCollectable(m->registry_);
  return m;
}

void WorkerMetrics::JobFinished(const std::string& outcome, double seconds) {
  jobs_->Add({{"outcome", outcome}}).Increment();
  busy_seconds_->Increment(seconds);
  job_seconds_->Observe(seconds);
}

void WorkerMetrics::SetSlots(int slots) { slots_->Set(slots); }

}  // namespace nas
