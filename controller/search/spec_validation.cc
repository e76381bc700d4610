#include "controller/search/spec_validation.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/search_space/search_space.h"
#include "common/search_space/tfnas_space_spec.h"
#include "common/status/status_macros.h"
#include "controller/search/early_stopping/median_rule.h"
#include "controller/search/objectives.h"
#include "controller/search/strategy_registry.h"

namespace nas {
namespace {

absl::Status OutOfRange(absl::string_view field, double value, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", value, " ", rule));
}

absl::Status CheckIntRange(absl::string_view field, int64_t value, int64_t lo, int64_t hi) {
  if (value < lo || value > hi) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", value, " is out of range ", lo, "..", hi));
  }
  return absl::OkStatus();
}

absl::Status ValidateTraining(const v1::Training& t, bool darts_shape) {
  RETURN_IF_ERROR(CheckIntRange("training.epochs", t.epochs(), 1, 1000));
  RETURN_IF_ERROR(CheckIntRange("training.batch_size", t.batch_size(), 1, 65536));
  if (!std::isfinite(t.learning_rate()) || t.learning_rate() <= 0) {
    return OutOfRange("training.learning_rate", t.learning_rate(), "must be > 0");
  }
  if (!std::isfinite(t.momentum()) || t.momentum() < 0 || t.momentum() >= 1) {
    return OutOfRange("training.momentum", t.momentum(), "must be in [0, 1)");
  }
  if (!std::isfinite(t.weight_decay()) || t.weight_decay() < 0) {
    return OutOfRange("training.weight_decay", t.weight_decay(), "must be >= 0");
  }
  if (!v1::GpuOptions::Precision_IsValid(t.gpu().precision())) {
    return absl::InvalidArgumentError(
        absl::StrCat("training.gpu.precision: ", t.gpu().precision(),
                     " is not a precision; must be FP32, BF16 or FP16"));
  }
  if (!darts_shape) return absl::OkStatus();
  RETURN_IF_ERROR(CheckIntRange("training.init_channels", t.init_channels(), 4, 512));
  RETURN_IF_ERROR(CheckIntRange("training.cells", t.cells(), 1, 30));
  return absl::OkStatus();
}

constexpr size_t kMaxPath = 4096;

absl::Status CheckPath(absl::string_view field, const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": must not be empty"));
  if (path.size() > kMaxPath) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be at most ", kMaxPath, " characters"));
  }
  return absl::OkStatus();
}

absl::Status CheckColumn(absl::string_view field, const std::string& column) {
  if (column.empty() || column.size() > 256) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be 1..256 characters"));
  }
  return absl::OkStatus();
}

// The sizes are the controller's bounds: the images' side is only known to
// the worker. Sizes are set with mode ON only, so that a spec never carries
// numbers that are silently ignored.
absl::Status ValidateAugmentation(const v1::Augmentation& a) {
  if (!v1::Augmentation::Mode_IsValid(a.mode())) {
    return absl::InvalidArgumentError(
        "dataset.augmentation.mode: must be AUGMENTATION_DEFAULT, AUGMENTATION_OFF or "
        "AUGMENTATION_ON");
  }
  if (a.mode() != v1::Augmentation::AUGMENTATION_ON) {
    const std::pair<const char*, bool> fields[] = {{"crop_padding", a.crop_padding() != 0},
                                                   {"horizontal_flip", a.horizontal_flip()},
                                                   {"cutout_length", a.cutout_length() != 0}};
    for (const auto& [field, set] : fields) {
      if (set) {
        return absl::InvalidArgumentError(absl::StrCat("dataset.augmentation.", field,
                                                       ": is only read with mode AUGMENTATION_ON"));
      }
    }
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(CheckIntRange("dataset.augmentation.crop_padding", a.crop_padding(), 0, 64));
  return CheckIntRange("dataset.augmentation.cutout_length", a.cutout_length(), 0, 1024);
}

absl::Status ValidateDataset(const v1::Dataset& d) {
  if (d.format() == v1::Dataset::FORMAT_UNSPECIFIED || !v1::Dataset::Format_IsValid(d.format())) {
    return absl::InvalidArgumentError(
        "dataset.format: must be IDX, DIGITS_CSV, CIFAR10_BINARY, IMAGE_FOLDER, TENSOR_FILE or "
        "CIFAR100_BINARY");
  }
  RETURN_IF_ERROR(CheckPath("dataset.path", d.path()));
  const bool separate_validation = !d.validation_path().empty();
  if (separate_validation) {
    if (d.format() != v1::Dataset::IMAGE_FOLDER) {
      return absl::InvalidArgumentError(
          "dataset.validation_path: only an IMAGE_FOLDER dataset has a validation folder");
    }
    RETURN_IF_ERROR(CheckPath("dataset.validation_path", d.validation_path()));
  }
  if (!v1::Dataset::Cifar100Labels_IsValid(d.cifar100_labels())) {
    return absl::InvalidArgumentError("dataset.cifar100_labels: must be FINE or COARSE");
  }
  if (d.cifar100_labels() != v1::Dataset::CIFAR100_LABELS_UNSPECIFIED &&
      d.format() != v1::Dataset::CIFAR100_BINARY) {
    return absl::InvalidArgumentError(
        "dataset.cifar100_labels: only a CIFAR100_BINARY dataset has coarse and fine labels");
  }
  if (separate_validation && d.validation_examples() < 0) {
    return OutOfRange("dataset.validation_examples", d.validation_examples(),
                      "must be >= 0 with validation_path (0 = all of the validation folder)");
  }
  if (!separate_validation && d.validation_examples() <= 0) {
    return OutOfRange("dataset.validation_examples", d.validation_examples(),
                      "must be > 0 (fitness is measured on held-out data)");
  }
  if (d.train_examples() < 0) {
    return OutOfRange("dataset.train_examples", d.train_examples(),
                      "must be >= 0 (0 = all remaining examples)");
  }
  return ValidateAugmentation(d.augmentation());
}

}  // namespace

absl::Status ValidateAndNormalizeSpec(v1::SearchSpec* spec) {
  v1::SearchSpec s = *spec;
  if (s.name().size() > 200) {
    return absl::InvalidArgumentError("name: must be at most 200 characters");
  }
  RETURN_IF_ERROR(CheckIntRange("budget", s.budget(), 1, kMaxSearchBudget));
  if (s.space().kind_case() == v1::SearchSpace::kDartsCell && s.space().darts_cell().nodes() == 0) {
    s.mutable_space()->mutable_darts_cell()->set_nodes(4);
  }
  if (s.space().has_tfnas()) {
    *s.mutable_space()->mutable_tfnas() = FillTfNasSpaceDefaults(s.space().tfnas());
    // TF-NAS's own supernet search, or candidates trained one by one (each
    // may have its latency predicted by latency_table_path).
    if (!s.strategy().has_tfnas() && !s.strategy().has_random() &&
        !s.strategy().has_aging_evolution()) {
      return absl::InvalidArgumentError(
          "space.tfnas: is searched by strategy.tfnas, random or aging_evolution");
    }
  }
  RETURN_IF_ERROR(MakeSearchSpace(s.space()).status());
  ASSIGN_OR_RETURN(const StrategyRegistration* strategy, FindStrategy(s));
  if (s.has_warm_start() && !s.strategy().has_aging_evolution()) {
    return absl::InvalidArgumentError(
        "warm_start: only aging_evolution starts from an earlier search's members");
  }
  RETURN_IF_ERROR(strategy->normalize(s));

  const bool gradient_search = strategy->trains_supernet;
  if (s.has_table_lookup()) {
    if (gradient_search) {
      return absl::InvalidArgumentError(
          "table_lookup: a supernet search trains on a dataset and cannot use a table");
    }
    if (s.has_training() || s.has_dataset()) {
      return absl::InvalidArgumentError(
          "table_lookup: must not be combined with training or dataset");
    }
    const v1::TableLookup& t = s.table_lookup();
    RETURN_IF_ERROR(CheckPath("table_lookup.table_path", t.table_path()));
    RETURN_IF_ERROR(CheckColumn("table_lookup.cell_column", t.cell_column()));
    RETURN_IF_ERROR(CheckColumn("table_lookup.fitness_column", t.fitness_column()));
  } else {
    if (s.space().has_nasbench201()) {
      return absl::InvalidArgumentError(
          "space.nasbench201: workers do not train NAS-Bench-201 cells; "
          "evaluate them with table_lookup");
    }
    // A supernet search trains its own supernet; `training` is for retraining.
    const bool needs_training = !strategy->needs_training || strategy->needs_training(s);
    if (needs_training && !s.has_training()) {
      return absl::InvalidArgumentError(
          gradient_search
              ? absl::StrCat("training: must be set for strategy.", strategy->name, ".retrain")
              : "training: must be set (or table_lookup for table evaluation)");
    }
    if (!s.has_dataset()) {
      return absl::InvalidArgumentError(gradient_search
                                            ? "dataset: must be set for a supernet search"
                                            : "dataset: must be set with training");
    }
    if (s.has_training()) {
      // A TF-NAS network's shape comes from the tfnas space, not from
      // init_channels and cells; those are left at 0 there.
      RETURN_IF_ERROR(ValidateTraining(s.training(), /*darts_shape=*/!s.space().has_tfnas()));
    }
    RETURN_IF_ERROR(ValidateDataset(s.dataset()));
  }

  RETURN_IF_ERROR(ValidateAndNormalizeEarlyStopping(&s));
  RETURN_IF_ERROR(NormalizeObjectives(s));
  RETURN_IF_ERROR(ValidateConstraints(s));

  if (s.max_attempts() == 0) s.set_max_attempts(3);
  RETURN_IF_ERROR(CheckIntRange("max_attempts", s.max_attempts(), 1, 20));
  if (s.lease_seconds() == 0) s.set_lease_seconds(60);
  RETURN_IF_ERROR(CheckIntRange("lease_seconds", s.lease_seconds(), 5, 3600));

  *spec = std::move(s);
  return absl::OkStatus();
}

}  // namespace nas
