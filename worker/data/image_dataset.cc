#include "worker/data/image_dataset.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/random/seeded_random.h"
#include "common/status/status_macros.h"

namespace nas {
namespace {

constexpr float kMinStd = 1e-6f;
// The batch of the statistics pass: its queue holds prefetch.capacity of
// them, as training's holds that many training batches.
constexpr int64_t kStatisticsBatch = 64;

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

// The rows each half takes, in the split's order, and whether the validation
// rows are rows of a separate validation set.
struct SplitRows {
  std::vector<int64_t> validation, train;
};

// Both halves held out of the same `n` examples.
absl::StatusOr<SplitRows> HeldOutRows(int64_t n, int validation_examples, int train_examples,
                                      uint64_t seed) {
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
  return SplitRows{{order.begin(), order.begin() + validation_examples},
                   {order.begin() + validation_examples, order.begin() + train_end}};
}

// Each half drawn from its own files: `t` training and `v` validation
// examples.
absl::StatusOr<SplitRows> SeparateRows(int64_t t, int64_t v, int validation_examples,
                                       int train_examples, uint64_t seed) {
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
  const std::vector<int64_t> validation = Shuffled(v, seed), train = Shuffled(t, seed);
  return SplitRows{{validation.begin(),
                    validation.begin() + (validation_examples > 0 ? validation_examples : v)},
                   {train.begin(), train.begin() + (train_examples > 0 ? train_examples : t)}};
}

torch::Tensor IndexTensor(const std::vector<int64_t>& rows) {
  return torch::tensor(rows, torch::kInt64);
}

// A copy of the examples `rows` of `all`.
ImageDataset Subset(const ImageDataset& all, const std::vector<int64_t>& rows) {
  const torch::Tensor index = IndexTensor(rows);
  return ImageDataset{all.images.index_select(0, index), all.labels.index_select(0, index),
                      all.num_classes};
}

// Records the per-channel mean and standard deviation (`var`, `mean` over
// the training images) in `split`.
void RecordStatistics(const torch::Tensor& var, const torch::Tensor& mean,
                      TrainValidationSplit& split) {
  torch::Tensor std = var.sqrt().to(torch::kFloat32);
  std = torch::where(std < kMinStd, torch::ones_like(std), std).contiguous();
  const torch::Tensor m = mean.to(torch::kFloat32).contiguous();
  split.channel_mean.assign(m.data_ptr<float>(), m.data_ptr<float>() + m.numel());
  split.channel_std.assign(std.data_ptr<float>(), std.data_ptr<float>() + std.numel());
}

void Normalise(torch::Tensor& images, const TrainValidationSplit& split) {
  ChannelNormalisation(split.channel_mean, split.channel_std).Apply(images);
}

// The training images' per-channel statistics recorded in `split`, and both
// halves normalised with them, in place (the halves are copies).
void NormalisePerChannel(TrainValidationSplit& split) {
  torch::NoGradGuard no_grad;
  const auto [var, mean] = torch::var_mean(split.train.images, {0, 2, 3}, /*unbiased=*/false);
  RecordStatistics(var, mean, split);
  Normalise(split.train.images, split);
  if (split.validation.size() > 0) Normalise(split.validation.images, split);
}

// The streamed training images' per-channel statistics, in one pass of
// prefetching threads (sums in double precision).
absl::Status StreamStatistics(const PrefetchOptions& prefetch, TrainValidationSplit& split) {
  torch::NoGradGuard no_grad;
  PrefetchLoader loader(split.train_stream, split.train_rows, kStatisticsBatch, {}, prefetch);
  torch::Tensor sum = torch::zeros({split.image_shape()[0]}, torch::kFloat64);
  torch::Tensor squares = torch::zeros_like(sum);
  int64_t pixels = 0;
  for (int64_t b = 0; b < loader.batches(); ++b) {
    ASSIGN_OR_RETURN(const Batch batch, loader.Next());
    const torch::Tensor x = batch.images.to(torch::kFloat64);
    sum += x.sum({0, 2, 3});
    squares += x.square().sum({0, 2, 3});
    pixels += x.size(0) * x.size(2) * x.size(3);
  }
  const torch::Tensor mean = sum / static_cast<double>(pixels);
  RecordStatistics((squares / static_cast<double>(pixels) - mean.square()).clamp_min(0), mean,
                   split);
  return absl::OkStatus();
}

absl::StatusOr<TrainValidationSplit> SplitStreamed(const DatasetFiles& files,
                                                   int validation_examples, int train_examples,
                                                   uint64_t seed, const PrefetchOptions& prefetch) {
  const ExampleSource& examples = *files.streamed_examples;
  SplitRows rows;
  if (files.streamed_validation == nullptr) {
    ASSIGN_OR_RETURN(rows, HeldOutRows(examples.size(), validation_examples, train_examples, seed));
  } else {
    ASSIGN_OR_RETURN(rows, SeparateRows(examples.size(), files.streamed_validation->size(),
                                        validation_examples, train_examples, seed));
  }
  TrainValidationSplit split;
  ASSIGN_OR_RETURN(split.validation,
                   ReadExamples(files.streamed_validation ? *files.streamed_validation : examples,
                                rows.validation));
  split.train =
      ImageDataset{torch::Tensor(), examples.labels().index_select(0, IndexTensor(rows.train)),
                   examples.num_classes()};
  split.train_stream = files.streamed_examples;
  split.train_rows = std::move(rows.train);
  split.train_prefetch = prefetch;
  RETURN_IF_ERROR(StreamStatistics(prefetch, split));
  Normalise(split.validation.images, split);
  return split;
}

}  // namespace

std::vector<int64_t> TrainValidationSplit::image_shape() const {
  if (train_stream) return train_stream->image_shape();
  const torch::Tensor& images = train.images.defined() ? train.images : validation.images;
  if (!images.defined() || images.dim() != 4) return {};
  return {images.size(1), images.size(2), images.size(3)};
}

absl::StatusOr<DatasetFiles> LoadDataset(const v1::Dataset& spec,
                                         const DatasetReadOptions& options) {
  return DatasetFormatRegistry::Global().Read(spec, options);
}

absl::StatusOr<TrainValidationSplit> SplitTrainValidation(const ImageDataset& all,
                                                          int validation_examples,
                                                          int train_examples, uint64_t seed) {
  ASSIGN_OR_RETURN(const SplitRows rows,
                   HeldOutRows(all.size(), validation_examples, train_examples, seed));
  TrainValidationSplit split;
  split.validation = Subset(all, rows.validation);
  split.train = Subset(all, rows.train);
  NormalisePerChannel(split);
  return split;
}

absl::StatusOr<TrainValidationSplit> SplitDatasetFiles(const DatasetFiles& files,
                                                       int validation_examples, int train_examples,
                                                       uint64_t seed,
                                                       const PrefetchOptions& prefetch) {
  TrainValidationSplit split;
  if (files.streamed()) {
    ASSIGN_OR_RETURN(split,
                     SplitStreamed(files, validation_examples, train_examples, seed, prefetch));
  } else if (files.validation.size() == 0) {
    ASSIGN_OR_RETURN(
        split, SplitTrainValidation(files.examples, validation_examples, train_examples, seed));
  } else {
    ASSIGN_OR_RETURN(const SplitRows rows,
                     SeparateRows(files.examples.size(), files.validation.size(),
                                  validation_examples, train_examples, seed));
    split.validation = Subset(files.validation, rows.validation);
    split.train = Subset(files.examples, rows.train);
    NormalisePerChannel(split);
  }
  split.class_names = files.class_names;
  return split;
}

absl::StatusOr<torch::Tensor> FirstTrainingImages(const TrainValidationSplit& split,
                                                  int64_t count) {
  count = std::min(count, split.train.size());
  if (!split.streams_training()) return split.train.images.slice(0, 0, count);
  ASSIGN_OR_RETURN(
      ImageDataset first,
      ReadExamples(*split.train_stream, absl::MakeConstSpan(split.train_rows.data(), count)));
  Normalise(first.images, split);
  return first.images;
}

absl::Status RequireInMemory(const TrainValidationSplit& split, const v1::Dataset& dataset,
                             const std::string& job) {
  if (!split.streams_training()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "dataset.path ", dataset.path(), ": its images decode to ",
      split.train_stream->DecodedBytes() >> 20,
      " MiB, more than this worker keeps in memory (--dataset_memory_mb), so they stream; ", job,
      " needs its training images in memory: raise the worker's --dataset_memory_mb above that"));
}

}  // namespace nas
