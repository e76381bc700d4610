// The option checks every SGD training recipe shares (candidate training and
// NASH's SGDR), so that a refusal reads the same whichever trains:
// "training.momentum: 1 must be in [0, 1)". Each caller checks its own
// schedule's fields between the two.
#ifndef NAS_WORKER_TRAINING_RECIPE_CHECKS_H_
#define NAS_WORKER_TRAINING_RECIPE_CHECKS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "worker/training/augmentation.h"

namespace nas {

// INVALID_ARGUMENT "training.<field>: <value> must be <rule>".
absl::Status InvalidTrainingOption(absl::string_view field, double value, absl::string_view rule);

// epochs >= 1, batch_size >= 1.
absl::Status CheckRunShape(int epochs, int64_t batch_size);

// momentum in [0, 1), weight decay finite and >= 0, BatchNorm recalibration
// batches >= 0, then the augmentation (ValidateAugmentation).
absl::Status CheckSgdAndEvaluation(double momentum, double weight_decay,
                                   int bn_recalibration_batches, const Augmentation& augmentation);

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_RECIPE_CHECKS_H_
