#include "controller/search/random_search/random_search.h"

namespace nas {

absl::StatusOr<std::optional<Proposal>> RandomSearch::Propose(
    const SearchView& /*view*/, const SearchSpace& space,
    SeededRandom& rng) const {
  return Proposal{space.RandomGenome(rng), 0, "random"};
}

}  // namespace nas
