// A search strategy: given what the search has learned so far, propose the
// next architecture. Strategies are pure (no I/O): the store calls them inside
// the transaction that records a result, so a step is atomic and a restart
// loses nothing. All their state is derivable from the stored individuals.
#ifndef NAS_CONTROLLER_SEARCH_STRATEGY_H_
#define NAS_CONTROLLER_SEARCH_STRATEGY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/random/seeded_random.h"
#include "common/search_space/search_space.h"
#include "proto/search.pb.h"
#include "proto/worker_service.pb.h"

namespace nas {

// A live, evaluated member of a search's population.
struct PopulationMember {
  int64_t individual_id = 0;
  int birth_order = 0;
  // The score by the search's first objective, larger is better (a minimized
  // objective is negated; controller/search/objectives.h): what a
  // single-objective strategy compares. Validation accuracy by default.
  double fitness = 0;
  std::string genome;  // Canonical text.
  // The scores by every objective, in SearchSpec.objectives order (just
  // `fitness` with one objective).
  std::vector<double> objectives;
};

// What a strategy may look at when proposing.
// Any individual of a search, for strategies that look at the whole history.
struct HistoryEntry {
  int64_t individual_id = 0;
  int birth_order = 0;
  enum class State { kPending, kEvaluated, kFailed } state = State::kPending;
  double fitness = 0;  // As PopulationMember::fitness: larger is better.
  std::string genome;
  bool has_checkpoint = false;
  int64_t parent_id = 0;
  bool alive = false;  // A live member of an aging population.
};

struct SearchView {
  int births = 0;  // Individuals proposed so far.
  int budget = 0;
  // Live members in the order they joined the population (oldest first).
  std::vector<PopulationMember> population;
  // Individuals not yet evaluated or failed (queued or running).
  int unfinished = 0;
  // Of those, the ones among the first InitialJobs() births.
  int unfinished_initial = 0;
  // Every individual in birth order; filled only if NeedsHistory().
  std::vector<HistoryEntry> history;
};

struct Proposal {
  std::string genome;  // Canonical text.
  int64_t parent_id = 0;  // 0 = no parent (random).
  std::string mutation;   // "random" when there is no parent.
  // Weight inheritance (NASH): morphisms for the worker to apply to the
  // parent's weights ("; "-separated; empty = train the parent as is), and
  // the epochs to train (0 = the spec's training.epochs).
  std::string morphisms;
  int epochs = 0;
  // The job that evaluates it; UNSPECIFIED = the spec's usual kind.
  v1::JobKind job_kind = v1::JOB_KIND_UNSPECIFIED;
};

class Strategy {
 public:
  virtual ~Strategy() = default;

  // Individuals queued when the search is created.
  virtual int InitialJobs() const = 0;
  // Live members beyond this many age out, oldest first. 0 = no limit.
  virtual int PopulationLimit() const = 0;
  // Whether Propose and ReleasableCheckpoints read SearchView::history.
  virtual bool NeedsHistory() const { return false; }
  // Individuals whose trained weights no later step can need; the store
  // drops its references so garbage collection frees them.
  virtual std::vector<int64_t> ReleasableCheckpoints(const SearchView&) const { return {}; }
  // Whether no proposal will ever come again, so the search ends below its
  // budget once nothing is in flight (e.g. the job everything hinged on failed).
  virtual bool Finished(const SearchView&) const { return false; }
  // The next individual, or nullopt if the strategy must wait for results
  // first. `rng` is seeded per birth, so equal histories give equal proposals.
  virtual absl::StatusOr<std::optional<Proposal>> Propose(
      const SearchView& view, const SearchSpace& space,
      SeededRandom& rng) const = 0;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_STRATEGY_H_
