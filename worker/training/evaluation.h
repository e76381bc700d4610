// Measuring a classifier on a dataset in batches, without gradients: the
// accuracy of a trained network (with the check that its outputs are
// finite, and its BatchNorm statistics re-estimated first if asked), and the
// example-weighted loss and accuracy the searches report.
#ifndef NAS_WORKER_TRAINING_EVALUATION_H_
#define NAS_WORKER_TRAINING_EVALUATION_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "torch/torch.h"
#include "worker/data/image_dataset.h"
#include "worker/training/batch_norm_recalibration.h"

namespace nas {

// A network's forward pass: [N, C, H, W] images -> [N, classes] logits.
using Forward = std::function<torch::Tensor(const torch::Tensor&)>;

// Images per forward pass when measuring.
inline constexpr int64_t kEvaluationBatch = 512;

// Cross-entropy and accuracy summed over examples: every example counts the
// same whatever the size of its batch.
struct ExampleTotals {
  double loss = 0;  // Sum of batch mean loss x batch size.
  int64_t correct = 0, examples = 0;

  // Adds a batch: its logits, labels and mean loss.
  void Add(const torch::Tensor& logits, const torch::Tensor& labels, double batch_loss);
  double mean_loss() const { return examples ? loss / examples : 0; }
  double accuracy() const { return examples ? static_cast<double>(correct) / examples : 0; }
};

struct AccuracyOptions {
  torch::Device device = torch::kCPU;      // Where the network is; batches are moved there.
  std::optional<torch::ScalarType> dtype;  // Images converted to it; none = as they are.
  // Name the network and the data in the error on non-finite outputs.
  std::string network = "the network";
  std::string data = "validation";
  // When set: before measuring, the BatchNorm running statistics of this
  // module (the one `forward` runs) are re-estimated from the first
  // recalibration_batches batches of recalibration_batch_size rows of
  // recalibration_images (RecalibrateBatchNorm, with the device and dtype
  // above), and the module is then put in eval mode. Unset: the running
  // statistics are used as they are, in the mode the caller left.
  std::shared_ptr<torch::nn::Module> recalibrate;
  torch::Tensor recalibration_images;  // The training images.
  int recalibration_batches = kDefaultRecalibrationBatches;  // 0 = no recalibration.
  int64_t recalibration_batch_size = 64;                     // The training batch size.
};

// The fraction of `data` that `forward` classifies correctly, in batches of
// kEvaluationBatch under NoGradGuard; the module's mode (eval for BatchNorm's
// running statistics) is the caller's unless options.recalibrate is set, in
// which case the statistics are re-estimated first and the module is left in
// eval mode. INVALID_ARGUMENT "non-finite loss:
// <network> gives non-finite outputs on <data> data (training diverged)" if
// any output is not finite. `data` must be non-empty. Throws c10::Error on
// LibTorch errors (callers map them with CallGuarded).
absl::StatusOr<double> ClassifierAccuracy(const Forward& forward, const ImageDataset& data,
                                          const AccuracyOptions& options);

// Cross-entropy and accuracy of `forward` on `data` (moved to `device`) in
// batches of kEvaluationBatch under NoGradGuard; the module's mode is the
// caller's. Non-finite losses are returned as they are. Throws c10::Error.
ExampleTotals MeasureExampleTotals(const Forward& forward, const ImageDataset& data,
                                   const torch::Device& device);

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_EVALUATION_H_
