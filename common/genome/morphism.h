// NASH's network morphisms (Elsken et al. 2017, seed 001) on the genome: each
// changes a ConvNetGenome so that, with the weights transformed to match
// (worker/nash/weight_morphism.h), the child computes the parent's
// function.
//
//   deepen(i,k<k>)   insert conv<k>x<w> right after conv layer i, w = layer
//                    i's width, initialised to the identity. Layer i must be
//                    a conv: its output is post-ReLU (>= 0), so the new
//                    layer's ReLU is the identity on it. Later layers shift
//                    up by one; skips are re-indexed to keep their meaning.
//   widen(i,x<f>)    conv layer i gets ceil(w * f) channels, 1 < f <= 4; the
//                    new units' outgoing weights are zero. Not applicable
//                    when an add skip ties layer i's channels to another
//                    tensor's (the add would no longer match).
//   skip_add(i,j)    adds ConvNetSkip add(i,j), its lambda starting at 0.
//   skip_concat(i,j) adds ConvNetSkip concat(i,j), the consumer's weights
//                    on the new channels starting at 0.
//
// Text of a list: morphisms joined by "; ", e.g.
//   "deepen(2,k3); widen(1,x2); skip_add(1,3); skip_concat(0,2)"
// The empty string is the empty list. Factors are written with at most six
// significant digits ("x1.5", "x2"), so Parse(ToText(list)) == list.
#ifndef NAS_COMMON_GENOME_MORPHISM_H_
#define NAS_COMMON_GENOME_MORPHISM_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/genome/convnet_genome.h"
#include "common/random/seeded_random.h"

namespace nas {

enum class MorphismKind { kDeepen, kWiden, kSkipAdd, kSkipConcat };

inline constexpr double kMaxWidenFactor = 4.0;

struct Morphism {
  MorphismKind kind = MorphismKind::kDeepen;
  int layer = 0;        // deepen: insert after it; widen: the layer widened.
  int kernel_size = 3;  // deepen only: 1, 3 or 5.
  double factor = 2;    // widen only: in (1, kMaxWidenFactor].
  int from = 0;         // skips only: as in ConvNetSkip.
  int to = 0;

  // Compares only the fields that `kind` uses.
  bool operator==(const Morphism& o) const;
  bool operator!=(const Morphism& o) const { return !(*this == o); }
};

// Constructors for readable call sites.
Morphism Deepen(int layer, int kernel_size);
Morphism Widen(int layer, double factor);
Morphism SkipAdd(int from, int to);
Morphism SkipConcat(int from, int to);

// "deepen(2,k3)", "widen(1,x1.5)", "skip_add(1,3)", "skip_concat(1,3)".
std::string MorphismToText(const Morphism& m);
std::string MorphismsToText(const std::vector<Morphism>& list);

// One morphism; INVALID_ARGUMENT naming the text and the rule (a kernel not
// in {1, 3, 5}, a factor outside (1, 4] or with more than six significant
// digits, a negative index). Whether it applies to a genome is
// ApplyToGenome's business.
absl::StatusOr<Morphism> ParseMorphism(absl::string_view text);
// A "; "-separated list (whitespace-tolerant; "" is the empty list); errors
// name the item's position ("morphism 2 'widen(1,x0.5)': ...").
absl::StatusOr<std::vector<Morphism>> ParseMorphisms(absl::string_view text);

// The child genome (canonical), or INVALID_ARGUMENT naming the morphism and
// why it does not apply to `genome` (which must itself be valid).
absl::StatusOr<ConvNetGenome> ApplyToGenome(const ConvNetGenome& genome,
                                            const Morphism& m);
// Applies `list` in order; the error names the failing item.
absl::StatusOr<ConvNetGenome> ApplyAllToGenome(
    const ConvNetGenome& genome, const std::vector<Morphism>& list);

// True iff some morphism applies to the valid `genome`: always when it has
// fewer than kMaxConvNetLayers layers (a deepen fits).
bool HasApplicableMorphism(const ConvNetGenome& genome);

// Every morphism RandomMorphism could draw for `genome` (deepen with each
// kernel in {1, 3, 5}, widen by 1.5 and 2, every valid skip), each one
// applicable, in a fixed order; empty for an invalid genome.
std::vector<Morphism> ApplicableMorphisms(const ConvNetGenome& genome);

// A random morphism that applies to the valid `genome`, as NASH draws them:
// one of the families deepen / widen / skip uniformly (among those with any
// applicable member), then a uniform position; deepen's kernel uniform in
// {1, 3, 5}, widen's factor uniform in {1.5, 2} (among those that fit the
// width cap), skip's kind uniform among add / concat (those with a valid
// pair), then a uniform valid (from, to) pair. Deterministic given the rng
// state on every platform. If !HasApplicableMorphism(genome) it returns
// deepen(0,k3), which ApplyToGenome then rejects.
Morphism RandomMorphism(const ConvNetGenome& genome, SeededRandom& rng);

// n >= 0 random morphisms, each drawn for the genome the previous ones made,
// so the list applies in sequence. Shorter than n only if a genome on the
// way has no applicable morphism.
std::vector<Morphism> RandomMorphisms(const ConvNetGenome& genome, int n,
                                      SeededRandom& rng);

}  // namespace nas

#endif  // NAS_COMMON_GENOME_MORPHISM_H_
