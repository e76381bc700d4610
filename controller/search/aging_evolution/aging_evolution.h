// Regularized (aging) evolution, Real et al. 2018: P random members; then
// each step samples S members uniformly (with replacement), mutates the
// fittest, adds the child and removes the OLDEST member.
//
// Asynchronous form: the P initial members are queued at once; children are
// proposed only after every initial member has ended (evaluated or failed),
// from the live population at that moment.
#ifndef NAS_CONTROLLER_SEARCH_AGING_EVOLUTION_AGING_EVOLUTION_H_
#define NAS_CONTROLLER_SEARCH_AGING_EVOLUTION_AGING_EVOLUTION_H_

#include "controller/search/strategy.h"

namespace nas {

class AgingEvolution : public Strategy {
 public:
  AgingEvolution(int population_size, int sample_size)
      : population_size_(population_size), sample_size_(sample_size) {}

  int InitialJobs() const override { return population_size_; }
  int PopulationLimit() const override { return population_size_; }
  absl::StatusOr<std::optional<Proposal>> Propose(
      const SearchView& view, const SearchSpace& space,
      SeededRandom& rng) const override;

 private:
  const int population_size_;
  const int sample_size_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_AGING_EVOLUTION_AGING_EVOLUTION_H_
