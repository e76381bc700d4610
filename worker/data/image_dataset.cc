#include "worker/data/image_dataset.h"

#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/random/seeded_random.h"
#include "common/status/status_macros.h"
#include "worker/data/dataset_format_registry.h"

namespace nas {
namespace {

constexpr float kMinStd = 1e-6f;

// 0..n-1 shuffled by Fisher-Yates with the project's portable generator:
// LibTorch's randperm may differ between versions, and every worker must
// agree on the split.
std::vector<int64_t> Shuffled(int64_t n, uint64_t seed) {
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  SeededRandom rng(seed);
  for (int64_t i = n - 1; i > 0; --i) {
    std::swap(order[i], order[rng.Uniform(static_cast<int>(i + 1))]);
  }
  return order;
}

// A copy of the examples order[begin, end) of `all`.
ImageDataset Subset(const ImageDataset& all, const std::vector<int64_t>& order, int64_t begin,
                    int64_t end) {
  const torch::Tensor index = torch::tensor(
      std::vector<int64_t>(order.begin() + begin, order.begin() + end), torch::kInt64);
  return ImageDataset{all.images.index_select(0, index), all.labels.index_select(0, index),
                      all.num_classes};
}

// Records the training images' per-channel statistics in `split` and
// normalises both halves with them, in place (the halves are copies).
void NormalisePerChannel(TrainValidationSplit& split) {
  torch::NoGradGuard no_grad;
  const auto [var, mean] = torch::var_mean(split.train.images, {0, 2, 3}, /*unbiased=*/false);
  torch::Tensor std = var.sqrt();
  std = torch::where(std < kMinStd, torch::ones_like(std), std);
  const torch::Tensor m = mean.contiguous(), s = std.contiguous();
  split.channel_mean.assign(m.data_ptr<float>(), m.data_ptr<float>() + m.numel());
  split.channel_std.assign(s.data_ptr<float>(), s.data_ptr<float>() + s.numel());
  const torch::Tensor shift = m.view({1, -1, 1, 1}), divisor = s.view({1, -1, 1, 1});
  split.train.images.sub_(shift).div_(divisor);
  if (split.validation.size() > 0) split.validation.images.sub_(shift).div_(divisor);
}

// Both halves drawn from separate files.
absl::StatusOr<TrainValidationSplit> SplitSeparate(const DatasetFiles& files,
                                                   int validation_examples, int train_examples,
                                                   uint64_t seed) {
  const int64_t v = files.validation.size(), t = files.examples.size();
  if (validation_examples < 0 || validation_examples > v) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset.validation_examples: ", validation_examples, " must be in 0..", v,
                     " (the validation files hold ", v, " examples; 0 = all of them)"));
  }
  if (train_examples < 0 || train_examples > t) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset.train_examples: ", train_examples, " must be in 0..", t,
                     " (the training files hold ", t, " examples; 0 = all of them)"));
  }
  TrainValidationSplit split;
  split.validation = Subset(files.validation, Shuffled(v, seed), 0,
                            validation_examples > 0 ? validation_examples : v);
  split.train =
      Subset(files.examples, Shuffled(t, seed), 0, train_examples > 0 ? train_examples : t);
  return split;
}

}  // namespace

absl::StatusOr<DatasetFiles> LoadDataset(const v1::Dataset& spec) {
  return DatasetFormatRegistry::Global().Read(spec);
}

absl::StatusOr<TrainValidationSplit> SplitTrainValidation(const ImageDataset& all,
                                                          int validation_examples,
                                                          int train_examples, uint64_t seed) {
  const int64_t n = all.size();
  if (validation_examples <= 0 || validation_examples >= n) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset.validation_examples: ", validation_examples, " must be in 1..", n - 1,
                     " (the dataset has ", n, " examples)"));
  }
  const int64_t rest = n - validation_examples;
  if (train_examples < 0 || train_examples > rest) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset.train_examples: ", train_examples, " must be in 0..", rest,
                     " (what remains after the validation split; 0 = all of it)"));
  }
  const std::vector<int64_t> order = Shuffled(n, seed);
  const int64_t train_end = validation_examples + (train_examples > 0 ? train_examples : rest);
  TrainValidationSplit split;
  split.validation = Subset(all, order, 0, validation_examples);
  split.train = Subset(all, order, validation_examples, train_end);
  NormalisePerChannel(split);
  return split;
}

absl::StatusOr<TrainValidationSplit> SplitDatasetFiles(const DatasetFiles& files,
                                                       int validation_examples, int train_examples,
                                                       uint64_t seed) {
  TrainValidationSplit split;
  if (files.validation.size() == 0) {
    ASSIGN_OR_RETURN(
        split, SplitTrainValidation(files.examples, validation_examples, train_examples, seed));
  } else {
    ASSIGN_OR_RETURN(split, SplitSeparate(files, validation_examples, train_examples, seed));
    NormalisePerChannel(split);
  }
  split.class_names = files.class_names;
  return split;
}

}  // namespace nas
