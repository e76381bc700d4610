#include "controller/search/nash/nash.h"

#include <set>

#include "common/genome/convnet_genome.h"
#include "common/genome/morphism.h"
#include "common/status/status_macros.h"

namespace nas {
namespace {

using State = HistoryEntry::State;

// The best evaluated member of births [first, last], or nullptr.
const HistoryEntry* BestOf(const std::vector<HistoryEntry>& history, int first, int last) {
  const HistoryEntry* best = nullptr;
  for (const HistoryEntry& e : history) {
    if (e.birth_order < first || e.birth_order > last || e.state != State::kEvaluated) continue;
    if (best == nullptr || e.fitness > best->fitness) best = &e;
  }
  return best;
}

bool AllEnded(const std::vector<HistoryEntry>& history, int first, int last) {
  for (const HistoryEntry& e : history) {
    if (e.birth_order >= first && e.birth_order <= last && e.state == State::kPending) {
      return false;
    }
  }
  return true;
}

}  // namespace

v1::Nash FillNashDefaults(v1::Nash nash) {
  if (nash.n_steps() == 0) nash.set_n_steps(5);
  if (nash.n_neighbours() == 0) nash.set_n_neighbours(8);
  if (nash.n_morphisms() == 0) nash.set_n_morphisms(5);
  if (nash.start_epochs() == 0) nash.set_start_epochs(20);
  if (nash.neighbour_epochs() == 0) nash.set_neighbour_epochs(17);
  if (nash.final_epochs() == 0) nash.set_final_epochs(20);
  return nash;
}

int NashHillClimbing::Budget(const v1::Nash& nash) {
  return 2 + nash.n_steps() * nash.n_neighbours();
}

std::pair<int, int> NashHillClimbing::PreviousGroup(int birth) const {
  const int n = nash_.n_neighbours();
  if (birth <= n) return {0, 0};  // Step 1 grows from the start net.
  const int step = (birth - 1) / n + 1;  // The final birth counts as step n_steps + 1.
  return {1 + (step - 2) * n, (step - 1) * n};
}

absl::StatusOr<std::optional<Proposal>> NashHillClimbing::Propose(const SearchView& view,
                                                                   const SearchSpace& space,
                                                                   SeededRandom& rng) const {
  const int birth = view.births;
  if (birth == 0) {
    Proposal start{space.RandomGenome(rng), 0, "start"};
    start.epochs = nash_.start_epochs();
    return start;
  }
  const auto [first, last] = PreviousGroup(birth);
  if (!AllEnded(view.history, first, last)) return std::nullopt;
  const HistoryEntry* parent = BestOf(view.history, first, last);
  if (parent == nullptr) parent = BestOf(view.history, 0, birth - 1);
  if (parent == nullptr) {
    // Nothing ever trained (the start net failed): start over.
    Proposal start{space.RandomGenome(rng), 0, "start"};
    start.epochs = nash_.start_epochs();
    return start;
  }
  const int n = nash_.n_neighbours();
  const bool final = birth > nash_.n_steps() * n;
  const bool continue_parent = final || (birth - 1) % n == n - 1;
  Proposal p{parent->genome, parent->individual_id, "continue"};
  p.epochs = final ? nash_.final_epochs() : nash_.neighbour_epochs();
  if (continue_parent) return p;

  ASSIGN_OR_RETURN(ConvNetGenome genome, ParseConvNetGenome(parent->genome));
  const std::vector<Morphism> morphisms = RandomMorphisms(genome, nash_.n_morphisms(), rng);
  ASSIGN_OR_RETURN(ConvNetGenome child, ApplyAllToGenome(genome, morphisms));
  p.genome = ConvNetGenomeToText(child);
  p.morphisms = MorphismsToText(morphisms);
  p.mutation = p.morphisms;
  return p;
}

std::vector<int64_t> NashHillClimbing::ReleasableCheckpoints(const SearchView& view) const {
  // Needed: members of groups not yet ended (they may become parents), the
  // best of each ended group that a pending individual grows from, and the
  // best individual overall (its weights are the search's result).
  std::set<int64_t> keep;
  if (const HistoryEntry* best = BestOf(view.history, 0, view.births)) {
    keep.insert(best->individual_id);
  }
  for (const HistoryEntry& e : view.history) {
    if (e.state != State::kPending || e.birth_order == 0) continue;
    const auto [first, last] = PreviousGroup(e.birth_order);
    if (const HistoryEntry* parent = BestOf(view.history, first, last)) {
      keep.insert(parent->individual_id);
    }
  }
  // The latest ended group feeds the next step, which may not be queued yet.
  const auto [first, last] = PreviousGroup(view.births);
  for (const HistoryEntry& e : view.history) {
    if (e.birth_order >= first && e.birth_order <= last) keep.insert(e.individual_id);
  }
  std::vector<int64_t> release;
  for (const HistoryEntry& e : view.history) {
    if (e.has_checkpoint && e.state == State::kEvaluated && !keep.count(e.individual_id)) {
      release.push_back(e.individual_id);
    }
  }
  return release;
}

}  // namespace nas
