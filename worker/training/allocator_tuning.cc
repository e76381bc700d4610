#include "worker/training/allocator_tuning.h"

#include <malloc.h>

namespace nas {

bool KeepFreedMemoryForReuse() {
#if defined(__GLIBC__)
  // 32 MiB is the largest mmap threshold glibc accepts on 64-bit systems;
  // setting it also stops glibc from adjusting the threshold by itself.
  constexpr int kMmapThreshold = 32 << 20;
  const bool mmap_ok = mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1;
  const bool trim_ok = mallopt(M_TRIM_THRESHOLD, -1) == 1;  // -1: never trim.
  return mmap_ok && trim_ok;
#else
  return false;
#endif
}

}  // namespace nas
