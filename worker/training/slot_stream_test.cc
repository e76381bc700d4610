#include "worker/training/slot_stream.h"

#include <thread>

#include "gtest/gtest.h"

namespace nas {
namespace {

TEST(SlotStreamTest, OnTheCpuNothingChanges) {
  SlotStream stream(torch::Device(torch::kCPU));
  EXPECT_EQ(stream.Describe(), "default stream");
}

// Two slots' threads each get a stream of their own, which is their current
// stream while the slot runs and no longer after.
TEST(SlotStreamTest, EachSlotThreadHasAStreamOfItsOwnOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const torch::Device gpu(torch::kCUDA, 0);
  const c10::impl::DeviceGuardImplInterface* cuda = c10::impl::getDeviceGuardImpl(gpu.type());
  const c10::Stream before = cuda->getStream(gpu);
  c10::Stream seen[2] = {before, before};
  std::thread slots[2];
  for (int i = 0; i < 2; ++i) {
    slots[i] = std::thread([&, i] {
      SlotStream stream(gpu);
      seen[i] = cuda->getStream(gpu);
      // Work on the slot's stream completes as on any other.
      EXPECT_EQ((torch::ones({64}, gpu) * 2).sum().item<float>(), 128.0f);
    });
  }
  for (auto& t : slots) t.join();
  EXPECT_NE(seen[0], before);
  EXPECT_NE(seen[1], before);
  EXPECT_NE(seen[0], seen[1]);
  EXPECT_EQ(cuda->getStream(gpu), before);
}

}  // namespace
}  // namespace nas
