// NASH hill climbing (Elsken et al. 2017): start net; n_steps steps of
// n_neighbours individuals each (n_neighbours - 1 morphed children of the
// current best plus the current best itself, all inheriting its weights);
// then the winner trained longer.
//
// Births are laid out in groups: 0 is the start net; step s (1-based) is
// births 1 + (s-1)n .. s*n; the last birth is the final training. A group
// is proposed only when the previous one has ended, from its best member.
#ifndef NAS_CONTROLLER_SEARCH_NASH_NASH_H_
#define NAS_CONTROLLER_SEARCH_NASH_NASH_H_

#include "controller/search/strategy.h"
#include "proto/search.pb.h"

namespace nas {

class NashHillClimbing : public Strategy {
 public:
  // `nash` with defaults filled (see FillNashDefaults).
  explicit NashHillClimbing(const v1::Nash& nash) : nash_(nash) {}

  int InitialJobs() const override { return 1; }
  int PopulationLimit() const override { return 0; }
  bool NeedsHistory() const override { return true; }
  std::vector<int64_t> ReleasableCheckpoints(const SearchView& view) const override;
  absl::StatusOr<std::optional<Proposal>> Propose(const SearchView& view,
                                                  const SearchSpace& space,
                                                  SeededRandom& rng) const override;

  // Individuals a NASH search evaluates: 2 + n_steps * n_neighbours.
  static int Budget(const v1::Nash& nash);

 private:
  // Births of the group before the one `birth` belongs to.
  std::pair<int, int> PreviousGroup(int birth) const;

  const v1::Nash nash_;
};

// The paper's defaults for zero fields: n_steps 5, n_neighbours 8,
// n_morphisms 5, start_epochs 20, neighbour_epochs 17, final_epochs 20.
v1::Nash FillNashDefaults(v1::Nash nash);

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_NASH_NASH_H_
