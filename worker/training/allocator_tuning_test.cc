#include "worker/training/allocator_tuning.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "gtest/gtest.h"

namespace nas {
namespace {

// The behaviour the training loop relies on: a freed activation-sized block
// stays in the process and the next one of its size is served from the heap,
// not from a fresh mmap whose pages fault in again.
TEST(AllocatorTuningTest, FreedBlocksStayInTheHeapForTheNextStep) {
  ASSERT_TRUE(KeepFreedMemoryForReuse());
  constexpr size_t kActivation = 8 << 20;  // 8 MiB: mmapped under glibc's defaults.
  const struct mallinfo2 before = mallinfo2();
  void* block = std::malloc(kActivation);
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, kActivation);
  const struct mallinfo2 during = mallinfo2();
  EXPECT_EQ(during.hblks, before.hblks) << "the block was mmapped";
  EXPECT_GE(during.arena, before.arena + kActivation);
  std::free(block);
  const struct mallinfo2 after = mallinfo2();
  EXPECT_GE(after.arena, before.arena + kActivation) << "the heap was trimmed";
  EXPECT_GE(after.fordblks, kActivation) << "the freed block is not kept for reuse";
}

}  // namespace
}  // namespace nas
