// Gradient-based search as a strategy: the whole supernet training is one job
// (SUPERNET_SEARCH) whose worker derives the cell; optionally the derived cell
// is then trained from scratch as an ordinary candidate.
#ifndef NAS_CONTROLLER_SEARCH_SUPERNET_SUPERNET_STRATEGY_H_
#define NAS_CONTROLLER_SEARCH_SUPERNET_SUPERNET_STRATEGY_H_

#include <string>

#include "absl/status/status.h"
#include "controller/search/strategy.h"
#include "proto/search.pb.h"

namespace nas {

// `supernet` with zero fields set to their defaults (see search.proto).
v1::SupernetSearch FillSupernetDefaults(v1::SupernetSearch supernet);

// INVALID_ARGUMENT naming the field (strategy.supernet.<field>, space or
// budget) and the rule when `spec` (defaults filled) cannot run.
absl::Status ValidateSupernetSpec(const v1::SearchSpec& spec);

// One line describing the method, e.g. "PC-DARTS (K=4), first order, 10 epochs".
std::string DescribeSupernet(const v1::SupernetSearch& supernet);

class SupernetStrategy : public Strategy {
 public:
  // `supernet` with defaults filled.
  explicit SupernetStrategy(v1::SupernetSearch supernet) : supernet_(std::move(supernet)) {}

  // The supernet job, then (with retrain) the from-scratch training.
  static int Budget(const v1::SupernetSearch& supernet) { return supernet.retrain() ? 2 : 1; }

  int InitialJobs() const override { return 1; }
  int PopulationLimit() const override { return 0; }
  bool NeedsHistory() const override { return true; }
  bool Finished(const SearchView& view) const override;
  absl::StatusOr<std::optional<Proposal>> Propose(const SearchView& view, const SearchSpace& space,
                                                  SeededRandom& rng) const override;

 private:
  const v1::SupernetSearch supernet_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_SUPERNET_SUPERNET_STRATEGY_H_
