// controller_throughput: one run of N simulated table-lookup workers against
// a live controller (see simulated_workers.h); prints one JSON object.
//   controller_throughput --controller=127.0.0.1:50051 --table=nb201.csv --workers=64
//   controller_throughput ... --workers=256 --searches=16   (16 searches at once)
#include <cstdio>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/search_quality/quality_runner.h"
#include "bench/throughput/simulated_workers.h"

ABSL_FLAG(std::string, controller, "127.0.0.1:50051", "controller host:port (plaintext)");
ABSL_FLAG(std::string, table, "", "NAS-Bench-201 CSV (arch, cifar10_test_acc_200ep)");
ABSL_FLAG(int, workers, 1, "simulated workers (asynchronous, one connection each)");
ABSL_FLAG(int, searches, 1,
          "searches submitted at once (seeds seed, seed+1, ...), each of --budget");
ABSL_FLAG(int, budget, 2000, "evaluations of the search");
ABSL_FLAG(std::string, strategy, "aging_evolution", "aging_evolution or random");
ABSL_FLAG(int, population, 100, "aging evolution: population size P");
ABSL_FLAG(int, sample, 25, "aging evolution: tournament size S");
ABSL_FLAG(int, lease_wait_ms, 20000,
          "LeaseJobRequest.wait_ms: an empty lease waits on the controller up to this long "
          "(0: answered at once, retried after at most 50 ms)");
ABSL_FLAG(uint64_t, seed, 1, "search seed");
ABSL_FLAG(std::string, worker_id_prefix, "sim", "simulated workers are PREFIX-0 .. PREFIX-(N-1)");

namespace {

std::string LatencyJson(const nas::LatencySummary& s) {
  return absl::StrFormat(R"({"calls": %d, "p50_ms": %.4f, "p99_ms": %.4f})", s.calls, s.p50_ms,
                         s.p99_ms);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string strategy = absl::GetFlag(FLAGS_strategy);
  if (strategy != "aging_evolution" && strategy != "random") {
    std::cerr << "--strategy: must be aging_evolution or random" << std::endl;
    return 2;
  }
  if (absl::GetFlag(FLAGS_table).empty()) {
    std::cerr << "--table: required" << std::endl;
    return 2;
  }
  nas::SimulatedWorkersOptions options;
  options.controller = absl::GetFlag(FLAGS_controller);
  options.workers = absl::GetFlag(FLAGS_workers);
  options.searches = absl::GetFlag(FLAGS_searches);
  options.lease_wait_ms = absl::GetFlag(FLAGS_lease_wait_ms);
  options.worker_id_prefix = absl::GetFlag(FLAGS_worker_id_prefix);
  options.spec = nas::NasBench201Spec(absl::GetFlag(FLAGS_table), absl::GetFlag(FLAGS_budget),
                                      absl::GetFlag(FLAGS_population), absl::GetFlag(FLAGS_sample),
                                      strategy == "aging_evolution");
  options.spec.set_seed(absl::GetFlag(FLAGS_seed));
  auto result = nas::RunSimulatedWorkers(options);
  if (!result.ok()) {
    std::cerr << "controller_throughput: " << result.status() << std::endl;
    return 1;
  }
  absl::PrintF(
      R"({"workers": %d, "searches": %d, "lease_wait_ms": %d, "strategy": "%s", "budget": %d, "search_ids": [%s], )"
      R"("evaluations": %d, )"
      R"("wall_seconds": %.4f, "evaluations_per_second": %.3f, "lease": %s, "lease_own": %s, )"
      R"("empty_lease": %s, )"
      R"("report": %s})"
      "\n",
      options.workers, options.searches, options.lease_wait_ms, strategy, options.spec.budget(),
      absl::StrJoin(result->search_ids, ", "), result->evaluations, result->wall_seconds,
      result->evaluations_per_second, LatencyJson(result->lease), LatencyJson(result->lease_own),
      LatencyJson(result->empty_lease), LatencyJson(result->report));
  return 0;
}
