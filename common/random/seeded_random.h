// A small, platform-independent random source. std:: distributions differ
// between standard libraries, so reproducible lineages use this instead.
#ifndef NAS_COMMON_RANDOM_SEEDED_RANDOM_H_
#define NAS_COMMON_RANDOM_SEEDED_RANDOM_H_

#include <cstdint>

namespace nas {

// Mixes a 64-bit value (splitmix64 finaliser): equal inputs give equal outputs
// everywhere.
uint64_t MixSeed(uint64_t x);

// The seed of the `index`-th derived stream of `seed` (e.g. the seed of the
// individual born `index`-th in a search).
uint64_t DeriveSeed(uint64_t seed, uint64_t index);

// Not thread-safe; one per stream.
class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}

  uint64_t Next();
  // Uniform in [0, n); n must be > 0. Unbiased (rejection sampling).
  int Uniform(int n);
  // Uniform in [0, 1).
  double UniformDouble();

 private:
  uint64_t state_;
};

}  // namespace nas

#endif  // NAS_COMMON_RANDOM_SEEDED_RANDOM_H_
