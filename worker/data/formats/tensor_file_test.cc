#include "worker/data/formats/tensor_file.h"

#include <cstdlib>
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

// Files written by python3-torch's torch.save, once for the whole test.
class TensorFileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::string(std::getenv("TEST_TMPDIR")) + "/tensors");
    const std::string script = R"PY(
import os, sys, torch
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
images = torch.arange(6 * 3 * 2 * 2, dtype=torch.int64).remainder(256).to(torch.uint8).reshape(6, 3, 2, 2)
labels = torch.tensor([0, 1, 2, 0, 1, 2])
torch.save({"images": images, "labels": labels, "class_names": ["a", "b", "c"]}, d + "/named.pt")
torch.save({"images": images.float() / 255, "labels": torch.tensor([0, 4, 1, 0, 1, 0])}, d + "/float.pt")
torch.save({"images": images, "labels": labels[:5]}, d + "/short_labels.pt")
torch.save({"images": images.double(), "labels": labels}, d + "/double.pt")
torch.save({"images": images, "labels": labels.int()}, d + "/int_labels.pt")
torch.save({"images": images, "labels": labels, "class_names": ["a", "b"]}, d + "/two_names.pt")
torch.save({"images": images[0], "labels": labels}, d + "/three_dims.pt")
torch.save([images, labels], d + "/list.pt")
torch.save({"images": images, "labels": labels}, d + "/legacy.pt", _use_new_zipfile_serialization=False)
)PY";
    std::ofstream(*dir_ + ".py") << script;
    const std::string command = "/usr/bin/python3 " + *dir_ + ".py " + *dir_;
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string Path(const std::string& name) { return *dir_ + "/" + name; }

  static absl::Status Error(const std::string& name) {
    std::vector<std::string> names;
    return LoadTensorFile(Path(name), &names).status();
  }

  static std::string* dir_;
};

std::string* TensorFileTest::dir_ = nullptr;

TEST_F(TensorFileTest, ReadsUint8AndFloatImages) {
  std::vector<std::string> names;
  auto named = LoadTensorFile(Path("named.pt"), &names);
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_THAT(names, ElementsAre("a", "b", "c"));
  EXPECT_EQ(named->num_classes, 3);
  EXPECT_EQ(named->images.sizes(), (std::vector<int64_t>{6, 3, 2, 2}));
  EXPECT_EQ(named->images.dtype(), torch::kFloat32);
  EXPECT_NEAR(named->images[0][0][0][1].item<float>(), 1.0f / 255, 1e-7);
  EXPECT_TRUE(torch::equal(named->labels, torch::tensor({0, 1, 2, 0, 1, 2}, torch::kInt64)));

  auto floats = LoadTensorFile(Path("float.pt"), &names);
  ASSERT_TRUE(floats.ok()) << floats.status();
  EXPECT_TRUE(names.empty());
  EXPECT_EQ(floats->num_classes, 5);  // Max label + 1.
  EXPECT_TRUE(torch::allclose(floats->images, named->images));

  v1::Dataset spec;
  spec.set_format(v1::Dataset::TENSOR_FILE);
  spec.set_path(Path("named.pt"));
  auto files = LoadDataset(spec);
  ASSERT_TRUE(files.ok()) << files.status();
  auto split = SplitDatasetFiles(*files, 2, 0, 1);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_THAT(split->class_names, ElementsAre("a", "b", "c"));
  EXPECT_EQ(split->channel_mean.size(), 3u);
}

TEST_F(TensorFileTest, BadFilesNameTheFileAndTheRule) {
  EXPECT_THAT(Error("short_labels.pt").message(),
              AllOf(HasSubstr(Path("short_labels.pt")),
                    HasSubstr("'labels' holds 5 labels but 'images' 6 images")));
  EXPECT_THAT(Error("double.pt").message(),
              AllOf(HasSubstr(Path("double.pt")), HasSubstr("'images' is Double"),
                    HasSubstr("must be uint8 or float32")));
  EXPECT_THAT(Error("int_labels.pt").message(),
              AllOf(HasSubstr("'labels' is Int"), HasSubstr("must be int64")));
  EXPECT_THAT(Error("two_names.pt").message(), HasSubstr("label 2 is outside the 2 classes 0..1"));
  EXPECT_THAT(Error("three_dims.pt").message(), HasSubstr("with 3 dimensions"));
  EXPECT_THAT(Error("list.pt").message(), HasSubstr("must hold a dict"));
  EXPECT_THAT(Error("legacy.pt").message(),
              AllOf(HasSubstr(Path("legacy.pt")), HasSubstr("default zip format")));
  EXPECT_EQ(Error("missing.pt").code(), absl::StatusCode::kNotFound);
  std::ofstream(Path("junk.pt")) << "junk";
  EXPECT_EQ(Error("junk.pt").code(), absl::StatusCode::kInvalidArgument);
  // A file cut short.
  std::ifstream in(Path("named.pt"), std::ios::binary);
  const std::string bytes(std::istreambuf_iterator<char>(in), {});
  std::ofstream(Path("cut.pt"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_THAT(Error("cut.pt").message(), HasSubstr(Path("cut.pt")));
}

}  // namespace
}  // namespace nas
