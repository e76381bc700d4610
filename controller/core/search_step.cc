#include "controller/core/search_step.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/genome/stable_hash.h"
#include "common/random/seeded_random.h"
#include "common/status/status_macros.h"
#include "controller/search/strategy_registry.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace nas {
namespace {

// Separates the strategy's random stream from the training seed stream.
constexpr uint64_t kStrategyStream = 0x5eed5eed5eed5eedull;

}  // namespace

SearchStep::SearchStep(v1::SearchSpec spec, std::unique_ptr<Strategy> strategy,
                       std::unique_ptr<SearchSpace> space, v1::JobKind job_kind)
    : spec_(std::move(spec)),
      strategy_(std::move(strategy)),
      space_(std::move(space)),
      job_kind_(job_kind) {}

absl::StatusOr<std::unique_ptr<SearchStep>> SearchStep::Create(const v1::SearchSpec& normalized) {
  ASSIGN_OR_RETURN(std::unique_ptr<Strategy> strategy, MakeStrategy(normalized));
  ASSIGN_OR_RETURN(std::unique_ptr<SearchSpace> space, MakeSearchSpace(normalized.space()));
  return std::unique_ptr<SearchStep>(new SearchStep(normalized, std::move(strategy),
                                                    std::move(space), JobKindForSpec(normalized)));
}

int SearchStep::Budget(const SearchCounts& counts) const {
  return counts.budget > 0 ? counts.budget : spec_.budget();
}

int SearchStep::InitialTarget(int active_slots) const {
  return std::max({1, active_slots, strategy_->InitialJobs()});
}

bool SearchStep::WantsTopUp(const SearchCounts& counts, int target_in_flight) const {
  return counts.state == "running" && counts.births < Budget(counts) &&
         counts.jobs_in_flight < target_in_flight;
}

absl::Status SearchStep::Propose(SearchCounts& counts, SearchView& view, int target_in_flight,
                                 StepWrites& writes) const {
  while (WantsTopUp(counts, target_in_flight)) {
    const uint64_t seed = DeriveSeed(spec_.seed(), counts.births);
    SeededRandom rng(MixSeed(seed ^ kStrategyStream));
    ASSIGN_OR_RETURN(std::optional<Proposal> proposal, strategy_->Propose(view, *space_, rng));
    if (!proposal.has_value()) break;
    Birth birth;
    birth.birth_order = counts.births;
    birth.genome = proposal->genome;
    birth.genome_hash = StableTextHash(proposal->genome);
    birth.parent_id = proposal->parent_id;
    birth.mutation = proposal->mutation;
    birth.seed = seed;
    birth.job_kind =
        proposal->job_kind == v1::JOB_KIND_UNSPECIFIED ? job_kind_ : proposal->job_kind;
    birth.morphisms = proposal->morphisms;
    birth.epochs = proposal->epochs;
    birth.max_attempts = spec_.max_attempts();
    birth.lease_seconds = spec_.lease_seconds();
    ++counts.births;
    ++counts.jobs_in_flight;
    view.births = counts.births;
    ++view.unfinished;
    if (counts.births <= strategy_->InitialJobs()) ++view.unfinished_initial;
    if (strategy_->NeedsHistory()) {
      // Its id is the store's to assign; nothing proposes from a pending entry.
      view.history.push_back({0, birth.birth_order, HistoryEntry::State::kPending, 0,
                              birth.genome, false, birth.parent_id, false});
    }
    writes.births.push_back(std::move(birth));
  }
  return absl::OkStatus();
}

absl::StatusOr<StepWrites> SearchStep::TopUp(const SearchSnapshot& snapshot,
                                             int target_in_flight) const {
  StepWrites writes;
  SearchCounts counts = snapshot.counts;
  SearchView view = snapshot.view;
  RETURN_IF_ERROR(Propose(counts, view, target_in_flight, writes));
  return writes;
}

absl::StatusOr<StepWrites> SearchStep::Advance(const SearchSnapshot& snapshot,
                                               int active_slots) const {
  StepWrites writes;
  if (snapshot.counts.state != "running") return writes;
  SearchCounts counts = snapshot.counts;
  SearchView view = snapshot.view;
  // Remove the OLDEST members, not the worst: the population is in the order
  // members joined it (their evaluations finished), which with many workers
  // need not be their birth order.
  const int limit = strategy_->PopulationLimit();
  if (limit > 0 && static_cast<int>(view.population.size()) > limit) {
    const size_t excess = view.population.size() - limit;
    for (size_t i = 0; i < excess; ++i) writes.age_out.push_back(view.population[i].individual_id);
    view.population.erase(view.population.begin(), view.population.begin() + excess);
    for (HistoryEntry& entry : view.history) {
      if (std::find(writes.age_out.begin(), writes.age_out.end(), entry.individual_id) !=
          writes.age_out.end()) {
        entry.alive = false;
      }
    }
  }
  RETURN_IF_ERROR(Propose(counts, view, std::max(1, active_slots), writes));
  // Weights: strategies that read the history say what they will grow from
  // again; the others need none (and table lookups have none).
  if (strategy_->NeedsHistory()) {
    writes.release.individuals = strategy_->ReleasableCheckpoints(view);
  } else if (!spec_.has_table_lookup()) {
    writes.release.all_but_best = true;
  }
  writes.succeeded = (counts.births >= Budget(counts) || strategy_->Finished(view)) &&
                     counts.jobs_in_flight == 0;
  return writes;
}

absl::StatusOr<JobOutput> SearchStep::CheckOutput(v1::JobKind kind,
                                                  const v1::EvaluationResult& result) const {
  JobOutput out;
  const std::string& table = result.latency_table();
  if (kind == v1::MEASURE_LATENCY) {
    google::protobuf::Struct parsed;
    if (table.empty() || !google::protobuf::util::JsonStringToMessage(table, &parsed).ok() ||
        !parsed.fields().contains("base")) {
      return absl::InvalidArgumentError(
          "result.latency_table: a MEASURE_LATENCY job must report a JSON object with \"base\"");
    }
    out.latency_table = table;
  } else if (!table.empty()) {
    return absl::InvalidArgumentError(
        "result.latency_table: only a MEASURE_LATENCY job reports a latency table");
  }
  // Supernet and TF-NAS jobs' individuals are born without a genome: the
  // report names the derived architecture, which becomes the individual's.
  const bool derives = kind == v1::SUPERNET_SEARCH || kind == v1::TFNAS_SEARCH;
  const std::string& text = result.architecture().text();
  if (!derives) {
    if (text.empty()) return out;
    return absl::InvalidArgumentError(absl::StrCat(
        "result.architecture: only SUPERNET_SEARCH and TFNAS_SEARCH jobs report an architecture, "
        "not ",
        v1::JobKind_Name(kind)));
  }
  if (text.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "result.architecture: a ", v1::JobKind_Name(kind), " job must report the derived architecture"));
  }
  absl::StatusOr<std::string> genome = space_->Canonicalize(text);
  if (!genome.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("result.architecture: ", genome.status().message()));
  }
  out.derived_genome = *std::move(genome);
  return out;
}

}  // namespace nas
