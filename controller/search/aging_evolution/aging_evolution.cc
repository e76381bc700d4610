#include "controller/search/aging_evolution/aging_evolution.h"

#include <set>

#include "common/status/status_macros.h"

namespace nas {

absl::StatusOr<std::optional<Proposal>> AgingEvolution::Propose(
    const SearchView& view, const SearchSpace& space, SeededRandom& rng) const {
  if (view.births < population_size_) {
    return Proposal{space.RandomGenome(rng), 0, "random"};
  }
  // Initial members still running: the population is not complete yet.
  if (view.unfinished_initial > 0) return std::nullopt;
  if (view.population.empty()) {
    // Every initial member failed: start over from random.
    return Proposal{space.RandomGenome(rng), 0, "random"};
  }
  const PopulationMember* parent = nullptr;
  const int n = static_cast<int>(view.population.size());
  for (int i = 0; i < sample_size_; ++i) {
    const PopulationMember& candidate = view.population[rng.Uniform(n)];
    if (parent == nullptr || candidate.fitness > parent->fitness) parent = &candidate;
  }
  ASSIGN_OR_RETURN(GenomeMutation m, space.Mutate(parent->genome, rng));
  Proposal child{std::move(m.child), parent->individual_id, std::move(m.description)};
  child.morphisms = std::move(m.weight_morphisms);
  return child;
}

std::vector<int64_t> AgingEvolution::ReleasableCheckpoints(const SearchView& view) const {
  std::set<int64_t> needed;  // Parents of queued or running children.
  for (const HistoryEntry& e : view.history) {
    if (e.state == HistoryEntry::State::kPending && e.parent_id != 0) needed.insert(e.parent_id);
  }
  std::vector<int64_t> release;
  for (const HistoryEntry& e : view.history) {
    if (e.has_checkpoint && !e.alive && !needed.count(e.individual_id)) {
      release.push_back(e.individual_id);
    }
  }
  return release;
}

}  // namespace nas
