// Training on an image folder too large for the worker's memory budget: the
// images stream from their files through the prefetching loader and the
// result is the one the same folder gives in memory.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/image_folders.h"
#include "worker/data/formats/image_folder.h"
#include "worker/data/image_dataset.h"
#include "worker/training/trainer.h"

namespace nas {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

class StreamedTrainingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(2);
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/digits_folder";
    if (!std::filesystem::exists(dir_)) {
      ASSERT_TRUE(testing::WriteDigitsImageFolder(dir_, 1200).ok());
    }
    spec_.set_format(v1::Dataset::IMAGE_FOLDER);
    spec_.set_path(dir_);
  }

  // The folder split with seed 3, in memory or streamed (a 1-byte budget).
  TrainValidationSplit Split(bool streamed) {
    DatasetReadOptions read;
    read.max_in_memory_bytes = streamed ? 1 : 0;
    auto files = LoadDataset(spec_, read);
    EXPECT_TRUE(files.ok()) << files.status();
    EXPECT_EQ(files->streamed(), streamed);
    PrefetchOptions prefetch;
    prefetch.threads = 2;
    prefetch.capacity = 3;
    auto split = SplitDatasetFiles(*files, 300, 800, 3, prefetch);
    EXPECT_TRUE(split.ok()) << split.status();
    return *std::move(split);
  }

  static TrainOptions Options() {
    TrainOptions o;
    o.epochs = 4;
    o.batch_size = 32;
    o.learning_rate = 0.05;
    o.init_channels = 8;
    o.cells = 3;
    o.seed = 11;
    // Crop and cutout (digits are not mirror images): done by the loader's
    // threads when streaming, on the batches in the loop otherwise.
    o.augmentation = {1, false, 2};
    return o;
  }

  std::string dir_;
  v1::Dataset spec_;
};

TEST_F(StreamedTrainingTest, AStreamedSplitIsTheInMemorySplit) {
  const TrainValidationSplit memory = Split(false), streamed = Split(true);
  ASSERT_TRUE(streamed.streams_training());
  EXPECT_FALSE(streamed.train.images.defined());
  EXPECT_EQ(streamed.image_shape(), (std::vector<int64_t>{1, 8, 8}));
  EXPECT_TRUE(streamed.train.labels.equal(memory.train.labels));
  EXPECT_TRUE(streamed.validation.labels.equal(memory.validation.labels));
  EXPECT_TRUE(torch::allclose(streamed.validation.images, memory.validation.images, 1e-5, 1e-5));
  ASSERT_EQ(streamed.channel_mean.size(), 1u);
  EXPECT_NEAR(streamed.channel_mean[0], memory.channel_mean[0], 1e-5);
  EXPECT_NEAR(streamed.channel_std[0], memory.channel_std[0], 1e-5);
  auto first = FirstTrainingImages(streamed, 100);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(torch::allclose(*first, memory.train.images.slice(0, 0, 100), 1e-5, 1e-5));
}

// A perceptron that records the images of its training steps.
NetworkBuilder RecordingPerceptron(std::vector<torch::Tensor>* training_inputs) {
  return [training_inputs]() -> absl::StatusOr<TrainableNetwork> {
    auto net = torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(64, 32),
                                     torch::nn::ReLU(), torch::nn::Linear(32, 10));
    return TrainableNetwork{net.ptr(), [training_inputs, net](const torch::Tensor& x) mutable {
                              if (net->is_training()) training_inputs->push_back(x.clone());
                              return net->forward(x);
                            }};
  };
}

TEST_F(StreamedTrainingTest, StreamedBatchesAreTheInMemoryBatchesAndLearnAsWell) {
  std::vector<torch::Tensor> memory_inputs, streamed_inputs;
  auto memory =
      TrainNetworkAndEvaluate(RecordingPerceptron(&memory_inputs), Split(false), Options());
  ASSERT_TRUE(memory.ok()) << memory.status();
  auto streamed =
      TrainNetworkAndEvaluate(RecordingPerceptron(&streamed_inputs), Split(true), Options());
  ASSERT_TRUE(streamed.ok()) << streamed.status();
  // The same batches in the same order, augmented with the same draws; only
  // the float rounding of the normalisation statistics may differ.
  ASSERT_EQ(streamed_inputs.size(), memory_inputs.size());
  ASSERT_EQ(streamed_inputs.size(), 4u * 25);
  for (size_t i = 0; i < streamed_inputs.size(); ++i) {
    ASSERT_TRUE(torch::allclose(streamed_inputs[i], memory_inputs[i], 1e-4, 1e-4)) << "step " << i;
  }
  EXPECT_FALSE(streamed_inputs[0].equal(streamed_inputs[25]));  // Reshuffled and redrawn.
  RecordProperty("streamed_accuracy", std::to_string(streamed->validation_accuracy));
  EXPECT_GT(streamed->validation_accuracy, 0.7);  // Chance is 0.1.
  EXPECT_NEAR(streamed->validation_accuracy, memory->validation_accuracy, 0.02);
  EXPECT_EQ(streamed->train_examples, 800);
}

TEST_F(StreamedTrainingTest, AFileBrokenAfterListingFailsTheRunNamingIt) {
  const std::string copy = std::string(std::getenv("TEST_TMPDIR")) + "/broken_folder";
  std::filesystem::remove_all(copy);
  std::filesystem::copy(dir_, copy, std::filesystem::copy_options::recursive);
  spec_.set_path(copy);
  const TrainValidationSplit split = Split(true);
  // A training image truncated after the split was drawn, as a file changed
  // on a shared disk.
  const auto* folder = dynamic_cast<const ImageFolderSource*>(split.train_stream.get());
  ASSERT_NE(folder, nullptr);
  const std::string victim = folder->file(split.train_rows[500]);
  std::filesystem::resize_file(victim, 20);
  std::vector<torch::Tensor> inputs;
  TrainOptions o = Options();
  o.epochs = 1;
  const absl::Status failed =
      TrainNetworkAndEvaluate(RecordingPerceptron(&inputs), split, o).status();
  EXPECT_EQ(failed.code(), absl::StatusCode::kInvalidArgument) << failed;
  EXPECT_THAT(failed.message(), HasSubstr(victim)) << failed;
  EXPECT_LT(inputs.size(), 25u);  // It stopped within the epoch, at the broken batch.
}

TEST_F(StreamedTrainingTest, JobsThatHoldDataInMemoryRefuseAStreamedSplit) {
  const absl::Status refused = RequireInMemory(Split(true), spec_, "a supernet search");
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(),
              AllOf(HasSubstr("dataset.path " + dir_), HasSubstr("a supernet search"),
                    HasSubstr("--dataset_memory_mb")));
  EXPECT_TRUE(RequireInMemory(Split(false), spec_, "a supernet search").ok());
}

}  // namespace
}  // namespace nas
