#include "worker/tfnas/latency_measure.h"

#include <cmath>
#include <set>

#include "gtest/gtest.h"
#include "worker/tfnas/latency_target.h"

namespace nas {
namespace {

TEST(LatencyMeasureTest, MeasuresATableCoveringTheSpace) {
  torch::manual_seed(0);
  TfNasSpaceOptions so;
  so.image_size = 8;
  so.width_multiplier = 0.25;
  so.max_layers_per_stage = 2;
  so.kernels = {3, 7};
  const TfNasSpace space = *MakeTfNasSpace(so);
  LatencyMeasureOptions o;
  o.warmup = 1;
  o.repeats = 3;
  o.width_stride = 16;
  auto table = MeasureLatencyTable(space, torch::kCPU, o);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_GT(table->base_ms, 0);
  for (const auto& [key, widths] : table->blocks) {
    for (const auto& [w, ms] : widths) {
      EXPECT_TRUE(std::isfinite(ms) && ms > 0) << key << " " << w;
    }
  }
  // Stage 1 (4 input channels at 8x8, stride 2): widths 8 (e3 min) .. 32 (e6 max).
  const auto& first = table->blocks.at("MBInvertedResBlock_8_4_0_8_k7_s2_relu");
  EXPECT_EQ(first.begin()->first, 8);
  EXPECT_EQ(first.rbegin()->first, 32);
  EXPECT_EQ(first.size(), 25u);
  // The SE ops (on by default) have keys of their own, SE channels = in
  // channels x expansion / 3, over their expansion's widths.
  const auto& first_se3 = table->blocks.at("MBInvertedResBlock_8_4_4_8_k7_s2_relu");
  EXPECT_EQ(first_se3.begin()->first, 8);
  EXPECT_EQ(first_se3.rbegin()->first, 16);
  const auto& first_se6 = table->blocks.at("MBInvertedResBlock_8_4_8_8_k7_s2_relu");
  EXPECT_EQ(first_se6.begin()->first, 16);
  EXPECT_EQ(first_se6.rbegin()->first, 32);
  // Every layer position has one key per kernel without SE and one per
  // kernel and expansion with SE; later layers of a stage share a shape.
  std::set<std::string> expected;
  for (size_t s = 0; s < space.stages.size(); ++s) {
    for (int l = 0; l < space.stages[s].max_layers; ++l) {
      for (const TfNasOp& op : SpaceOps(space)) {
        expected.insert(BlockLatencyKey(LayerShape(space, s, l), op));
      }
    }
  }
  std::set<std::string> measured;
  for (const auto& [key, widths] : table->blocks) measured.insert(key);
  EXPECT_EQ(measured, expected);
  auto latencies = SpaceLatencies::Create(space, *table);
  ASSERT_TRUE(latencies.ok()) << latencies.status();
  auto back = ReadLatencyTableJson(WriteLatencyTableJson(*table));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, *table);

  const TfNasGenome fastest = latencies->Fastest();
  auto ms = MeasureNetworkLatency(space, fastest, torch::kCPU, o);
  ASSERT_TRUE(ms.ok()) << ms.status();
  EXPECT_GT(*ms, 0);
  std::cout << "fastest " << TfNasGenomeToText(fastest) << " predicted "
            << latencies->Predict(fastest) << " ms, measured " << *ms << " ms\n";
}

TEST(LatencyMeasureTest, RejectsBadOptions) {
  LatencyMeasureOptions o;
  o.repeats = 0;
  EXPECT_EQ(ValidateLatencyMeasureOptions(o).code(), absl::StatusCode::kInvalidArgument);
  auto ms = MeasureForwardLatency([](const torch::Tensor& x) { return x; }, {1}, torch::kCPU, o);
  EXPECT_EQ(ms.status().code(), absl::StatusCode::kInvalidArgument);
  o = {};
  o.width_stride = 0;
  EXPECT_EQ(ValidateLatencyMeasureOptions(o).code(), absl::StatusCode::kInvalidArgument);
  // A LibTorch error becomes a status, not an exception.
  o = {};
  ms = MeasureForwardLatency(
      [](const torch::Tensor& x) {
        return x.view({7, 7});
      },
      {1, 5}, torch::kCPU, o);
  EXPECT_EQ(ms.status().code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace nas
