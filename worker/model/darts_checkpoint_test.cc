#include "worker/model/darts_checkpoint.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

class DartsCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    torch::manual_seed(5);
    genome_ = ParseDartsGenome(
                  "normal: sep_conv_3x3(0)+skip_connect(1) | avg_pool_3x3(0)+dil_conv_3x3(2) ; "
                  "reduce: max_pool_3x3(0)+skip_connect(1) | sep_conv_5x5(1)+skip_connect(2)")
                  .value();
    options_.in_channels = 2;
    options_.num_classes = 5;
    options_.init_channels = 4;
    options_.cells = 3;
    net_ = DartsNetwork(genome_, options_);
    // Non-trivial BatchNorm statistics, so that losing them would show.
    torch::NoGradGuard no_grad;
    for (auto& b : net_->named_buffers()) {
      if (b.key().find("running_var") != std::string::npos) b.value().uniform_(0.5, 2.0);
      if (b.key().find("running_mean") != std::string::npos) b.value().normal_();
    }
    auto bytes = SerializeDartsNetwork(genome_, options_, net_);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    bytes_ = *bytes;
  }

  DartsGenome genome_;
  DartsNetworkOptions options_;
  DartsNetwork net_{nullptr};
  std::string bytes_;
};

TEST_F(DartsCheckpointTest, RoundTripRebuildsTheSameFunction) {
  auto loaded = DeserializeDartsNetwork(bytes_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->genome, genome_);
  EXPECT_EQ(loaded->options.in_channels, 2);
  EXPECT_EQ(loaded->options.num_classes, 5);
  EXPECT_EQ(loaded->options.init_channels, 4);
  EXPECT_EQ(loaded->options.cells, 3);
  EXPECT_FALSE(loaded->net->is_training());
  net_->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::randn({3, 2, 8, 8});
  EXPECT_TRUE(torch::equal(net_->forward(x), loaded->net->forward(x)));
}

TEST_F(DartsCheckpointTest, AnyChangedOrMissingByteIsDataLoss) {
  for (size_t at : {size_t{0}, size_t{12}, bytes_.size() / 2, bytes_.size() - 1}) {
    std::string altered = bytes_;
    altered[at] ^= 0x20;
    EXPECT_EQ(DeserializeDartsNetwork(altered).status().code(), absl::StatusCode::kDataLoss)
        << "byte " << at;
  }
  EXPECT_EQ(DeserializeDartsNetwork(bytes_.substr(0, bytes_.size() - 10)).status().code(),
            absl::StatusCode::kDataLoss);
  auto empty = DeserializeDartsNetwork("");
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(empty.status().message(), HasSubstr("NASDART1"));
}

TEST_F(DartsCheckpointTest, NetworkOfOtherOptionsIsRefused) {
  DartsNetworkOptions other = options_;
  other.init_channels = 6;
  auto bytes = SerializeDartsNetwork(genome_, other, net_);
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nas
