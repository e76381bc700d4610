#include "worker/export/data_embedding.h"

#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// logits = mean over the image of each channel, times w [3, 2].
torch::jit::Module TinyNetwork(const torch::Tensor& w) {
  torch::jit::Module net("TinyNetwork");
  net.register_parameter("w", w, false);
  net.define("def forward(self, x):\n    return torch.matmul(x.mean([2, 3]), self.w)\n");
  return net;
}

v1::DataDescription Description() {
  v1::DataDescription data;
  for (float m : {0.5f, 0.25f, 0.125f}) data.add_channel_mean(m);
  for (float s : {0.2f, 0.4f, 0.1f}) data.add_channel_std(s);
  data.add_class_names("cat");
  data.add_class_names("dog");
  return data;
}

// Saved and loaded back, as a user would get it.
torch::jit::Module RoundTrip(const torch::jit::Module& module) {
  std::stringstream bytes;
  module.save(bytes);
  return torch::jit::load(bytes);
}

TEST(EmbedDataDescriptionTest, NormalisesEachChannelThenRunsTheNetwork) {
  torch::manual_seed(5);
  const torch::Tensor w = torch::randn({3, 2});
  auto embedded = EmbedDataDescription(TinyNetwork(w), Description(), 3, 2);
  ASSERT_TRUE(embedded.ok()) << embedded.status();
  torch::jit::Module loaded = RoundTrip(*embedded);

  const torch::Tensor x = torch::rand({4, 3, 5, 5});  // Images scaled to [0, 1].
  const torch::Tensor mean = torch::tensor({0.5f, 0.25f, 0.125f}).reshape({1, 3, 1, 1});
  const torch::Tensor std = torch::tensor({0.2f, 0.4f, 0.1f}).reshape({1, 3, 1, 1});
  const torch::Tensor expected = torch::matmul(((x - mean) / std).mean({2, 3}), w);
  torch::NoGradGuard no_grad;
  const torch::Tensor got = loaded.forward({x}).toTensor();
  ASSERT_EQ(got.sizes(), expected.sizes());
  EXPECT_TRUE(torch::allclose(got, expected, 1e-5, 1e-5))
      << "max abs diff " << (got - expected).abs().max().item<double>();
  // A constant image at the mean is the all-zero input.
  const torch::Tensor at_mean = mean.expand({1, 3, 5, 5}).contiguous();
  EXPECT_TRUE(torch::allclose(loaded.forward({at_mean}).toTensor(), torch::zeros({1, 2}), 0, 1e-6));

  std::vector<std::string> names;
  for (const c10::IValue& name : loaded.attr("class_names").toListRef()) {
    names.push_back(name.toStringRef());
  }
  EXPECT_THAT(names, ElementsAre("cat", "dog"));
}

TEST(EmbedDataDescriptionTest, WithoutStatisticsTheInputPassesUnchanged) {
  const torch::Tensor w = torch::randn({3, 2});
  v1::DataDescription names_only;
  names_only.add_class_names("a");
  names_only.add_class_names("b");
  auto embedded = EmbedDataDescription(TinyNetwork(w), names_only, 3, 2);
  ASSERT_TRUE(embedded.ok()) << embedded.status();
  torch::jit::Module loaded = RoundTrip(*embedded);
  const torch::Tensor x = torch::rand({2, 3, 4, 4});
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(loaded.forward({x}).toTensor(), torch::matmul(x.mean({2, 3}), w)));
  EXPECT_EQ(loaded.attr("class_names").toListRef().size(), 2u);
}

TEST(EmbedDataDescriptionTest, RefusesStatisticsOrNamesThatDoNotFitTheNetwork) {
  const torch::Tensor w = torch::randn({3, 2});
  auto wrong_channels = EmbedDataDescription(TinyNetwork(w), Description(), 1, 2);
  EXPECT_EQ(wrong_channels.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong_channels.status().message(), HasSubstr("reads 1 channels"));
  auto wrong_classes = EmbedDataDescription(TinyNetwork(w), Description(), 3, 10);
  EXPECT_EQ(wrong_classes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong_classes.status().message(), HasSubstr("names 2 classes"));
  v1::DataDescription zero_std = Description();
  zero_std.set_channel_std(1, 0);
  EXPECT_EQ(EmbedDataDescription(TinyNetwork(w), zero_std, 3, 2).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nas
