#include "worker/training/default_generator.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace nas {
namespace {

torch::Tensor InitialWeights(uint64_t seed) {
  return RunSeeded(seed, [] { return torch::nn::Linear(64, 64)->weight.detach().clone(); });
}

// Two slots building networks at once, each from its own seed, get the
// weights each seed gives alone.
TEST(DefaultGeneratorTest, ConcurrentBuildsFollowTheirOwnSeeds) {
  const torch::Tensor alone[2] = {InitialWeights(1), InitialWeights(2)};
  ASSERT_FALSE(torch::equal(alone[0], alone[1]));
  int mismatches[2] = {0, 0};
  std::vector<std::thread> slots;
  for (int s = 0; s < 2; ++s) {
    slots.emplace_back([&, s] {
      for (int i = 0; i < 200; ++i) {
        if (!torch::equal(InitialWeights(s + 1), alone[s])) ++mismatches[s];
      }
    });
  }
  for (auto& t : slots) t.join();
  EXPECT_EQ(mismatches[0], 0);
  EXPECT_EQ(mismatches[1], 0);
}

// A fork draws what the default generator would have drawn next, and then
// goes its own way whatever is drawn from the default generator meanwhile.
TEST(DefaultGeneratorTest, AForkContinuesTheDefaultStream) {
  const torch::Tensor expected = RunSeeded(5, [] {
    torch::nn::Linear(8, 8);
    return torch::randperm(100);
  });
  torch::Generator fork = RunSeeded(5, [] {
    torch::nn::Linear(8, 8);
    return ForkDefaultCpuGenerator();
  });
  RunSeeded(6, [] { return torch::randn({1000}); });  // Another slot's draws.
  EXPECT_TRUE(torch::equal(torch::randperm(100, fork), expected));
}

TEST(DefaultGeneratorTest, ReturnsWhatItRunsAndReleasesOnThrow) {
  EXPECT_EQ(RunSeeded(3, [] { return 7; }), 7);
  EXPECT_THROW(RunSeeded(3, []() -> int { throw std::runtime_error("boom"); }),
               std::runtime_error);
  EXPECT_EQ(RunSeeded(3, [] { return 8; }), 8);  // Not left locked.
}

}  // namespace
}  // namespace nas
