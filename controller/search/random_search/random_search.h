// Uniform random sampling: the baseline. Every proposal is independent.
#ifndef NAS_CONTROLLER_SEARCH_RANDOM_SEARCH_RANDOM_SEARCH_H_
#define NAS_CONTROLLER_SEARCH_RANDOM_SEARCH_RANDOM_SEARCH_H_

#include "controller/search/strategy.h"

namespace nas {

class RandomSearch : public Strategy {
 public:
  int InitialJobs() const override { return 1; }
  int PopulationLimit() const override { return 0; }
  absl::StatusOr<std::optional<Proposal>> Propose(
      const SearchView& view, const SearchSpace& space,
      SeededRandom& rng) const override;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_RANDOM_SEARCH_RANDOM_SEARCH_H_
