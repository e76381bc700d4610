#include "worker/nash/checkpoint.h"

#include <string>

#include "common/genome/convnet_genome.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/nash/test_nets.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    genome_ =
        ParseConvNetGenome("conv3x4 conv5x6 pool conv3x6 conv1x6 add(3,5) concat(0,2)").value();
    net_ = ConvNet(genome_, 3, 4);
    RandomizeWeights(net_, 11);
    auto bytes = SerializeNet(net_);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    bytes_ = *bytes;
  }

  absl::StatusCode LoadCode(const std::string& bytes) {
    return DeserializeNet(genome_, 3, 4, bytes).status().code();
  }

  ConvNetGenome genome_;
  ConvNet net_{nullptr};
  std::string bytes_;
};

TEST_F(CheckpointTest, RoundTripGivesIdenticalOutputsAndBuffers) {
  auto loaded = DeserializeNet(genome_, 3, 4, bytes_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE((*loaded)->is_training());
  auto expected = net_->named_buffers();
  for (const auto& b : (*loaded)->named_buffers()) {
    EXPECT_TRUE(torch::equal(b.value(), expected[b.key()])) << b.key();
  }
  net_->eval();
  (*loaded)->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::randn({5, 3, 10, 10});
  EXPECT_TRUE(torch::equal(net_->forward(x), (*loaded)->forward(x)));
}

TEST_F(CheckpointTest, Float64StaysFloat64) {
  ConvertFloatingPoint(*net_, torch::kFloat64);
  auto bytes = SerializeNet(net_);
  ASSERT_TRUE(bytes.ok());
  auto loaded = DeserializeNet(genome_, 3, 4, *bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->layers[0]->conv->weight.scalar_type(), torch::kFloat64);
}

TEST_F(CheckpointTest, TruncatedBytesAreDataLoss) {
  for (size_t size :
       {size_t{0}, size_t{5}, size_t{17}, size_t{100}, bytes_.size() / 2, bytes_.size() - 1}) {
    EXPECT_EQ(LoadCode(bytes_.substr(0, size)), absl::StatusCode::kDataLoss) << size;
  }
  EXPECT_EQ(LoadCode(bytes_ + "x"), absl::StatusCode::kDataLoss);
}

TEST_F(CheckpointTest, AnyFlippedByteIsDataLoss) {
  // Magic, checksum, header, and spread over the LibTorch payload.
  for (size_t at = 0; at < bytes_.size(); at += at < 200 ? 1 : 997) {
    std::string flipped = bytes_;
    flipped[at] ^= 0x20;
    ASSERT_EQ(LoadCode(flipped), absl::StatusCode::kDataLoss) << "byte " << at;
  }
  std::string last = bytes_;
  last.back() ^= 1;
  EXPECT_EQ(LoadCode(last), absl::StatusCode::kDataLoss);
}

TEST_F(CheckpointTest, IntactCheckpointOfAnotherShapeIsInvalidArgument) {
  auto other = DeserializeNet(DefaultNashStart(), 3, 4, bytes_);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(other.status().message()),
              HasSubstr("holds genome 'conv3x4 conv5x6 pool conv3x6 conv1x6 concat(0,2) add(3,5)' "
                        "with 3 input channels and 4 classes, not 'conv3x8"));
  EXPECT_EQ(DeserializeNet(genome_, 1, 4, bytes_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DeserializeNet(genome_, 3, 10, bytes_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CheckpointTest, ForeignBytesAreDataLoss) {
  EXPECT_EQ(LoadCode("PK\x03\x04 not ours"), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(DeserializeNet(genome_, 3, 4, "hello").status().message()),
              HasSubstr("does not start with 'NASCONV1'"));
}

}  // namespace
}  // namespace nas
