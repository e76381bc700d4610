#include "worker/data/formats/cifar_binary.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "worker/data/dataset_format_registry.h"

namespace nas {
namespace {

constexpr int64_t kPixels = 3 * 32 * 32;

struct RecordLayout {
  const char* name;  // For errors: "CIFAR-10 record (1 label + 3072 pixels)".
  int label_bytes;   // Label bytes before the pixels.
  int label_offset;  // Which of them is the label used.
  int num_classes;
};

// The labels and images of `files`, each a whole number of records.
absl::StatusOr<ImageDataset> ReadRecords(const std::vector<std::string>& files,
                                         const RecordLayout& layout, const std::string& source) {
  const int64_t record = layout.label_bytes + kPixels;
  std::vector<torch::Tensor> images, labels;
  for (const std::string& file : files) {
    ASSIGN_OR_RETURN(std::string bytes, ReadMaybeGzip(file));
    const int64_t size = static_cast<int64_t>(bytes.size());
    if (size == 0 || size % record != 0) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": size ", size,
                                                     " bytes is not a positive multiple of the ",
                                                     record, "-byte ", layout.name));
    }
    const torch::Tensor records =
        torch::from_blob(bytes.data(), {size / record, record}, torch::kUInt8);
    labels.push_back(records.select(1, layout.label_offset).to(torch::kInt64));
    images.push_back(records.slice(1, layout.label_bytes).reshape({-1, 3, 32, 32}).clone());
  }
  return MakeImageDataset(torch::cat(images), torch::cat(labels), layout.num_classes, 1.0 / 255,
                          source);
}

absl::StatusOr<DatasetFiles> ReadCifar10(const v1::Dataset& spec, const DatasetReadOptions&) {
  DatasetFiles files;
  ASSIGN_OR_RETURN(files.examples, LoadCifar10Binary(spec.path(), /*train=*/true));
  files.class_names = Cifar10ClassNames();
  return files;
}

absl::StatusOr<DatasetFiles> ReadCifar100(const v1::Dataset& spec, const DatasetReadOptions&) {
  const bool coarse = spec.cifar100_labels() == v1::Dataset::COARSE;
  DatasetFiles files;
  ASSIGN_OR_RETURN(files.examples, LoadCifar100Binary(spec.path(), /*train=*/true, coarse));
  files.class_names = Cifar100ClassNames(coarse);
  return files;
}

const DatasetFormatRegistrar kCifar10({v1::Dataset::CIFAR10_BINARY, "cifar10_binary", ReadCifar10});
const DatasetFormatRegistrar kCifar100({v1::Dataset::CIFAR100_BINARY, "cifar100_binary",
                                        ReadCifar100});

}  // namespace

absl::StatusOr<ImageDataset> LoadCifar10Binary(const std::string& dir, bool train) {
  std::vector<std::string> files;
  if (train) {
    for (int i = 1; i <= 5; ++i) files.push_back(absl::StrCat(dir, "/data_batch_", i, ".bin"));
  } else {
    files.push_back(absl::StrCat(dir, "/test_batch.bin"));
  }
  return ReadRecords(files, {"CIFAR-10 record (1 label + 3072 pixels)", 1, 0, 10},
                     absl::StrCat(dir, "/", train ? "data_batch_*.bin" : "test_batch.bin"));
}

absl::StatusOr<ImageDataset> LoadCifar100Binary(const std::string& dir, bool train, bool coarse) {
  const std::string file = absl::StrCat(dir, train ? "/train.bin" : "/test.bin");
  return ReadRecords({file},
                     {"CIFAR-100 record (coarse label + fine label + 3072 pixels)", 2,
                      coarse ? 0 : 1, coarse ? 20 : 100},
                     absl::StrCat(file, coarse ? " (coarse labels)" : " (fine labels)"));
}

const std::vector<std::string>& Cifar10ClassNames() {
  static const auto* const names = new std::vector<std::string>{
      "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  return *names;
}

const std::vector<std::string>& Cifar100ClassNames(bool coarse) {
  static const auto* const fine = new std::vector<std::string>{
      "apple",       "aquarium_fish", "baby",      "bear",       "beaver",       "bed",
      "bee",         "beetle",        "bicycle",   "bottle",     "bowl",         "boy",
      "bridge",      "bus",           "butterfly", "camel",      "can",          "castle",
      "caterpillar", "cattle",        "chair",     "chimpanzee", "clock",        "cloud",
      "cockroach",   "couch",         "crab",      "crocodile",  "cup",          "dinosaur",
      "dolphin",     "elephant",      "flatfish",  "forest",     "fox",          "girl",
      "hamster",     "house",         "kangaroo",  "keyboard",   "lamp",         "lawn_mower",
      "leopard",     "lion",          "lizard",    "lobster",    "man",          "maple_tree",
      "motorcycle",  "mountain",      "mouse",     "mushroom",   "oak_tree",     "orange",
      "orchid",      "otter",         "palm_tree", "pear",       "pickup_truck", "pine_tree",
      "plain",       "plate",         "poppy",     "porcupine",  "possum",       "rabbit",
      "raccoon",     "ray",           "road",      "rocket",     "rose",         "sea",
      "seal",        "shark",         "shrew",     "skunk",      "skyscraper",   "snail",
      "snake",       "spider",        "squirrel",  "streetcar",  "sunflower",    "sweet_pepper",
      "table",       "tank",          "telephone", "television", "tiger",        "tractor",
      "train",       "trout",         "tulip",     "turtle",     "wardrobe",     "whale",
      "willow_tree", "wolf",          "woman",     "worm"};
  static const auto* const superclasses =
      new std::vector<std::string>{"aquatic_mammals",
                                   "fish",
                                   "flowers",
                                   "food_containers",
                                   "fruit_and_vegetables",
                                   "household_electrical_devices",
                                   "household_furniture",
                                   "insects",
                                   "large_carnivores",
                                   "large_man-made_outdoor_things",
                                   "large_natural_outdoor_scenes",
                                   "large_omnivores_and_herbivores",
                                   "medium_mammals",
                                   "non-insect_invertebrates",
                                   "people",
                                   "reptiles",
                                   "small_mammals",
                                   "trees",
                                   "vehicles_1",
                                   "vehicles_2"};
  return coarse ? *superclasses : *fine;
}

}  // namespace nas
