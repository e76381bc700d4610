#include "worker/data/image_dataset.h"

#include <cstdlib>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

std::string SharedData() {
  const char* dir = std::getenv("NAS_SHARED_DATA");
  EXPECT_NE(dir, nullptr) << "run through scripts/test.sh (NAS_SHARED_DATA)";
  return dir ? dir : "";
}

std::string TempPath(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
}

TEST(ImageDatasetTest, ReadsTheRealDigits) {
  auto d = LoadDigitsCsv(SharedData() + "/digits/digits.csv.gz");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->size(), 1797);
  EXPECT_EQ(d->images.sizes(), (std::vector<int64_t>{1797, 1, 8, 8}));
  EXPECT_EQ(d->num_classes, 10);
  // Per the data's README: 178 zeros, 180 nines.
  EXPECT_EQ(d->labels.eq(0).sum().item<int64_t>(), 178);
  EXPECT_EQ(d->labels.eq(9).sum().item<int64_t>(), 180);
  EXPECT_NEAR(d->images.mean().item<float>(), 0.0, 1e-4);
  EXPECT_NEAR(d->images.std().item<float>(), 1.0, 1e-3);
}

TEST(ImageDatasetTest, ReadsFashionMnistIdx) {
  auto d = LoadIdxDataset("/usr/share/datasets/fashion-mnist", /*train=*/true);
  ASSERT_TRUE(d.ok()) << d.status() << " (apt-get install dataset-fashion-mnist)";
  EXPECT_EQ(d->images.sizes(), (std::vector<int64_t>{60000, 1, 28, 28}));
  for (int c = 0; c < 10; ++c) EXPECT_EQ(d->labels.eq(c).sum().item<int64_t>(), 6000);
  auto test = LoadIdxDataset("/usr/share/datasets/fashion-mnist", /*train=*/false);
  ASSERT_TRUE(test.ok());
  EXPECT_EQ(test->size(), 10000);
}

TEST(ImageDatasetTest, ReadsCifar10BinaryRecords) {
  const std::string dir = TempPath("cifar");
  std::system(("mkdir -p " + dir).c_str());
  for (int batch = 1; batch <= 5; ++batch) {
    std::ofstream out(dir + "/data_batch_" + std::to_string(batch) + ".bin", std::ios::binary);
    for (int r = 0; r < 3; ++r) {
      const char label = static_cast<char>((batch + r) % 10);
      out.put(label);
      for (int p = 0; p < 3072; ++p) out.put(static_cast<char>(p < 1024 ? label * 20 : 7));
    }
  }
  auto d = LoadCifar10Binary(dir, /*train=*/true);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->images.sizes(), (std::vector<int64_t>{15, 3, 32, 32}));
  EXPECT_EQ(d->labels[0].item<int64_t>(), 1);
  EXPECT_EQ(d->labels[14].item<int64_t>(), 7);
  // The red plane follows the label; green and blue are constant.
  EXPECT_GT(d->images[14][0].mean().item<float>(), d->images[0][0].mean().item<float>());
  EXPECT_NEAR(d->images[3][1].std().item<float>(), 0.0f, 1e-5);

  std::ofstream(dir + "/test_batch.bin", std::ios::binary) << "short";
  auto bad = LoadCifar10Binary(dir, /*train=*/false);
  EXPECT_THAT(bad.status().message(), HasSubstr("is not a multiple of the 3073-byte"));
}

TEST(ImageDatasetTest, BadFilesGetClearErrors) {
  const std::string csv = TempPath("bad.csv");
  std::ofstream(csv) << "1,2,3\n";
  EXPECT_THAT(LoadDigitsCsv(csv).status().message(),
              HasSubstr("line 1: has 3 fields; expected 64 pixels and a label"));
  const std::string dir = TempPath("idx");
  std::system(("mkdir -p " + dir).c_str());
  std::ofstream(dir + "/train-images-idx3-ubyte") << "not an idx file at all";
  std::ofstream(dir + "/train-labels-idx1-ubyte") << "nope";
  EXPECT_THAT(LoadIdxDataset(dir, true).status().message(), HasSubstr("not an idx3 image file"));
  EXPECT_EQ(LoadIdxDataset("/nonexistent", true).status().code(), absl::StatusCode::kNotFound);
}

TEST(ImageDatasetTest, SplitIsDeterministicDisjointAndSized) {
  auto d = LoadDigitsCsv(SharedData() + "/digits/digits.csv.gz");
  ASSERT_TRUE(d.ok());
  auto a = SplitTrainValidation(*d, 300, 1000, 7);
  auto b = SplitTrainValidation(*d, 300, 1000, 7);
  auto c = SplitTrainValidation(*d, 300, 0, 8);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->validation.size(), 300);
  EXPECT_EQ(a->train.size(), 1000);
  EXPECT_EQ(c->train.size(), 1797 - 300);
  EXPECT_TRUE(torch::equal(a->validation.images, b->validation.images));
  EXPECT_FALSE(torch::equal(a->validation.images, c->validation.images));
  // No validation image is also a training image (digits has few duplicates;
  // compare flattened rows exactly).
  auto v = a->validation.images.reshape({300, 64});
  auto t = a->train.images.reshape({1000, 64});
  auto distances = torch::cdist(v, t);
  EXPECT_LT(distances.eq(0).sum().item<int64_t>(), 5);
  EXPECT_THAT(SplitTrainValidation(*d, 2000, 0, 1).status().message(),
              HasSubstr("dataset.validation_examples: 2000 must be in 1..1796"));
  EXPECT_THAT(SplitTrainValidation(*d, 300, 1600, 1).status().message(),
              HasSubstr("dataset.train_examples: 1600"));
}

}  // namespace
}  // namespace nas
