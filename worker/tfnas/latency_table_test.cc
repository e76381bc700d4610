#include "worker/tfnas/latency_table.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/tfnas/latency_target.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

std::string ReadShipped(const std::string& name) {
  const char* dir = std::getenv("NAS_SHARED_DATA");
  EXPECT_NE(dir, nullptr) << "NAS_SHARED_DATA is not set: bazel test "
                             "--test_env=NAS_SHARED_DATA=<absolute path of ../shared/data>";
  if (dir == nullptr) return "";
  std::ifstream in(std::string(dir) + "/tfnas_latency/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TfNasSpace PaperSpace() {
  TfNasSpaceOptions o;
  o.image_size = 224;
  o.image_channels = 3;
  o.num_classes = 1000;
  o.kernels = {3, 5};  // The paper's tables have no 7x7 blocks (nor has the default space).
  return *MakeTfNasSpace(o);
}

TEST(LatencyTableTest, ReadsTheShippedCpuTable) {
  auto table = ReadLatencyTableJson(ReadShipped("latency_cpu.json"));
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_DOUBLE_EQ(table->base_ms, 9.356469964981079);
  EXPECT_EQ(table->blocks.size(), 66u);
  const std::string key = "MBInvertedResBlock_112_16_0_24_k3_s2_relu";
  ASSERT_EQ(table->blocks.count(key), 1u);
  EXPECT_EQ(table->blocks.at(key).size(), 128u);
  EXPECT_DOUBLE_EQ(*BlockLatency(*table, key, 1), -0.5044301343815665);
  EXPECT_DOUBLE_EQ(*BlockLatency(*table, key, 128), 12.028597116470337);
  EXPECT_DOUBLE_EQ(*BlockLatency(*table, "MBInvertedResBlock_7_192_384_320_k5_s1_swish", 1536),
                   9.583678245544434);
  EXPECT_EQ(BlockLatency(*table, key, 129).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(BlockLatency(*table, "nope", 1).status().code(), absl::StatusCode::kNotFound);
}

TEST(LatencyTableTest, ReadsTheShippedGpuTableAndCoversThePapersSpace) {
  auto table = ReadLatencyTableJson(ReadShipped("latency_gpu.json"));
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_NEAR(table->base_ms, 1.9858, 1e-4);
  // Every block of our space at 224x224 with the paper's channels has its key.
  auto latencies = SpaceLatencies::Create(PaperSpace(), *table);
  ASSERT_TRUE(latencies.ok()) << latencies.status();
}

TEST(LatencyTableTest, PredictsBasePlusBlocks) {
  auto table = ReadLatencyTableJson(ReadShipped("latency_cpu.json"));
  ASSERT_TRUE(table.ok()) << table.status();
  const TfNasSpace space = PaperSpace();
  auto genome =
      ParseTfNasGenome("k3e3w48 | k5e6w144 | k3e3w120 k5e6w480 | k3e6w480 | k5e3w336 | k3e6w1152");
  ASSERT_TRUE(genome.ok()) << genome.status();
  auto at = [&](const std::string& key, int w) { return *BlockLatency(*table, key, w); };
  const double expected = table->base_ms + at("MBInvertedResBlock_112_16_0_24_k3_s2_relu", 48) +
                          at("MBInvertedResBlock_56_24_0_40_k5_s2_swish", 144) +
                          at("MBInvertedResBlock_28_40_0_80_k3_s2_swish", 120) +
                          at("MBInvertedResBlock_14_80_0_80_k5_s1_swish", 480) +
                          at("MBInvertedResBlock_14_80_0_112_k3_s1_swish", 480) +
                          at("MBInvertedResBlock_14_112_0_192_k5_s2_swish", 336) +
                          at("MBInvertedResBlock_7_192_0_320_k3_s1_swish", 1152);
  auto predicted = PredictLatency(*table, space, *genome);
  ASSERT_TRUE(predicted.ok()) << predicted.status();
  EXPECT_DOUBLE_EQ(*predicted, expected);
  EXPECT_DOUBLE_EQ(SpaceLatencies::Create(space, *table)->Predict(*genome), expected);
  // Outside the space: width 31 is below stage 1's e3 minimum (32).
  genome->stages[0].layers[0].mid_channels = 31;
  EXPECT_EQ(PredictLatency(*table, space, *genome).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// The paper's tables have its SE ops: an SE layer reads the key with its SE
// channels (in channels for e3, twice them for e6).
TEST(LatencyTableTest, PredictsSqueezeExcitationLayersFromTheirKeys) {
  auto table = ReadLatencyTableJson(ReadShipped("latency_cpu.json"));
  ASSERT_TRUE(table.ok()) << table.status();
  const TfNasSpace space = PaperSpace();
  auto genome = ParseTfNasGenome(
      "k3e3sew48 | k5e6sew144 | k3e3w120 k5e6sew480 | k3e6w480 | k5e3sew336 | k3e6sew1152");
  ASSERT_TRUE(genome.ok()) << genome.status();
  auto at = [&](const std::string& key, int w) { return *BlockLatency(*table, key, w); };
  const double expected = table->base_ms + at("MBInvertedResBlock_112_16_16_24_k3_s2_relu", 48) +
                          at("MBInvertedResBlock_56_24_48_40_k5_s2_swish", 144) +
                          at("MBInvertedResBlock_28_40_0_80_k3_s2_swish", 120) +
                          at("MBInvertedResBlock_14_80_160_80_k5_s1_swish", 480) +
                          at("MBInvertedResBlock_14_80_0_112_k3_s1_swish", 480) +
                          at("MBInvertedResBlock_14_112_112_192_k5_s2_swish", 336) +
                          at("MBInvertedResBlock_7_192_384_320_k3_s1_swish", 1152);
  auto predicted = PredictLatency(*table, space, *genome);
  ASSERT_TRUE(predicted.ok()) << predicted.status();
  EXPECT_DOUBLE_EQ(*predicted, expected);
  EXPECT_DOUBLE_EQ(SpaceLatencies::Create(space, *table)->Predict(*genome), expected);
}

TEST(LatencyTableTest, WriteReadRoundTrip) {
  LatencyTable t;
  t.base_ms = 0.1 + 0.2;
  t.blocks["MBInvertedResBlock_8_4_0_8_k3_s2_relu"] = {{8, 1.0 / 3}, {9, -2.5e-7}, {16, 12345.678}};
  t.blocks["MBInvertedResBlock_4_8_0_8_k7_s1_swish"] = {{16, 0.0}};
  auto back = ReadLatencyTableJson(WriteLatencyTableJson(t));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, t);
}

TEST(LatencyTableTest, RejectsMalformedTables) {
  auto message = [](const std::string& json) {
    return std::string(ReadLatencyTableJson(json).status().message());
  };
  EXPECT_THAT(message("{\"base\": 1,"), HasSubstr("malformed JSON"));
  EXPECT_THAT(message("{\"x\": {\"1\": 2}}"), HasSubstr("'base' must be present"));
  EXPECT_THAT(message("{\"base\": \"fast\"}"),
              HasSubstr("'base' must be present and a finite number"));
  EXPECT_THAT(message("{\"base\": 1, \"b\": 3}"), HasSubstr("'b' must be an object"));
  EXPECT_THAT(message("{\"base\": 1, \"b\": {\"0\": 3}}"),
              HasSubstr("'b': mid channels '0' must be a positive integer"));
  EXPECT_THAT(message("{\"base\": 1, \"b\": {\"2\": \"x\"}}"),
              HasSubstr("'b' at 2: latency must be a finite number"));
  EXPECT_THAT(message("{\"base\": 1, \"b\": {}}"), HasSubstr("'b' has no entries"));
}

}  // namespace
}  // namespace nas
