#include "worker/tfnas/measure_latency_runner.h"

#include "absl/time/clock.h"
#include "common/search_space/tfnas_space_spec.h"
#include "common/status/status_macros.h"
#include "worker/runtime/job_payload.h"
#include "worker/runtime/job_runner_registry.h"
#include "worker/tfnas/latency_measure.h"
#include "worker/tfnas/latency_table.h"

namespace nas {

absl::StatusOr<v1::EvaluationResult> MeasureLatencyRunner::Run(const v1::Job& job,
                                                               const ProgressFn& progress) {
  RETURN_IF_ERROR(CheckJobPayload(job, v1::Job::kTfnas));
  ASSIGN_OR_RETURN(TfNasSpace space, TfNasSpaceFromSpec(job.tfnas().space()));
  LatencyMeasureOptions options;
  options.repeats = job.tfnas().search().measure_repeats();
  options.width_stride = job.tfnas().search().measure_width_stride();
  const absl::Time start = absl::Now();
  ASSIGN_OR_RETURN(LatencyTable table, MeasureLatencyTable(space, device_, options));
  if (!progress(1.0)) return absl::CancelledError("stopped");

  v1::EvaluationResult result;
  result.set_latency_table(WriteLatencyTableJson(table));
  auto& metrics = *result.mutable_metrics();
  metrics["table_blocks"] = static_cast<double>(table.blocks.size());
  metrics["base_ms"] = table.base_ms;
  metrics["measure_seconds"] = absl::ToDoubleSeconds(absl::Now() - start);
  return result;  // Fitness 0: a measurement is not an architecture.
}

namespace {

const JobRunnerRegistrar kRegistrar(
    {v1::MEASURE_LATENCY, "measure_latency",
     "times every block of a TF-NAS space on this worker's device (a latency table)",
     [](const JobRunnerContext& context) -> std::unique_ptr<JobRunner> {
       return std::make_unique<MeasureLatencyRunner>(torch::Device(context.device));
     }});

}  // namespace

}  // namespace nas
