#include "worker/training/augmentation.h"

#include <set>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

// [b, 1, size, size] zeros with a 1 at (row, col) of every image.
torch::Tensor HotPixel(int64_t b, int64_t size, int64_t row, int64_t col) {
  torch::Tensor images = torch::zeros({b, 1, size, size});
  images.index_put_({torch::indexing::Slice(), 0, row, col}, 1.0);
  return images;
}

// (row, col) of the single 1 of a [size, size] image; (-1, -1) if there is not exactly one.
std::pair<int64_t, int64_t> Where(const torch::Tensor& image) {
  const torch::Tensor at = image.nonzero();
  if (at.size(0) != 1 || image.sum().item<float>() != 1.0f) return {-1, -1};
  return {at[0][0].item<int64_t>(), at[0][1].item<int64_t>()};
}

TEST(AugmentBatchTest, KeepsShapeDtypeAndDeviceAndLeavesTheInputAlone) {
  const torch::Tensor images = torch::randn({5, 3, 12, 10}, torch::kFloat64);
  const torch::Tensor before = images.clone();
  for (const Augmentation& a : {Augmentation{}, Augmentation{2, true, 4}}) {
    const torch::Tensor out = AugmentBatch(images, a, 7);
    EXPECT_EQ(out.sizes(), images.sizes());
    EXPECT_EQ(out.scalar_type(), torch::kFloat64);
    EXPECT_EQ(out.device(), images.device());
    EXPECT_FALSE(out.is_same(images));
  }
  EXPECT_TRUE(images.equal(before));
  EXPECT_TRUE(AugmentBatch(images, Augmentation{}, 7).equal(images));  // Nothing asked.
}

TEST(AugmentBatchTest, FlipMirrorsSomeImagesAndLeavesTheOthers) {
  const torch::Tensor images = torch::randn({64, 2, 5, 6});
  const torch::Tensor out = AugmentBatch(images, Augmentation{0, true, 0}, 3);
  int flipped = 0;
  for (int64_t i = 0; i < 64; ++i) {
    const bool mirrored = out[i].equal(images[i].flip({2}));
    EXPECT_TRUE(mirrored || out[i].equal(images[i])) << "example " << i;
    flipped += mirrored;
  }
  EXPECT_GT(flipped, 16);  // About half of 64.
  EXPECT_LT(flipped, 48);
}

TEST(AugmentBatchTest, CropWithPaddingShiftsContentByAtMostThePadding) {
  const int p = 3;
  const torch::Tensor images = HotPixel(200, 9, 4, 4);
  const torch::Tensor out = AugmentBatch(images, Augmentation{p, false, 0}, 11);
  std::set<std::pair<int64_t, int64_t>> shifts;
  for (int64_t i = 0; i < 200; ++i) {
    const auto [row, col] = Where(out[i][0]);
    ASSERT_GE(row, 0) << "example " << i << " lost or smeared its pixel";
    EXPECT_LE(std::abs(row - 4), p);
    EXPECT_LE(std::abs(col - 4), p);
    shifts.insert({row, col});
  }
  EXPECT_GT(shifts.size(), 30u);  // Of the 49 possible.
  // What comes in from outside the image is zero padding: an all-ones image
  // keeps (9 - |dy|) * (9 - |dx|) ones.
  const torch::Tensor ones = AugmentBatch(torch::ones({50, 1, 9, 9}), Augmentation{p, false, 0}, 2);
  for (int64_t i = 0; i < 50; ++i) {
    const torch::Tensor rows = ones[i][0].sum(1), cols = ones[i][0].sum(0);
    EXPECT_GE(rows.count_nonzero().item<int64_t>(), 9 - p);
    EXPECT_EQ(ones[i].sum().item<float>(),
              rows.count_nonzero().item<float>() * cols.count_nonzero().item<float>());
  }
}

TEST(AugmentBatchTest, CutoutZeroesASquareOfTheLengthClippedAtTheBorder) {
  const int length = 4;
  const torch::Tensor out = AugmentBatch(torch::ones({100, 2, 16, 16}), {0, false, length}, 5);
  int whole = 0;
  for (int64_t i = 0; i < 100; ++i) {
    EXPECT_TRUE(out[i][0].equal(out[i][1])) << "channels cut differently, example " << i;
    const torch::Tensor zeros = out[i][0].eq(0).nonzero();
    const int64_t n = zeros.size(0);
    ASSERT_GT(n, 0) << "example " << i;
    const int64_t height =
        zeros.select(1, 0).max().item<int64_t>() - zeros.select(1, 0).min().item<int64_t>() + 1;
    const int64_t width =
        zeros.select(1, 1).max().item<int64_t>() - zeros.select(1, 1).min().item<int64_t>() + 1;
    EXPECT_EQ(n, height * width) << "not a rectangle, example " << i;
    EXPECT_LE(height, length);
    EXPECT_LE(width, length);
    whole += n == length * length;
  }
  EXPECT_GT(whole, 50);  // Centres in 2..13 of 0..15 on both axes keep the whole square.
}

TEST(AugmentBatchTest, SameSeedSameOutputDifferentSeedDifferentOutput) {
  const torch::Tensor images = torch::randn({16, 3, 8, 8});
  const Augmentation a{2, true, 3};
  EXPECT_TRUE(AugmentBatch(images, a, 42).equal(AugmentBatch(images, a, 42)));
  EXPECT_FALSE(AugmentBatch(images, a, 42).equal(AugmentBatch(images, a, 43)));
  EXPECT_NE(AugmentationSeed(1, 0), AugmentationSeed(1, 1));
  EXPECT_NE(AugmentationSeed(1, 0), AugmentationSeed(2, 0));
  EXPECT_NE(AugmentationSeed(1, 5, 0), AugmentationSeed(1, 5, 1));
  EXPECT_EQ(AugmentationSeed(1, 5, 1), AugmentationSeed(1, 5, 1));
}

TEST(AugmentBatchTest, RunsOnCudaLikeOnTheCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA in this LibTorch or no GPU";
  const torch::Tensor images = torch::randn({16, 3, 32, 32});
  const Augmentation a{4, true, 16};
  const torch::Tensor gpu = AugmentBatch(images.cuda(), a, 9);
  EXPECT_TRUE(gpu.is_cuda());
  EXPECT_TRUE(gpu.cpu().equal(AugmentBatch(images, a, 9)));
}

TEST(ResolveAugmentationTest, DefaultIsThePapersCropAndFlipForColour32PixelImagesOnly) {
  const v1::Augmentation unset;
  const Augmentation cifar = ResolveAugmentation(unset, {3, 32, 32});
  EXPECT_EQ(cifar.crop_padding, 4);
  EXPECT_TRUE(cifar.horizontal_flip);
  EXPECT_EQ(cifar.cutout_length, 0);
  EXPECT_FALSE(ResolveAugmentation(unset, {1, 8, 8}).enabled());    // Digits.
  EXPECT_FALSE(ResolveAugmentation(unset, {1, 28, 28}).enabled());  // Idx.
  EXPECT_FALSE(ResolveAugmentation(unset, {3, 64, 64}).enabled());

  v1::Augmentation off;
  off.set_mode(v1::Augmentation::AUGMENTATION_OFF);
  EXPECT_FALSE(ResolveAugmentation(off, {3, 32, 32}).enabled());

  v1::Augmentation on;
  on.set_mode(v1::Augmentation::AUGMENTATION_ON);
  on.set_crop_padding(1);
  on.set_cutout_length(16);
  const Augmentation digits = ResolveAugmentation(on, {1, 8, 8});
  EXPECT_EQ(digits.crop_padding, 1);
  EXPECT_FALSE(digits.horizontal_flip);
  EXPECT_EQ(digits.cutout_length, 16);
}

TEST(ValidateAugmentationTest, NamesTheNegativeField) {
  EXPECT_TRUE(ValidateAugmentation(Augmentation{4, true, 16}).ok());
  EXPECT_THAT(ValidateAugmentation(Augmentation{-1, false, 0}).message(),
              HasSubstr("dataset.augmentation.crop_padding: -1 must be >= 0"));
  EXPECT_THAT(ValidateAugmentation(Augmentation{0, false, -2}).message(),
              HasSubstr("dataset.augmentation.cutout_length: -2 must be >= 0"));
}

TEST(AugmentTrainingBatchesTest, IsEmptyWhenNothingIsAskedAndFollowsTheStepOtherwise) {
  EXPECT_FALSE(AugmentTrainingBatches(Augmentation{}, 1));
  const Augmentation a{1, true, 2};
  const auto hook = AugmentTrainingBatches(a, 1);
  ASSERT_TRUE(hook);
  const torch::Tensor images = torch::randn({8, 1, 6, 6});
  StepContext at;
  at.step = 3;
  EXPECT_TRUE(hook(at, images).equal(AugmentBatch(images, a, AugmentationSeed(1, 3))));
  EXPECT_TRUE(AugmentTrainingBatches(a, 1, 2)(at, images)
                  .equal(AugmentBatch(images, a, AugmentationSeed(1, 3, 2))));
}

}  // namespace
}  // namespace nas
