#include "worker/data/formats/image_folder.h"

#include <jpeglib.h>
#include <png.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/data/image_dataset.h"

namespace nas {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string MakeDir(const std::string& path) {
  mkdir(path.c_str(), 0755);
  return path;
}

std::string TempDir(const std::string& name) {
  return MakeDir(std::string(std::getenv("TEST_TMPDIR")) + "/" + name);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A width x height PNG of `channels` (1 or 3) whose every byte is `value`.
void WritePng(const std::string& path, int width, int height, int channels, uint8_t value) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  std::vector<uint8_t> pixels(static_cast<size_t>(width) * height * channels, value);
  ASSERT_TRUE(png_image_write_to_file(&image, path.c_str(), 0, pixels.data(), 0, nullptr))
      << image.message;
}

// A width x height RGB JPEG: red `red`, green 0, blue 255.
void WriteJpeg(const std::string& path, int width, int height, uint8_t red) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  jpeg_compress_struct info;
  jpeg_error_mgr errors;
  info.err = jpeg_std_error(&errors);
  jpeg_create_compress(&info);
  jpeg_stdio_dest(&info, f);
  info.image_width = width;
  info.image_height = height;
  info.input_components = 3;
  info.in_color_space = JCS_RGB;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, 100, TRUE);
  jpeg_start_compress(&info, TRUE);
  std::vector<uint8_t> row;
  for (int x = 0; x < width; ++x) row.insert(row.end(), {red, 0, 255});
  while (info.next_scanline < info.image_height) {
    JSAMPROW rows[1] = {row.data()};
    jpeg_write_scanlines(&info, rows, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  std::fclose(f);
}

// Classes "cat" (2 PNGs) and "dog" (1 JPEG), 4x3 RGB, under `dir`.
void WriteCatsAndDogs(const std::string& dir) {
  MakeDir(dir);
  MakeDir(dir + "/cat");
  MakeDir(dir + "/dog");
  WritePng(dir + "/cat/a.png", 4, 3, 3, 51);
  WritePng(dir + "/cat/b.png", 4, 3, 3, 102);
  WriteJpeg(dir + "/dog/x.jpg", 4, 3, 200);
  WriteFile(dir + "/cat/.hidden", "not an image, skipped");
}

TEST(ImageFolderTest, ReadsPngAndJpegClassFolders) {
  const std::string dir = TempDir("pets");
  WriteCatsAndDogs(dir);
  std::vector<std::string> classes;
  auto d = LoadImageFolder(dir, &classes);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_THAT(classes, ElementsAre("cat", "dog"));
  EXPECT_EQ(d->num_classes, 2);
  EXPECT_EQ(d->images.sizes(), (std::vector<int64_t>{3, 3, 3, 4}));
  EXPECT_TRUE(torch::equal(d->labels, torch::tensor({0, 0, 1}, torch::kInt64)));
  EXPECT_NEAR(d->images[0].max().item<float>(), 0.2f, 1e-6);
  EXPECT_NEAR(d->images[1].min().item<float>(), 0.4f, 1e-6);
  // The JPEG's planes: red about 200, green 0, blue 255 (lossy, so roughly).
  EXPECT_NEAR(d->images[2][0].mean().item<float>(), 200.0f / 255, 0.05);
  EXPECT_NEAR(d->images[2][1].mean().item<float>(), 0.0f, 0.05);
  EXPECT_NEAR(d->images[2][2].mean().item<float>(), 1.0f, 0.05);

  // Through the registry, with a validation folder of the same classes.
  const std::string validation = TempDir("pets_validation");
  WriteCatsAndDogs(validation);
  v1::Dataset spec;
  spec.set_format(v1::Dataset::IMAGE_FOLDER);
  spec.set_path(dir);
  spec.set_validation_path(validation);
  auto files = LoadDataset(spec);
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->validation.size(), 3);
  auto split = SplitDatasetFiles(*files, 0, 0, 1);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->validation.size(), 3);
  EXPECT_EQ(split->train.size(), 3);
  EXPECT_THAT(split->class_names, ElementsAre("cat", "dog"));
  EXPECT_EQ(split->channel_mean.size(), 3u);

  MakeDir(validation + "/emu");
  WritePng(validation + "/emu/e.png", 4, 3, 3, 1);
  EXPECT_THAT(LoadDataset(spec).status().message(),
              AllOf(HasSubstr("dataset.validation_path"), HasSubstr("(cat, dog, emu)")));
}

TEST(ImageFolderTest, GrayscalePngsHaveOneChannel) {
  const std::string dir = TempDir("gray");
  MakeDir(dir + "/0");
  WritePng(dir + "/0/a.png", 5, 5, 1, 255);
  std::vector<std::string> classes;
  auto d = LoadImageFolder(dir, &classes);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->images.sizes(), (std::vector<int64_t>{1, 1, 5, 5}));
  EXPECT_EQ(d->images.min().item<float>(), 1.0f);
}

TEST(ImageFolderTest, BadDataNamesTheFileAndTheRule) {
  std::vector<std::string> classes;
  auto error = [&](const std::string& dir) { return LoadImageFolder(dir, &classes).status(); };
  const std::string missing = TempDir("nothing_here") + "/missing";
  EXPECT_EQ(error(missing).code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(error(missing).message(), HasSubstr(missing + ": no such directory"));

  const std::string no_classes = TempDir("no_classes");
  EXPECT_THAT(error(no_classes).message(), AllOf(HasSubstr(no_classes), HasSubstr("no class")));

  const std::string dir = TempDir("bad");
  WriteCatsAndDogs(dir);
  MakeDir(dir + "/emu");
  EXPECT_THAT(error(dir).message(), AllOf(HasSubstr(dir + "/emu: class folder holds no images")));

  WritePng(dir + "/emu/big.png", 8, 3, 3, 1);
  EXPECT_THAT(error(dir).message(), AllOf(HasSubstr(dir + "/emu/big.png: is 8x3 with 3 channel(s)"),
                                          HasSubstr("like the first, 4x3 with 3")));
  WritePng(dir + "/emu/big.png", 4, 3, 1, 1);
  EXPECT_THAT(error(dir).message(), HasSubstr("big.png: is 4x3 with 1 channel(s)"));
  std::remove((dir + "/emu/big.png").c_str());

  WriteFile(dir + "/emu/notes.txt", "hello");
  EXPECT_THAT(error(dir).message(), HasSubstr(dir + "/emu/notes.txt: not a PNG or JPEG image"));
  std::remove((dir + "/emu/notes.txt").c_str());

  const std::string png = ReadAll(dir + "/cat/a.png");
  WriteFile(dir + "/emu/cut.png", png.substr(0, png.size() - 20));
  EXPECT_EQ(error(dir).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(error(dir).message(), AllOf(HasSubstr(dir + "/emu/cut.png: "), HasSubstr("PNG")));
  std::remove((dir + "/emu/cut.png").c_str());

  WriteJpeg(dir + "/emu/big.jpg", 64, 48, 9);
  const std::string jpeg = ReadAll(dir + "/emu/big.jpg");
  std::remove((dir + "/emu/big.jpg").c_str());
  WriteFile(dir + "/emu/cut.jpg", jpeg.substr(0, jpeg.size() / 2));
  EXPECT_THAT(error(dir).message(),
              AllOf(HasSubstr(dir + "/emu/cut.jpg: truncated or corrupt JPEG")));
}

}  // namespace
}  // namespace nas
