// Local search (White, Nolen and Savani 2021, "Exploring the loss landscape
// in neural architecture search"): from a random architecture, evaluate
// every neighbour one edit away (in parallel across workers); move to the
// best neighbour if it beats the current architecture, else restart from a
// fresh random one.
//
// Its state is the history itself: random starts have no parent, and a
// neighbour's parent is the architecture it neighbours, so the current centre
// is the newest random start or parent, followed along strictly better
// neighbours. Neighbours already evaluated in the search are not evaluated
// again.
#ifndef NAS_CONTROLLER_SEARCH_LOCAL_SEARCH_LOCAL_SEARCH_H_
#define NAS_CONTROLLER_SEARCH_LOCAL_SEARCH_LOCAL_SEARCH_H_

#include "controller/search/strategy.h"
#include "proto/search.pb.h"

namespace nas {

class LocalSearch : public Strategy {
 public:
  // `space`: nasbench201 or darts_cell (see neighbours.h).
  explicit LocalSearch(v1::SearchSpace space) : space_(std::move(space)) {}

  int InitialJobs() const override { return 1; }
  int PopulationLimit() const override { return 0; }
  bool NeedsHistory() const override { return true; }
  // Children train from scratch: no weights are grown from again.
  std::vector<int64_t> ReleasableCheckpoints(const SearchView& view) const override;
  absl::StatusOr<std::optional<Proposal>> Propose(const SearchView& view,
                                                  const SearchSpace& space,
                                                  SeededRandom& rng) const override;

 private:
  const v1::SearchSpace space_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_LOCAL_SEARCH_LOCAL_SEARCH_H_
