// Runs one search per seed through a live controller and collects the best
// fitness each found: the measurement behind the strategy-quality benchmark
// and its quick test.
#ifndef NAS_BENCH_SEARCH_QUALITY_QUALITY_RUNNER_H_
#define NAS_BENCH_SEARCH_QUALITY_QUALITY_RUNNER_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/search_service.grpc.pb.h"

namespace nas {

struct QualitySummary {
  std::vector<double> best;  // Best fitness of each seed's search, in seed order.
  double mean = 0;
  double stddev = 0;  // Sample standard deviation.
};

// Submits `spec` once per seed in [first_seed, first_seed + seeds), at most
// `concurrent` searches at a time, and waits for each to succeed.
absl::StatusOr<QualitySummary> RunSeeds(v1::SearchService::Stub& stub,
                                        const v1::SearchSpec& spec, uint64_t first_seed,
                                        int seeds, int concurrent, absl::Duration timeout);

// Aging evolution (P, S) or random search over NAS-Bench-201, evaluated by
// looking cells up in `table_path`'s cifar10_test_acc_200ep column.
v1::SearchSpec NasBench201Spec(const std::string& table_path, int budget,
                               int population, int sample, bool aging);
// Any strategy over NAS-Bench-201, evaluated the same way.
v1::SearchSpec NasBench201Spec(const std::string& table_path, int budget,
                               const v1::Strategy& strategy, const std::string& name);

}  // namespace nas

#endif  // NAS_BENCH_SEARCH_QUALITY_QUALITY_RUNNER_H_
