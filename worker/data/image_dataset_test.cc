#include "worker/data/image_dataset.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// The project's shared data; scripts/test.sh passes it with --test_env.
std::string SharedData() {
  const char* dir = std::getenv("NAS_SHARED_DATA");
  if (dir == nullptr) {
    ADD_FAILURE() << "NAS_SHARED_DATA is not set: run scripts/test.sh, or bazel test "
                     "--test_env=NAS_SHARED_DATA=<absolute path of ../shared/data>";
    return "/NAS_SHARED_DATA-is-unset";
  }
  return dir;
}

std::string DigitsPath() { return SharedData() + "/digits/digits.csv.gz"; }

// A fresh directory under the test's private temp dir.
std::string TempDir(const std::string& name) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  mkdir(dir.c_str(), 0755);
  return dir;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

void WriteGzip(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(f);
}

std::string BigEndian(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

// idx3 images: image i is filled with pixel value 10 * i.
std::string IdxImages(uint32_t magic, int n, int rows, int cols) {
  std::string s = BigEndian(magic) + BigEndian(n) + BigEndian(rows) + BigEndian(cols);
  for (int i = 0; i < n; ++i) s += std::string(rows * cols, static_cast<char>(10 * i));
  return s;
}

std::string IdxLabels(uint32_t magic, const std::vector<int>& labels) {
  std::string s = BigEndian(magic) + BigEndian(labels.size());
  for (int label : labels) s += static_cast<char>(label);
  return s;
}

// Writes a valid 3-image 2x3 idx training set into `dir`.
void WriteSmallIdx(const std::string& dir, bool gzip) {
  const std::string images = IdxImages(0x803, 3, 2, 3);
  const std::string labels = IdxLabels(0x801, {7, 0, 9});
  if (gzip) {
    WriteGzip(dir + "/train-images-idx3-ubyte.gz", images);
    WriteGzip(dir + "/train-labels-idx1-ubyte.gz", labels);
  } else {
    WriteFile(dir + "/train-images-idx3-ubyte", images);
    WriteFile(dir + "/train-labels-idx1-ubyte", labels);
  }
}

TEST(ImageDatasetTest, ReadsTheRealDigits) {
  auto d = LoadDigitsCsv(DigitsPath());
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->size(), 1797);
  EXPECT_EQ(d->images.sizes(), (std::vector<int64_t>{1797, 1, 8, 8}));
  EXPECT_EQ(d->images.dtype(), torch::kFloat32);
  EXPECT_EQ(d->labels.dtype(), torch::kInt64);
  EXPECT_EQ(d->num_classes, 10);
  // The data's README: 178 zeros, 174 eights, 180 nines.
  EXPECT_EQ(d->labels.eq(0).sum().item<int64_t>(), 178);
  EXPECT_EQ(d->labels.eq(8).sum().item<int64_t>(), 174);
  EXPECT_EQ(d->labels.eq(9).sum().item<int64_t>(), 180);
  // Read scaled to [0, 1] (pixel values 0..16); the split normalises per
  // channel with its training examples' statistics.
  EXPECT_EQ(d->images.min().item<float>(), 0.0f);
  EXPECT_EQ(d->images.max().item<float>(), 1.0f);
  auto split = SplitTrainValidation(*d, 300, 0, 1);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_NEAR(split->train.images.mean().item<float>(), 0.0, 1e-4);
  EXPECT_NEAR(split->train.images.std().item<float>(), 1.0, 1e-3);
  ASSERT_EQ(split->channel_mean.size(), 1u);
  ASSERT_EQ(split->channel_std.size(), 1u);
  EXPECT_NEAR(split->channel_mean[0], 4.88 / 16, 0.02);  // The data's mean pixel is about 4.9.
  EXPECT_NEAR(split->validation.images.mean().item<float>(), 0.0, 0.05);
}

TEST(ImageDatasetTest, ReadsFashionMnistIdx) {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  auto d = LoadIdxDataset(dir, /*train=*/true);
  ASSERT_TRUE(d.ok()) << d.status() << " (apt-get install dataset-fashion-mnist)";
  EXPECT_EQ(d->images.sizes(), (std::vector<int64_t>{60000, 1, 28, 28}));
  EXPECT_EQ(torch::bincount(d->labels).eq(6000).sum().item<int64_t>(), 10);
  EXPECT_EQ(d->num_classes, 10);
  // Fashion-MNIST's well-known mean pixel, scaled to [0, 1].
  EXPECT_NEAR(d->images.mean().item<float>(), 0.2860, 1e-3);
  auto test = LoadIdxDataset(dir, /*train=*/false);
  ASSERT_TRUE(test.ok()) << test.status();
  EXPECT_EQ(test->size(), 10000);
}

TEST(ImageDatasetTest, ReadsIdxPlainAndGzipAlike) {
  const std::string plain = TempDir("idx_plain"), gz = TempDir("idx_gz");
  WriteSmallIdx(plain, /*gzip=*/false);
  WriteSmallIdx(gz, /*gzip=*/true);
  auto a = LoadIdxDataset(plain, /*train=*/true);
  auto b = LoadIdxDataset(gz, /*train=*/true);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->images.sizes(), (std::vector<int64_t>{3, 1, 2, 3}));
  EXPECT_TRUE(torch::equal(a->labels, torch::tensor({7, 0, 9}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(a->images, b->images));
  EXPECT_TRUE(torch::equal(a->labels, b->labels));
  // Pixel values 0, 10, 20, scaled to [0, 1].
  EXPECT_NEAR(a->images[1].abs().max().item<float>(), 10.0f / 255, 1e-6);
  // Classes from the data: max label + 1.
  EXPECT_EQ(a->num_classes, 10);
  EXPECT_LT(a->images[0][0][0][0].item<float>(), a->images[2][0][0][0].item<float>());
  // No t10k files were written.
  EXPECT_THAT(LoadIdxDataset(plain, /*train=*/false).status().message(),
              HasSubstr("t10k-images-idx3-ubyte (or "));
}

TEST(ImageDatasetTest, IdxErrorsNameTheFileAndTheRule) {
  const std::string dir = TempDir("idx_bad");
  const std::string images = dir + "/train-images-idx3-ubyte";
  const std::string labels = dir + "/train-labels-idx1-ubyte";
  auto error = [&] { return LoadIdxDataset(dir, /*train=*/true).status(); };

  WriteFile(images, IdxImages(0x801, 3, 2, 3));  // A labels magic number.
  WriteFile(labels, IdxLabels(0x801, {1, 2, 3}));
  EXPECT_EQ(error().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(error().message(), AllOf(HasSubstr(images), HasSubstr("magic number 0x00000803")));

  WriteFile(images, IdxImages(0x803, 3, 2, 3));
  WriteFile(labels, IdxLabels(0x803, {1, 2, 3}));
  EXPECT_THAT(error().message(), AllOf(HasSubstr(labels), HasSubstr("0x00000801")));

  WriteFile(images, IdxImages(0x803, 3, 2, 3).substr(0, 30));  // Truncated.
  WriteFile(labels, IdxLabels(0x801, {1, 2, 3}));
  EXPECT_THAT(error().message(),
              AllOf(HasSubstr(images), HasSubstr("file size 30 bytes does not match"),
                    HasSubstr("3x2x3 data bytes")));

  WriteFile(images, IdxImages(0x803, 3, 2, 3));
  WriteFile(labels, IdxLabels(0x801, {1, 2}));
  EXPECT_THAT(error().message(), HasSubstr("holds 2 labels but"));

  // Classes come from the data (max label + 1): label 12 makes 13 classes.
  WriteFile(labels, IdxLabels(0x801, {1, 12, 3}));
  auto thirteen = LoadIdxDataset(dir, /*train=*/true);
  ASSERT_TRUE(thirteen.ok()) << thirteen.status();
  EXPECT_EQ(thirteen->num_classes, 13);

  // A gzip stream cut short is data loss, not a short dataset.
  std::remove(images.c_str());
  WriteGzip(images + ".gz", IdxImages(0x803, 300, 28, 28));
  std::string compressed;
  {
    std::ifstream in(images + ".gz", std::ios::binary);
    compressed.assign(std::istreambuf_iterator<char>(in), {});
  }
  WriteFile(images + ".gz", compressed.substr(0, compressed.size() / 2));
  EXPECT_EQ(error().code(), absl::StatusCode::kDataLoss) << error();
  EXPECT_THAT(error().message(), HasSubstr(images + ".gz"));

  EXPECT_EQ(LoadIdxDataset("/nonexistent", true).status().code(), absl::StatusCode::kNotFound);
}

// One digits CSV line: the first pixel, 63 zero pixels, the label.
std::string DigitsLine(const std::string& first_pixel, const std::string& label) {
  std::string s = first_pixel;
  for (int i = 1; i < 64; ++i) s += ",0";
  return s + "," + label + "\n";
}

TEST(ImageDatasetTest, DigitsCsvErrorsNameTheLineAndField) {
  const std::string csv = TempDir("csv") + "/bad.csv";
  WriteFile(csv, DigitsLine("3", "5") + "1,2,3\n");
  EXPECT_THAT(
      LoadDigitsCsv(csv).status().message(),
      AllOf(HasSubstr(csv), HasSubstr("line 2: has 3 fields; expected 64 pixels and a label")));
  WriteFile(csv, DigitsLine("17", "5"));
  EXPECT_THAT(LoadDigitsCsv(csv).status().message(),
              HasSubstr("line 1 field 1: '17' is not a pixel value 0..16"));
  WriteFile(csv, DigitsLine("x", "5"));
  EXPECT_THAT(LoadDigitsCsv(csv).status().message(),
              HasSubstr("line 1 field 1: 'x' is not a pixel value 0..16"));
  WriteFile(csv, DigitsLine("3", "10"));
  EXPECT_THAT(LoadDigitsCsv(csv).status().message(),
              HasSubstr("line 1 field 65: '10' is not a label 0..9"));
  WriteFile(csv, DigitsLine("3", "5") + "\n" + DigitsLine("16", "2"));
  auto two = LoadDigitsCsv(csv);
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->size(), 2);
  EXPECT_TRUE(torch::equal(two->labels, torch::tensor({5, 2}, torch::kInt64)));
  WriteFile(csv, "\n");
  EXPECT_THAT(LoadDigitsCsv(csv).status().message(), HasSubstr("holds no examples"));
  EXPECT_EQ(LoadDigitsCsv(csv + ".missing").status().code(), absl::StatusCode::kNotFound);
}

TEST(ImageDatasetTest, ReadsCifar10BinaryRecords) {
  const std::string dir = TempDir("cifar");
  // Record r of batch b: label (b + r) % 10; red plane = 20 * label, green
  // and blue constant 7.
  auto record = [](int label) {
    std::string s(1, static_cast<char>(label));
    s += std::string(1024, static_cast<char>(20 * label));
    s += std::string(2048, static_cast<char>(7));
    return s;
  };
  for (int batch = 1; batch <= 5; ++batch) {
    std::string bytes;
    for (int r = 0; r < 3; ++r) bytes += record((batch + r) % 10);
    WriteFile(dir + "/data_batch_" + std::to_string(batch) + ".bin", bytes);
  }
  WriteFile(dir + "/test_batch.bin", record(4) + record(2));
  auto d = LoadCifar10Binary(dir, /*train=*/true);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->images.sizes(), (std::vector<int64_t>{15, 3, 32, 32}));
  EXPECT_EQ(d->labels[0].item<int64_t>(), 1);
  EXPECT_EQ(d->labels[14].item<int64_t>(), 7);
  // Planes are channels: red follows the label, green and blue equal each other.
  EXPECT_GT(d->images[14][0].mean().item<float>(), d->images[0][0].mean().item<float>());
  EXPECT_TRUE(torch::equal(d->images[3][1], d->images[3][2]));
  EXPECT_NEAR(d->images[3][1].std().item<float>(), 0.0f, 1e-5);

  auto test = LoadCifar10Binary(dir, /*train=*/false);
  ASSERT_TRUE(test.ok()) << test.status();
  EXPECT_TRUE(torch::equal(test->labels, torch::tensor({4, 2}, torch::kInt64)));

  WriteFile(dir + "/test_batch.bin", record(1) + "short");
  EXPECT_THAT(LoadCifar10Binary(dir, /*train=*/false).status().message(),
              AllOf(HasSubstr("test_batch.bin: size 3078 bytes"),
                    HasSubstr("multiple of the 3073-byte CIFAR-10 record")));
  WriteFile(dir + "/test_batch.bin", record(1) + record(11));
  EXPECT_THAT(LoadCifar10Binary(dir, /*train=*/false).status().message(),
              HasSubstr("label 11 is outside"));
  std::remove((dir + "/data_batch_4.bin").c_str());
  auto missing = LoadCifar10Binary(dir, /*train=*/true);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("data_batch_4.bin"));
}

TEST(ImageDatasetTest, ReadsCifar100FineOrCoarseLabels) {
  const std::string dir = TempDir("cifar100");
  // Record i: coarse label i % 20, fine label 99 - i; all planes 2 * i.
  std::string bytes;
  for (int i = 0; i < 4; ++i) {
    bytes += static_cast<char>(i % 20);
    bytes += static_cast<char>(99 - i);
    bytes += std::string(3072, static_cast<char>(2 * i));
  }
  WriteFile(dir + "/train.bin", bytes);
  v1::Dataset spec;
  spec.set_format(v1::Dataset::CIFAR100_BINARY);
  spec.set_path(dir);
  auto fine = LoadDataset(spec);
  ASSERT_TRUE(fine.ok()) << fine.status();
  EXPECT_EQ(fine->examples.images.sizes(), (std::vector<int64_t>{4, 3, 32, 32}));
  EXPECT_EQ(fine->examples.num_classes, 100);
  EXPECT_TRUE(torch::equal(fine->examples.labels, torch::tensor({99, 98, 97, 96}, torch::kInt64)));
  ASSERT_EQ(fine->class_names.size(), 100u);
  EXPECT_EQ(fine->class_names[0], "apple");
  EXPECT_EQ(fine->class_names[99], "worm");
  EXPECT_NEAR(fine->examples.images[3].max().item<float>(), 6.0f / 255, 1e-6);

  spec.set_cifar100_labels(v1::Dataset::COARSE);
  auto coarse = LoadDataset(spec);
  ASSERT_TRUE(coarse.ok()) << coarse.status();
  EXPECT_EQ(coarse->examples.num_classes, 20);
  EXPECT_TRUE(torch::equal(coarse->examples.labels, torch::tensor({0, 1, 2, 3}, torch::kInt64)));
  ASSERT_EQ(coarse->class_names.size(), 20u);
  EXPECT_EQ(coarse->class_names[19], "vehicles_2");

  // Bad data names the file and the rule.
  WriteFile(dir + "/train.bin", bytes.substr(0, 3074 * 2 + 5));
  EXPECT_THAT(LoadDataset(spec).status().message(),
              AllOf(HasSubstr(dir + "/train.bin: size 6153 bytes"),
                    HasSubstr("3074-byte CIFAR-100 record")));
  bytes[0] = 20;  // Coarse labels are 0..19.
  WriteFile(dir + "/train.bin", bytes);
  EXPECT_THAT(LoadDataset(spec).status().message(),
              AllOf(HasSubstr("train.bin"), HasSubstr("label 20 is outside the 20 classes")));
  spec.set_path(dir + "/missing");
  EXPECT_EQ(LoadDataset(spec).status().code(), absl::StatusCode::kNotFound);
}

TEST(ImageDatasetTest, SeparateValidationFilesAreSampledAndNormalisedWithTraining) {
  DatasetFiles files;
  // Training images are 0..9 in channel 0 and 100 in channel 1.
  files.examples =
      ImageDataset{torch::stack({torch::arange(10, torch::kFloat32), torch::full({10}, 100.0f)}, 1)
                       .reshape({10, 2, 1, 1}),
                   torch::arange(10, torch::kInt64) % 2, 2};
  // Validation images sit at the training means: normalised, they are 0.
  files.validation =
      ImageDataset{torch::tensor({4.5f, 100.0f}).reshape({1, 2, 1, 1}).repeat({6, 1, 1, 1}),
                   torch::zeros({6}, torch::kInt64), 2};
  files.class_names = {"cat", "dog"};
  auto all = SplitDatasetFiles(files, /*validation_examples=*/0, /*train_examples=*/0, 3);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->validation.size(), 6);
  EXPECT_EQ(all->train.size(), 10);
  EXPECT_EQ(all->class_names, files.class_names);
  ASSERT_EQ(all->channel_mean.size(), 2u);
  EXPECT_NEAR(all->channel_mean[0], 4.5f, 1e-5);
  EXPECT_NEAR(all->channel_mean[1], 100.0f, 1e-5);
  EXPECT_NEAR(all->channel_std[0], std::sqrt(8.25f), 1e-4);
  EXPECT_EQ(all->channel_std[1], 1.0f);  // No spread: left as it is.
  EXPECT_NEAR(all->validation.images.abs().max().item<float>(), 0.0f, 1e-5);

  auto some = SplitDatasetFiles(files, 4, 7, 3);
  ASSERT_TRUE(some.ok()) << some.status();
  EXPECT_EQ(some->validation.size(), 4);
  EXPECT_EQ(some->train.size(), 7);
  EXPECT_THAT(SplitDatasetFiles(files, 7, 0, 3).status().message(),
              HasSubstr("dataset.validation_examples: 7 must be in 0..6"));
  EXPECT_THAT(SplitDatasetFiles(files, 0, 11, 3).status().message(),
              HasSubstr("dataset.train_examples: 11 must be in 0..10"));
}

// A dataset whose example i is the 1x1 image i, so examples can be identified.
ImageDataset Numbered(int n) {
  return ImageDataset{torch::arange(n, torch::kFloat32).reshape({n, 1, 1, 1}),
                      torch::arange(n, torch::kInt64) % 10, 10};
}

// The example numbers of a split's half (its images are normalised with the
// split's channel statistics).
std::vector<int64_t> IdList(const ImageDataset& d, const TrainValidationSplit& split) {
  const torch::Tensor raw = d.images.flatten() * split.channel_std[0] + split.channel_mean[0];
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < d.size(); ++i) ids.push_back(std::lround(raw[i].item<float>()));
  return ids;
}

std::set<int64_t> Ids(const ImageDataset& d, const TrainValidationSplit& split) {
  const std::vector<int64_t> ids = IdList(d, split);
  return std::set<int64_t>(ids.begin(), ids.end());
}

TEST(ImageDatasetTest, SplitIsDeterministicDisjointAndSized) {
  const ImageDataset all = Numbered(100);
  auto a = SplitTrainValidation(all, 20, 50, 7);
  auto b = SplitTrainValidation(all, 20, 50, 7);
  auto rest = SplitTrainValidation(all, 20, 0, 7);
  auto other = SplitTrainValidation(all, 20, 0, 8);
  ASSERT_TRUE(a.ok() && b.ok() && rest.ok() && other.ok());
  EXPECT_EQ(a->validation.size(), 20);
  EXPECT_EQ(a->train.size(), 50);
  EXPECT_EQ(rest->train.size(), 80);
  EXPECT_TRUE(torch::equal(a->validation.images, b->validation.images));
  EXPECT_TRUE(torch::equal(a->train.labels, b->train.labels));
  // The validation set depends on the seed only, not on train_examples.
  EXPECT_EQ(Ids(a->validation, *a), Ids(rest->validation, *rest));
  EXPECT_NE(Ids(rest->validation, *rest), Ids(other->validation, *other));
  // Labels travel with their images.
  EXPECT_TRUE(torch::equal(torch::tensor(IdList(a->train, *a)) % 10, a->train.labels));
  // Disjoint, and together all examples.
  std::set<int64_t> validation = Ids(rest->validation, *rest), train = Ids(rest->train, *rest);
  EXPECT_EQ(validation.size(), 20u);
  EXPECT_EQ(train.size(), 80u);
  std::set<int64_t> both(validation.begin(), validation.end());
  both.insert(train.begin(), train.end());
  EXPECT_EQ(both.size(), 100u);
  // Shuffled, not the first 20.
  std::set<int64_t> first_20;
  for (int64_t i = 0; i < 20; ++i) first_20.insert(i);
  EXPECT_NE(validation, first_20);
  // Normalised with the training examples' statistics only.
  EXPECT_NEAR(rest->train.images.mean().item<float>(), 0.0, 1e-4);
  EXPECT_NEAR(rest->train.images.std(/*unbiased=*/false).item<float>(), 1.0, 1e-4);
  const torch::Tensor train_ids = torch::tensor(IdList(rest->train, *rest), torch::kFloat32);
  EXPECT_NEAR(rest->channel_mean[0], train_ids.mean().item<float>(), 1e-3);
  EXPECT_NEAR(rest->channel_std[0], train_ids.std(/*unbiased=*/false).item<float>(), 1e-3);

  EXPECT_THAT(SplitTrainValidation(all, 100, 0, 1).status().message(),
              HasSubstr("dataset.validation_examples: 100 must be in 1..99"));
  EXPECT_THAT(SplitTrainValidation(all, 0, 0, 1).status().message(),
              HasSubstr("dataset.validation_examples: 0"));
  EXPECT_THAT(SplitTrainValidation(all, 20, 81, 1).status().message(),
              HasSubstr("dataset.train_examples: 81 must be in 0..80"));
  EXPECT_THAT(SplitTrainValidation(all, 20, -1, 1).status().message(),
              HasSubstr("dataset.train_examples: -1"));
}

TEST(ImageDatasetTest, LoadDatasetDispatchesOnFormat) {
  v1::Dataset spec;
  spec.set_format(v1::Dataset::DIGITS_CSV);
  spec.set_path(DigitsPath());
  auto digits = LoadDataset(spec);
  ASSERT_TRUE(digits.ok()) << digits.status();
  EXPECT_EQ(digits->examples.size(), 1797);
  EXPECT_EQ(digits->class_names.size(), 10u);
  EXPECT_EQ(digits->class_names[7], "7");

  spec.set_format(v1::Dataset::IDX);
  spec.set_path(TempDir("idx_spec"));
  WriteSmallIdx(spec.path(), /*gzip=*/true);
  auto idx = LoadDataset(spec);
  ASSERT_TRUE(idx.ok()) << idx.status();
  EXPECT_EQ(idx->examples.size(), 3);
  EXPECT_TRUE(idx->class_names.empty());

  spec.set_format(v1::Dataset::CIFAR10_BINARY);
  EXPECT_THAT(LoadDataset(spec).status().message(), HasSubstr("data_batch_1.bin"));

  spec.set_format(v1::Dataset::FORMAT_UNSPECIFIED);
  EXPECT_EQ(LoadDataset(spec).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(LoadDataset(spec).status().message(), HasSubstr("dataset.format"));
  spec.set_format(v1::Dataset::IDX);
  spec.clear_path();
  EXPECT_THAT(LoadDataset(spec).status().message(), HasSubstr("dataset.path: must be set"));
}

}  // namespace
}  // namespace nas
