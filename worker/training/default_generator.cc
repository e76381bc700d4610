#include "worker/training/default_generator.h"

namespace nas {

std::mutex& DefaultGeneratorMutex() {
  static auto* const mu = new std::mutex();  // Never destroyed: slots may run at exit.
  return *mu;
}

}  // namespace nas
