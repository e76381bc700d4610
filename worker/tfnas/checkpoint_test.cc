#include "worker/tfnas/checkpoint.h"

#include <string>

#include "absl/strings/match.h"
#include "common/search_space/tfnas_space_spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

constexpr char kGenome[] = "k3e3w8 k7e6w64 | k5e3w24 | k3e6w72 | k3e3w60 | k5e3w84 | k3e6w288";

v1::TfNasSpace SpaceSpec() {
  v1::TfNasSpace spec;
  spec.set_image_size(8);
  spec.set_width_multiplier(0.25);
  spec.set_max_layers_per_stage(2);
  for (int k : {3, 5, 7}) spec.add_kernels(k);  // kGenome has a 7x7 layer.
  return spec;
}

// A network with random weights and BatchNorm statistics, so that a tensor
// that did not travel would show in the outputs.
TfNasNetwork RandomNetwork(const TfNasGenome& genome) {
  torch::manual_seed(4);
  TfNasNetwork net = *BuildTfNasNetwork(*TfNasSpaceFromSpec(SpaceSpec()), genome);
  torch::NoGradGuard no_grad;
  for (auto& p : net->parameters()) p.normal_(0, 0.3);
  for (auto& b : net->named_buffers()) {
    if (absl::EndsWith(b.key(), "running_var")) b.value().uniform_(0.5, 1.5);
    if (absl::EndsWith(b.key(), "running_mean")) b.value().normal_(0, 0.1);
  }
  net->eval();
  return net;
}

TEST(TfNasCheckpointTest, RoundTripsTheNetworkAndItsSpace) {
  const TfNasGenome genome = *ParseTfNasGenome(kGenome);
  TfNasNetwork net = RandomNetwork(genome);
  auto bytes = SerializeTfNasNetwork(SpaceSpec(), genome, net);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_TRUE(LooksLikeTfNasCheckpoint(*bytes));
  auto loaded = DeserializeTfNasNetwork(*bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(TfNasGenomeToText(loaded->genome), kGenome);
  EXPECT_EQ(loaded->space_spec.image_size(), 8);
  EXPECT_EQ(loaded->space_spec.num_classes(), 10);  // Defaults are written out.
  const torch::Tensor x = torch::randn({3, 1, 8, 8});
  EXPECT_TRUE(torch::equal(loaded->net->forward(x), net->forward(x)));
}

TEST(TfNasCheckpointTest, RoundTripsSqueezeExcitationLayers) {
  const TfNasGenome genome = *ParseTfNasGenome(
      "k3e3sew8 k7e6w64 | k5e3sew24 | k3e6w72 | k3e3sew60 | k5e3w84 | k3e6sew288");
  TfNasNetwork net = RandomNetwork(genome);
  auto loaded = DeserializeTfNasNetwork(*SerializeTfNasNetwork(SpaceSpec(), genome, net));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->genome, genome);
  const torch::Tensor x = torch::randn({3, 1, 8, 8});
  EXPECT_TRUE(torch::equal(loaded->net->forward(x), net->forward(x)));
}

TEST(TfNasCheckpointTest, RefusesAnotherNetworkAndAnyDamage) {
  const TfNasGenome genome = *ParseTfNasGenome(kGenome);
  TfNasNetwork net = RandomNetwork(genome);
  TfNasGenome other = genome;
  other.stages[0].layers[1].mid_channels = 32;
  EXPECT_EQ(SerializeTfNasNetwork(SpaceSpec(), other, net).status().code(),
            absl::StatusCode::kInvalidArgument);

  const std::string bytes = *SerializeTfNasNetwork(SpaceSpec(), genome, net);
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 1;
  EXPECT_EQ(DeserializeTfNasNetwork(flipped).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DeserializeTfNasNetwork(bytes.substr(0, bytes.size() - 9)).status().code(),
            absl::StatusCode::kDataLoss);
  const auto darts = DeserializeTfNasNetwork("NASDART1" + bytes.substr(8));
  EXPECT_EQ(darts.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(darts.status().message(), HasSubstr("TF-NAS"));
}

}  // namespace
}  // namespace nas
