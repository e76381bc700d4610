#include "worker/training/evaluation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace nas {

void ExampleTotals::Add(const torch::Tensor& logits, const torch::Tensor& labels,
                        double batch_loss) {
  loss += batch_loss * labels.size(0);
  correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
  examples += labels.size(0);
}

absl::StatusOr<double> ClassifierAccuracy(const Forward& forward, const ImageDataset& data,
                                          const AccuracyOptions& options) {
  if (options.recalibrate) {
    BatchNormRecalibration recalibration;
    recalibration.batches = options.recalibration_batches;
    recalibration.batch_size = options.recalibration_batch_size;
    recalibration.device = options.device;
    recalibration.dtype = options.dtype;
    RecalibrateBatchNorm(*options.recalibrate, forward, options.recalibration_images,
                         recalibration);
    options.recalibrate->eval();
  }
  torch::NoGradGuard no_grad;
  int64_t correct = 0;
  const int64_t n = data.size();
  for (int64_t begin = 0; begin < n; begin += kEvaluationBatch) {
    const int64_t end = std::min(n, begin + kEvaluationBatch);
    const torch::Tensor images = data.images.slice(0, begin, end);
    const torch::Tensor logits = forward(options.dtype ? images.to(options.device, *options.dtype)
                                                       : images.to(options.device));
    if (!logits.isfinite().all().item<bool>()) {
      return absl::InvalidArgumentError(absl::StrCat("non-finite loss: ", options.network,
                                                     " gives non-finite outputs on ", options.data,
                                                     " data (training diverged)"));
    }
    correct += logits.argmax(1)
                   .eq(data.labels.slice(0, begin, end).to(options.device))
                   .sum()
                   .item<int64_t>();
  }
  return static_cast<double>(correct) / static_cast<double>(n);
}

ExampleTotals MeasureExampleTotals(const Forward& forward, const ImageDataset& data,
                                   const torch::Device& device) {
  torch::NoGradGuard no_grad;
  ExampleTotals totals;
  for (int64_t begin = 0; begin < data.size(); begin += kEvaluationBatch) {
    const torch::Tensor x = data.images.slice(0, begin, begin + kEvaluationBatch).to(device);
    const torch::Tensor y = data.labels.slice(0, begin, begin + kEvaluationBatch).to(device);
    const torch::Tensor logits = forward(x);
    totals.Add(logits, y, torch::nn::functional::cross_entropy(logits, y).item<double>());
  }
  return totals;
}

}  // namespace nas
