// Simulated table-lookup workers for the controller throughput benchmark:
// N workers, each with its own channel (TCP connection) to a live
// controller, lease a job, evaluate it with the worker's own
// TableLookupRunner and report at once, until the budgets of the submitted
// searches are consumed. No training: what is measured is the controller
// (and its database) per evaluation.
//
// The workers are asynchronous (gRPC's callback API, one small state
// machine each, no thread per worker), so that N = 1,000 measures the
// controller rather than a thousand client threads on the same cores.
#ifndef NAS_BENCH_THROUGHPUT_SIMULATED_WORKERS_H_
#define NAS_BENCH_THROUGHPUT_SIMULATED_WORKERS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/search.pb.h"

namespace nas {

struct SimulatedWorkersOptions {
  std::string controller;  // host:port of a plaintext controller.
  // A table_lookup search; submitted `searches` times (seeds seed, seed+1,
  // ...), all fresh, all running at once.
  v1::SearchSpec spec;
  int searches = 1;
  int workers = 1;  // >= 1 workers, one channel (TCP connection) each.
  // An empty lease is retried after min(retry_after_ms, this); real workers
  // wait the whole retry_after_ms, which would only add idle time at the
  // start and the end of a run.
  int max_idle_ms = 50;
  // LeaseJobRequest.wait_ms: > 0 makes an empty lease a long poll (the
  // controller holds it until a job is queued), as real workers ask.
  int lease_wait_ms = 0;
  absl::Duration timeout = absl::Minutes(10);
  std::string worker_id_prefix = "sim";
};

// Percentiles in milliseconds of one RPC's latency as the client sees it.
struct LatencySummary {
  int64_t calls = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

struct SimulatedWorkersResult {
  std::vector<int64_t> search_ids;
  int evaluations = 0;  // Recorded by the controller (sum of evaluations_done).
  // From the release of the workers to the last accepted report.
  double wall_seconds = 0;
  double evaluations_per_second = 0;
  LatencySummary lease;  // Leases that handed out a job.
  // The lease's own cost: the same leases less the time the controller held
  // each waiting for a job to be queued (LeaseJobResponse.waited_ms),
  // without each worker's first (the burst of N workers starting at once).
  LatencySummary lease_own;
  LatencySummary empty_lease;  // Leases answered "none yet".
  LatencySummary report;
};

// Submits the searches, runs the workers until every search succeeds, and
// checks every report was accepted exactly once. INVALID_ARGUMENT for bad
// options; the first RPC error otherwise; DEADLINE_EXCEEDED past timeout.
absl::StatusOr<SimulatedWorkersResult> RunSimulatedWorkers(const SimulatedWorkersOptions& options);

}  // namespace nas

#endif  // NAS_BENCH_THROUGHPUT_SIMULATED_WORKERS_H_
