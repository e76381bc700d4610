#include "worker/training/default_generator.h"

#include "ATen/CPUGeneratorImpl.h"

namespace nas {

std::mutex& DefaultGeneratorMutex() {
  static auto* const mu = new std::mutex();  // Never destroyed: slots may run at exit.
  return *mu;
}

torch::Generator ForkDefaultCpuGenerator() {
  at::Generator shared = at::detail::getDefaultCPUGenerator();  // Shares its state.
  std::lock_guard<std::mutex> lock(shared.mutex());
  return shared.clone();
}

}  // namespace nas
