// LibTorch's default random generators (torch::manual_seed) are one per
// process, and every module draws its initial weights from them. A worker
// with several slots builds networks on several threads at once; for each
// job's draws to follow its own seed, the rule is:
//   - draw from the default generators only inside RunSeeded, which seeds
//     them and keeps every other RunSeeded out until it returns (building a
//     network, or anything that constructs modules);
//   - draw while training from a torch::Generator of the job's own (shuffles,
//     augmentation, a search's samples), never from the default ones; a
//     search forks its own from the default CPU generator inside RunSeeded
//     (ForkDefaultCpuGenerator), so its samples are the numbers it would
//     have drawn from the default generator had it run alone.
// Then a job's draws are the same whatever the other slots do meanwhile.
#ifndef NAS_WORKER_TRAINING_DEFAULT_GENERATOR_H_
#define NAS_WORKER_TRAINING_DEFAULT_GENERATOR_H_

#include <cstdint>
#include <mutex>

#include "torch/torch.h"

namespace nas {

// The lock RunSeeded holds; only RunSeeded takes it.
std::mutex& DefaultGeneratorMutex();

// Seeds the default generators (CPU and CUDA) with `seed` and runs fn() with
// no other RunSeeded running meanwhile; returns what fn() returns (and lets
// what it throws through, releasing the lock). fn() must not call RunSeeded.
template <typename Fn>
auto RunSeeded(uint64_t seed, Fn&& fn) -> decltype(fn()) {
  std::lock_guard<std::mutex> lock(DefaultGeneratorMutex());
  torch::manual_seed(seed);
  return fn();
}

// Only inside RunSeeded: a new generator whose stream continues the default
// CPU generator's from here (a copy of its state), for the caller's later
// draws on the CPU.
torch::Generator ForkDefaultCpuGenerator();

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_DEFAULT_GENERATOR_H_
