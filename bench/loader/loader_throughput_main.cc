// loader_throughput: how fast a streamed image folder reaches the training
// step, and how much memory streaming it takes.
//   --write_folder=DIR --examples=N   writes the first N Fashion-MNIST
//       training images as one grayscale PNG each, DIR/<class>/<index>.png.
//   --folder=DIR --memory_mb=B        reads DIR as a worker with
//       --dataset_memory_mb=B would (streamed when its decoded images exceed
//       B MiB, else in memory), splits off 1000 validation examples, then
//       hands out one epoch of training batches, normalised (and augmented
//       with --crop_flip) by --threads decoding threads. Prints one JSON line:
//       batches/s of that epoch, and the process's peak resident memory.
#include <sys/resource.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/testing/image_folders.h"
#include "worker/data/image_dataset.h"
#include "worker/data/prefetch_loader.h"
#include "worker/training/augmentation.h"

ABSL_FLAG(std::string, data, "/usr/share/datasets/fashion-mnist", "Fashion-MNIST idx directory");
ABSL_FLAG(std::string, write_folder, "", "write an image folder here and exit");
ABSL_FLAG(int, examples, 6000, "images written by --write_folder");
ABSL_FLAG(std::string, folder, "", "the image folder to read");
ABSL_FLAG(int, memory_mb, 16, "the worker's --dataset_memory_mb (0 = always in memory)");
ABSL_FLAG(int, threads, 2, "decoding threads (the worker's --loader_threads)");
ABSL_FLAG(int, queue_batches, 8, "batches held ahead of the step");
ABSL_FLAG(int, batch_size, 64, "examples per batch");
ABSL_FLAG(bool, crop_flip, false, "augment as the papers do for colour images: crop 4, flip");

namespace nas {
namespace {

using Clock = std::chrono::steady_clock;

double PeakResidentMiB() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // Linux reports KiB.
}

int WriteFolder(const std::string& dir, int examples) {
  auto all = LoadIdxDataset(absl::GetFlag(FLAGS_data), /*train=*/true);
  if (!all.ok()) {
    std::cerr << all.status() << std::endl;
    return 1;
  }
  examples = std::min<int>(examples, all->size());
  const absl::Status written = testing::WriteGrayscaleImageFolder(
      dir, (all->images.slice(0, 0, examples) * 255).round().to(torch::kUInt8), all->labels);
  if (!written.ok()) {
    std::cerr << written << std::endl;
    return 1;
  }
  return 0;
}

int ReadFolder(const std::string& dir) {
  v1::Dataset spec;
  spec.set_format(v1::Dataset::IMAGE_FOLDER);
  spec.set_path(dir);
  DatasetReadOptions read;
  read.max_in_memory_bytes = static_cast<int64_t>(absl::GetFlag(FLAGS_memory_mb)) << 20;
  PrefetchOptions prefetch;
  prefetch.threads = absl::GetFlag(FLAGS_threads);
  prefetch.capacity = absl::GetFlag(FLAGS_queue_batches);
  const int64_t batch_size = absl::GetFlag(FLAGS_batch_size);
  auto files = LoadDataset(spec, read);
  if (!files.ok()) {
    std::cerr << files.status() << std::endl;
    return 1;
  }
  auto split = SplitDatasetFiles(*files, /*validation_examples=*/1000, 0, /*seed=*/1, prefetch);
  if (!split.ok()) {
    std::cerr << split.status() << std::endl;
    return 1;
  }
  Augmentation augmentation;
  if (absl::GetFlag(FLAGS_crop_flip)) {
    augmentation.crop_padding = kPaperCropPadding;
    augmentation.horizontal_flip = true;
  }
  const int64_t examples = split->train.size();
  const int64_t batches = (examples + batch_size - 1) / batch_size;
  int64_t handed_out = 0;
  const Clock::time_point start = Clock::now();
  if (split->streams_training()) {
    const ChannelNormalisation normalise(split->channel_mean, split->channel_std);
    PrefetchLoader loader(
        split->train_stream, split->train_rows, batch_size,
        [&](int64_t batch, torch::Tensor images) {
          normalise.Apply(images);
          return augmentation.enabled()
                     ? AugmentBatch(images, augmentation, AugmentationSeed(1, batch))
                     : images;
        },
        prefetch);
    for (int64_t b = 0; b < batches; ++b) {
      auto batch = loader.Next();
      if (!batch.ok()) {
        std::cerr << batch.status() << std::endl;
        return 1;
      }
      handed_out += batch->images.size(0);
    }
  } else {  // As the training loop takes batches of an in-memory split.
    const torch::Tensor order = torch::randperm(examples, torch::kInt64);
    for (int64_t b = 0; b < batches; ++b) {
      const torch::Tensor index = order.slice(0, b * batch_size, (b + 1) * batch_size);
      torch::Tensor images = split->train.images.index_select(0, index);
      if (augmentation.enabled()) {
        images = AugmentBatch(images, augmentation, AugmentationSeed(1, b));
      }
      handed_out += images.size(0);
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  absl::PrintF(R"({"folder_images": %d, "decoded_mib": %.1f, "memory_mb": %d, "streamed": %s, )"
               R"("threads": %d, "queue_batches": %d, "batch_size": %d, "crop_flip": %s, )"
               R"("batches": %d, "batches_per_second": %.1f, "peak_rss_mib": %.1f})"
               "\n",
               files->streamed() ? files->streamed_examples->size() : files->examples.size(),
               (files->streamed() ? files->streamed_examples->DecodedBytes()
                                  : files->examples.images.numel() * 4) /
                   1048576.0,
               absl::GetFlag(FLAGS_memory_mb), split->streams_training() ? "true" : "false",
               prefetch.threads, prefetch.capacity, batch_size,
               augmentation.enabled() ? "true" : "false", handed_out == examples ? batches : -1,
               batches / seconds, PeakResidentMiB());
  return handed_out == examples ? 0 : 1;
}

}  // namespace
}  // namespace nas

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  torch::set_num_threads(1);  // The decoding threads are the parallelism measured.
  if (!absl::GetFlag(FLAGS_write_folder).empty()) {
    return nas::WriteFolder(absl::GetFlag(FLAGS_write_folder), absl::GetFlag(FLAGS_examples));
  }
  if (absl::GetFlag(FLAGS_folder).empty()) {
    std::cerr << "--folder or --write_folder: one must be set" << std::endl;
    return 2;
  }
  return nas::ReadFolder(absl::GetFlag(FLAGS_folder));
}
