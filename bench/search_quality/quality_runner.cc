#include "bench/search_quality/quality_runner.h"

#include <cmath>
#include <deque>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/grpc_status.h"

namespace nas {
namespace {

absl::StatusOr<int64_t> Submit(v1::SearchService::Stub& stub, v1::SearchSpec spec) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  v1::CreateSearchRequest request;
  *request.mutable_spec() = std::move(spec);
  v1::Search search;
  absl::Status status = FromGrpcStatus(stub.CreateSearch(&context, request, &search));
  if (!status.ok()) return status;
  return search.id();
}

absl::StatusOr<v1::Search> Get(v1::SearchService::Stub& stub, int64_t id) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  v1::GetSearchRequest request;
  request.set_search_id(id);
  v1::Search search;
  absl::Status status = FromGrpcStatus(stub.GetSearch(&context, request, &search));
  if (!status.ok()) return status;
  return search;
}

}  // namespace

v1::SearchSpec NasBench201Spec(const std::string& table_path, int budget,
                               const v1::Strategy& strategy, const std::string& name) {
  v1::SearchSpec spec;
  spec.set_name(name);
  spec.mutable_space()->mutable_nasbench201();
  *spec.mutable_strategy() = strategy;
  spec.set_budget(budget);
  spec.mutable_table_lookup()->set_table_path(table_path);
  spec.mutable_table_lookup()->set_cell_column("arch");
  spec.mutable_table_lookup()->set_fitness_column("cifar10_test_acc_200ep");
  return spec;
}

v1::SearchSpec NasBench201Spec(const std::string& table_path, int budget,
                               int population, int sample, bool aging) {
  v1::Strategy strategy;
  if (aging) {
    strategy.mutable_aging_evolution()->set_population_size(population);
    strategy.mutable_aging_evolution()->set_sample_size(sample);
  } else {
    strategy.mutable_random();
  }
  return NasBench201Spec(table_path, budget, strategy,
                         aging ? "nb201 aging evolution" : "nb201 random search");
}

absl::StatusOr<QualitySummary> RunSeeds(v1::SearchService::Stub& stub,
                                        const v1::SearchSpec& spec, uint64_t first_seed,
                                        int seeds, int concurrent, absl::Duration timeout) {
  QualitySummary summary;
  summary.best.assign(seeds, 0.0);
  const absl::Time deadline = absl::Now() + timeout;
  std::deque<std::pair<int, int64_t>> running;  // (seed index, search id)
  int next = 0;
  while (next < seeds || !running.empty()) {
    while (next < seeds && static_cast<int>(running.size()) < concurrent) {
      v1::SearchSpec s = spec;
      s.set_seed(first_seed + next);
      auto id = Submit(stub, s);
      if (!id.ok()) return id.status();
      running.emplace_back(next++, *id);
    }
    const auto [index, id] = running.front();
    running.pop_front();
    auto search = Get(stub, id);
    if (!search.ok()) return search.status();
    if (search->state() == v1::SEARCH_RUNNING) {
      if (absl::Now() > deadline) {
        return absl::DeadlineExceededError(absl::StrCat("search ", id, " did not finish"));
      }
      running.emplace_back(index, id);
      absl::SleepFor(absl::Milliseconds(20));
      continue;
    }
    if (search->state() != v1::SEARCH_SUCCEEDED || !search->has_best()) {
      return absl::InternalError(absl::StrCat("search ", id, " ended without a result: ",
                                              search->ShortDebugString()));
    }
    summary.best[index] = search->best().fitness();
  }
  double sum = 0;
  for (double b : summary.best) sum += b;
  summary.mean = sum / seeds;
  double sq = 0;
  for (double b : summary.best) sq += (b - summary.mean) * (b - summary.mean);
  summary.stddev = seeds > 1 ? std::sqrt(sq / (seeds - 1)) : 0;
  return summary;
}

}  // namespace nas
