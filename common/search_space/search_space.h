// A search space as the controller sees it: genomes as canonical text, with
// validation, random sampling and mutation. One implementation per space.
#ifndef NAS_COMMON_SEARCH_SPACE_SEARCH_SPACE_H_
#define NAS_COMMON_SEARCH_SPACE_SEARCH_SPACE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/random/seeded_random.h"
#include "proto/search.pb.h"

namespace nas {

struct GenomeMutation {
  std::string child;        // Canonical text.
  std::string description;  // What changed, e.g. "op normal node 1 edge 0: a -> b".
  // For spaces whose children inherit their parent's weights (convnet): the
  // morphisms to apply to the parent's weights. Empty otherwise.
  std::string weight_morphisms;
};

// Implementations are immutable and thread-safe.
class SearchSpace {
 public:
  virtual ~SearchSpace() = default;

  // Canonical text of `text`, or INVALID_ARGUMENT saying what is wrong.
  virtual absl::StatusOr<std::string> Canonicalize(absl::string_view text) const = 0;
  // A uniformly random genome, canonical.
  virtual std::string RandomGenome(SeededRandom& rng) const = 0;
  // One mutation of a valid canonical genome.
  virtual absl::StatusOr<GenomeMutation> Mutate(absl::string_view text,
                                                SeededRandom& rng) const = 0;
  // Whether children are trained from their parent's weights (morphed)
  // rather than from scratch.
  virtual bool InheritsWeights() const { return false; }
  // A multi-line form for people; `text` if the space has none.
  virtual std::string Readable(absl::string_view text) const = 0;
};

// INVALID_ARGUMENT naming the field if `space` is unset or out of range.
absl::StatusOr<std::unique_ptr<SearchSpace>> MakeSearchSpace(const v1::SearchSpace& space);

}  // namespace nas

#endif  // NAS_COMMON_SEARCH_SPACE_SEARCH_SPACE_H_
