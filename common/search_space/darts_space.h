// Sampling and mutation in the DARTS cell space (Real et al. 2018, as used by
// aging evolution): a random genome, and a child that differs from its parent
// by one hidden-state mutation, one op mutation, or nothing (identity).
#ifndef NAS_COMMON_SEARCH_SPACE_DARTS_SPACE_H_
#define NAS_COMMON_SEARCH_SPACE_DARTS_SPACE_H_

#include <string>

#include "common/genome/darts_genome.h"
#include "common/random/seeded_random.h"

namespace nas {

// A uniformly random valid genome with `nodes` nodes per cell (1..8).
DartsGenome RandomDartsGenome(int nodes, SeededRandom& rng);

struct DartsMutation {
  DartsGenome child;
  // e.g. "op normal node 1 edge 0: sep_conv_3x3 -> max_pool_3x3",
  // "hidden_state reduce node 2 edge 1: 0 -> 3", or "identity".
  std::string description;
};

// Picks one of the three mutation kinds uniformly; an op or hidden-state
// mutation always changes the genome (a different op, a different input).
DartsMutation MutateDartsGenome(const DartsGenome& parent, SeededRandom& rng);

}  // namespace nas

#endif  // NAS_COMMON_SEARCH_SPACE_DARTS_SPACE_H_
