#include "controller/search/aging_evolution/aging_evolution.h"

#include <algorithm>
#include <set>

#include "common/status/status_macros.h"
#include "controller/search/pareto.h"

namespace nas {

const PopulationMember* TournamentWinner(const std::vector<PopulationMember>& population,
                                         int sample_size, SeededRandom& rng) {
  const int n = static_cast<int>(population.size());
  std::vector<const PopulationMember*> sample;  // Distinct members, in the order drawn.
  for (int i = 0; i < sample_size; ++i) {
    const PopulationMember* candidate = &population[rng.Uniform(n)];
    if (std::find(sample.begin(), sample.end(), candidate) == sample.end()) {
      sample.push_back(candidate);
    }
  }
  if (sample.front()->objectives.size() < 2) {
    const PopulationMember* parent = sample.front();
    for (const PopulationMember* candidate : sample) {
      if (candidate->fitness > parent->fitness) parent = candidate;
    }
    return parent;
  }
  std::vector<Scores> points;
  for (const PopulationMember* m : sample) points.push_back(m->objectives);
  return sample[ParetoBest(points)];
}

absl::StatusOr<std::optional<Proposal>> AgingEvolution::Propose(const SearchView& view,
                                                                const SearchSpace& space,
                                                                SeededRandom& rng) const {
  if (view.births < population_size_) {
    return Proposal{space.RandomGenome(rng), 0, "random"};
  }
  // Initial members still running: the population is not complete yet.
  if (view.unfinished_initial > 0) return std::nullopt;
  if (view.population.empty()) {
    // Every initial member failed: start over from random.
    return Proposal{space.RandomGenome(rng), 0, "random"};
  }
  const PopulationMember* parent = TournamentWinner(view.population, sample_size_, rng);
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
