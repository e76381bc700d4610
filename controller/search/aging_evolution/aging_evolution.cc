#include "controller/search/aging_evolution/aging_evolution.h"

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
  return Proposal{std::move(m.child), parent->individual_id,
                  std::move(m.description)};
}

}  // namespace nas
