#include "controller/search/local_search/local_search.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "controller/search/local_search/neighbours.h"

namespace nas {
namespace {

// A fresh random architecture, one the search has not seen if a few draws
// find one.
Proposal RandomStart(const SearchSpace& space, SeededRandom& rng,
                     const std::map<std::string, const HistoryEntry*>& known) {
  std::string genome = space.RandomGenome(rng);
  for (int draw = 0; draw < 100 && known.count(genome) > 0; ++draw) {
    genome = space.RandomGenome(rng);
  }
  return Proposal{genome, 0, "random"};
}

// The newest random start or parent: the architecture whose neighbours the
// search was evaluating last.
const HistoryEntry* NewestCentre(const std::vector<HistoryEntry>& history) {
  std::map<int64_t, const HistoryEntry*> by_id;
  for (const HistoryEntry& e : history) by_id[e.individual_id] = &e;
  const HistoryEntry* centre = nullptr;
  for (const HistoryEntry& e : history) {
    const HistoryEntry* candidate = &e;
    if (e.parent_id != 0) {
      auto it = by_id.find(e.parent_id);
      if (it == by_id.end()) continue;
      candidate = it->second;
    }
    if (centre == nullptr || candidate->birth_order > centre->birth_order) centre = candidate;
  }
  return centre;
}

}  // namespace

std::vector<int64_t> LocalSearch::ReleasableCheckpoints(const SearchView& view) const {
  std::vector<int64_t> out;
  for (const HistoryEntry& e : view.history) {
    if (e.has_checkpoint) out.push_back(e.individual_id);
  }
  return out;
}

absl::StatusOr<std::optional<Proposal>> LocalSearch::Propose(const SearchView& view,
                                                             const SearchSpace& space,
                                                             SeededRandom& rng) const {
  // An evaluated entry wins over a pending or failed one of the same genome.
  std::map<std::string, const HistoryEntry*> known;
  for (const HistoryEntry& e : view.history) {
    auto [it, inserted] = known.emplace(e.genome, &e);
    if (!inserted && e.state == HistoryEntry::State::kEvaluated) it->second = &e;
  }
  const HistoryEntry* centre = NewestCentre(view.history);
  if (centre == nullptr) return RandomStart(space, rng, known);
  // Each move is to a strictly better architecture, so this ends.
  while (true) {
    if (centre->state == HistoryEntry::State::kPending) return std::nullopt;
    if (centre->state == HistoryEntry::State::kFailed) return RandomStart(space, rng, known);
    ASSIGN_OR_RETURN(const std::vector<Neighbour> neighbours, Neighbours(space_, centre->genome));
    bool waiting = false;
    const HistoryEntry* best = nullptr;
    for (const Neighbour& n : neighbours) {
      auto it = known.find(n.genome);
      if (it == known.end()) {
        return Proposal{n.genome, centre->individual_id, absl::StrCat("local search: ", n.edit)};
      }
      const HistoryEntry& e = *it->second;
      if (e.state == HistoryEntry::State::kPending) waiting = true;
      if (e.state == HistoryEntry::State::kEvaluated && (best == nullptr || e.fitness > best->fitness)) {
        best = &e;
      }
    }
    if (waiting) return std::nullopt;
    if (best == nullptr || best->fitness <= centre->fitness) return RandomStart(space, rng, known);
    centre = best;
  }
}

}  // namespace nas
