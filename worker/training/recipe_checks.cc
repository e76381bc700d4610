#include "worker/training/recipe_checks.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace nas {

absl::Status InvalidTrainingOption(absl::string_view field, double value, absl::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("training.", field, ": ", value, " must be ", rule));
}

absl::Status CheckRunShape(int epochs, int64_t batch_size) {
  if (epochs < 1) return InvalidTrainingOption("epochs", epochs, ">= 1");
  if (batch_size < 1) return InvalidTrainingOption("batch_size", batch_size, ">= 1");
  return absl::OkStatus();
}

absl::Status CheckSgdAndEvaluation(double momentum, double weight_decay,
                                   int bn_recalibration_batches, const Augmentation& augmentation) {
  if (!(momentum >= 0 && momentum < 1)) {
    return InvalidTrainingOption("momentum", momentum, "in [0, 1)");
  }
  if (!(weight_decay >= 0) || !std::isfinite(weight_decay)) {
    return InvalidTrainingOption("weight_decay", weight_decay, "finite and >= 0");
  }
  if (bn_recalibration_batches < 0) {
    return InvalidTrainingOption("bn_recalibration_batches", bn_recalibration_batches, ">= 0");
  }
  return ValidateAugmentation(augmentation);
}

}  // namespace nas
