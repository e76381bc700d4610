#include "worker/data/fingerprint.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/data/dataset_cache.h"

namespace nas {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::string DigitsPath() {
  const char* dir = std::getenv("NAS_SHARED_DATA");
  EXPECT_NE(dir, nullptr) << "run with --test_env=NAS_SHARED_DATA=<absolute path of shared/data>";
  return std::string(dir != nullptr ? dir : "/NAS_SHARED_DATA-is-unset") + "/digits/digits.csv.gz";
}

std::string TempDir(const std::string& name) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::filesystem::create_directories(dir);
  return dir;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

v1::Dataset Digits(const std::string& path) {
  v1::Dataset d;
  d.set_format(v1::Dataset::DIGITS_CSV);
  d.set_path(path);
  d.set_validation_examples(200);
  return d;
}

// The digits, split as a search would.
TrainValidationSplit DigitsSplit() {
  auto all = LoadDataset(Digits(DigitsPath()));
  EXPECT_TRUE(all.ok()) << all.status();
  auto split = SplitDatasetFiles(*all, 200, 0, 7);
  EXPECT_TRUE(split.ok()) << split.status();
  return *std::move(split);
}

std::string Fingerprint(const v1::Dataset& dataset, const TrainValidationSplit& split) {
  auto fingerprint = DatasetFingerprint(dataset, split);
  EXPECT_TRUE(fingerprint.ok()) << fingerprint.status();
  return fingerprint.value_or("");
}

TEST(DatasetFingerprintTest, SameFileGivesTheSameTextWhereverItIs) {
  const TrainValidationSplit split = DigitsSplit();
  const std::string copy = TempDir("same") + "/digits.csv.gz";
  std::filesystem::copy_file(DigitsPath(), copy);
  const std::string original = Fingerprint(Digits(DigitsPath()), split);
  EXPECT_THAT(original, MatchesRegex("digits_csv:1797x1x8x8:10:sha256=[0-9a-f]{16}"));
  EXPECT_EQ(Fingerprint(Digits(copy), split), original);
  EXPECT_EQ(Fingerprint(Digits(DigitsPath()), split), original);
}

TEST(DatasetFingerprintTest, OneChangedByteChangesIt) {
  const TrainValidationSplit split = DigitsSplit();
  const std::string copy = TempDir("changed") + "/digits.csv.gz";
  std::filesystem::copy_file(DigitsPath(), copy);
  const std::string before = Fingerprint(Digits(copy), split);
  {
    std::fstream file(copy, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(100);
    char c = 0;
    file.read(&c, 1);
    file.seekp(100);
    c = static_cast<char>(c ^ 1);
    file.write(&c, 1);
  }
  EXPECT_NE(Fingerprint(Digits(copy), split), before);
}

TEST(DatasetFingerprintTest, DirectoryHashCoversFileNamesAndSizes) {
  const TrainValidationSplit split = DigitsSplit();
  const std::string a = TempDir("dir_a");
  const std::string b = TempDir("dir_b");
  for (const std::string& dir : {a, b}) {
    WriteFile(dir + "/data_batch_1.bin", "0123456789");
    std::filesystem::create_directories(dir + "/sub");
    WriteFile(dir + "/sub/labels.txt", "cat\ndog\n");
  }
  v1::Dataset dataset = Digits(a);
  dataset.set_format(v1::Dataset::CIFAR10_BINARY);
  const std::string in_a = Fingerprint(dataset, split);
  EXPECT_THAT(in_a, HasSubstr("cifar10_binary:"));
  dataset.set_path(b);
  EXPECT_EQ(Fingerprint(dataset, split), in_a);

  WriteFile(b + "/data_batch_2.bin", "x");
  const std::string added = Fingerprint(dataset, split);
  EXPECT_NE(added, in_a);
  WriteFile(b + "/data_batch_2.bin", "xy");
  EXPECT_NE(Fingerprint(dataset, split), added);

  dataset.set_format(v1::Dataset::IDX);
  dataset.set_path(a);
  EXPECT_NE(Fingerprint(dataset, split), in_a) << "the format is part of the hash";
}

TEST(DatasetFingerprintTest, LoadedExamplesArePartOfIt) {
  const TrainValidationSplit split = DigitsSplit();
  TrainValidationSplit fewer;
  fewer.train = split.train;
  const std::string all = Fingerprint(Digits(DigitsPath()), split);
  const std::string train_only = Fingerprint(Digits(DigitsPath()), fewer);
  EXPECT_NE(train_only, all);
  EXPECT_THAT(train_only, HasSubstr(":1597x1x8x8:"));
}

TEST(DatasetFingerprintTest, MissingPathIsNotFound) {
  const TrainValidationSplit split = DigitsSplit();
  auto fingerprint = DatasetFingerprint(Digits(TempDir("gone") + "/nothing.csv"), split);
  EXPECT_EQ(fingerprint.status().code(), absl::StatusCode::kNotFound);
}

TEST(DescribeDataTest, CarriesSizesShapeNormalisationAndClassNames) {
  TrainValidationSplit split = DigitsSplit();
  split.channel_mean = {0.25f};
  split.channel_std = {0.5f};
  split.class_names = {"zero", "one"};
  const v1::DataDescription d = DescribeData(split, "fp");
  EXPECT_EQ(d.fingerprint(), "fp");
  EXPECT_EQ(d.train_examples(), 1597);
  EXPECT_EQ(d.validation_examples(), 200);
  EXPECT_EQ(d.classes(), 10);
  EXPECT_THAT(d.image_shape(), ::testing::ElementsAre(1, 8, 8));
  EXPECT_THAT(d.channel_mean(), ::testing::ElementsAre(0.25f));
  EXPECT_THAT(d.channel_std(), ::testing::ElementsAre(0.5f));
  EXPECT_THAT(d.class_names(), ::testing::ElementsAre("zero", "one"));
}

TEST(DatasetCacheTest, GetCheckedRefusesOtherDataNamingBothFingerprints) {
  DatasetCache cache;
  v1::DataSplit split;
  *split.mutable_dataset() = Digits(DigitsPath());
  split.set_seed(3);
  auto first = cache.GetChecked(split);
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string actual = first->description.fingerprint();
  EXPECT_THAT(actual, HasSubstr("digits_csv:1797x1x8x8:10:sha256="));

  split.set_expected_fingerprint(actual);
  auto same = cache.GetChecked(split);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->split, first->split);

  split.set_expected_fingerprint("digits_csv:1797x1x8x8:10:sha256=0000000000000000");
  auto other = cache.GetChecked(split);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(other.status().message(),
              AllOf(HasSubstr(actual), HasSubstr("sha256=0000000000000000")));
}

}  // namespace
}  // namespace nas
