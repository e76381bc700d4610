// Regularized (aging) evolution, Real et al. 2018: P random members; then
// each step samples S members uniformly (with replacement), mutates the
// fittest, adds the child and removes the OLDEST member. With two or more
// objectives, "fittest" is by NSGA-II's order within the sample: lowest
// non-domination rank, then largest crowding distance.
//
// Asynchronous form: the P initial members are queued at once; children are
// proposed only after every initial member has ended (evaluated or failed),
// from the live population at that moment.
#ifndef NAS_CONTROLLER_SEARCH_AGING_EVOLUTION_AGING_EVOLUTION_H_
#define NAS_CONTROLLER_SEARCH_AGING_EVOLUTION_AGING_EVOLUTION_H_

#include "controller/search/strategy.h"

namespace nas {

// The tournament: draws `sample_size` members of `population` (not empty)
// uniformly with replacement and returns the best of the distinct ones: the
// highest fitness (the first drawn among equals) when members carry fewer
// than two objective scores, else the ParetoBest (controller/search/pareto.h)
// of their scores, ties to the first drawn.
const PopulationMember* TournamentWinner(const std::vector<PopulationMember>& population,
                                         int sample_size, SeededRandom& rng);

// With a space whose children inherit weights (convnet), each mutation is one
// network morphism applied to the parent's trained weights, as in
// Large-Scale Evolution; a member's weights are kept while it is alive or a
// queued child still needs them.
class AgingEvolution : public Strategy {
 public:
  AgingEvolution(int population_size, int sample_size, bool inherit_weights = false)
      : population_size_(population_size),
        sample_size_(sample_size),
        inherit_weights_(inherit_weights) {}

  int InitialJobs() const override { return population_size_; }
  int PopulationLimit() const override { return population_size_; }
  bool NeedsHistory() const override { return inherit_weights_; }
  std::vector<int64_t> ReleasableCheckpoints(const SearchView& view) const override;
  absl::StatusOr<std::optional<Proposal>> Propose(const SearchView& view, const SearchSpace& space,
                                                  SeededRandom& rng) const override;

 private:
  const int population_size_;
  const int sample_size_;
  const bool inherit_weights_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_AGING_EVOLUTION_AGING_EVOLUTION_H_
