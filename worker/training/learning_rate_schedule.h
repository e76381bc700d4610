// Learning-rate schedules of an epoch-structured run, computed here rather
// than by LibTorch so that every training loop sets the same rates the same
// way: the loop asks for the rate before every step.
#ifndef NAS_WORKER_TRAINING_LEARNING_RATE_SCHEDULE_H_
#define NAS_WORKER_TRAINING_LEARNING_RATE_SCHEDULE_H_

#include <cstdint>

namespace nas {

// Where a step stands in a run of `epochs` epochs of `steps_per_epoch` steps.
struct RunPosition {
  int64_t step = 0;  // 0-based over the whole run.
  int64_t steps_per_epoch = 1;
  int epochs = 1;
};

// A learning rate as a function of the position in the run. Implementations
// are immutable and so safe to share between threads.
class LearningRateSchedule {
 public:
  virtual ~LearningRateSchedule() = default;
  // The rate of the step at `position`.
  virtual double Rate(const RunPosition& position) const = 0;
};

// Cosine annealing (Loshchilov & Hutter 2017 without restarts):
//   lr_min + (lr_max - lr_min) * (1 + cos(pi * t / T)) / 2,
// per step (t = step, T = all steps of the run) or per epoch (t = the
// 0-based epoch, T = epochs; DARTS's scheduler). lr_max at the start, lr_min
// is never quite reached.
class CosineSchedule : public LearningRateSchedule {
 public:
  enum class Granularity { kPerStep, kPerEpoch };
  CosineSchedule(double lr_max, double lr_min, Granularity granularity)
      : lr_max_(lr_max), lr_min_(lr_min), granularity_(granularity) {}
  double Rate(const RunPosition& position) const override;

 private:
  double lr_max_, lr_min_;
  Granularity granularity_;
};

// SGDR: cosine annealing with warm restarts (Loshchilov & Hutter 2017).
// Within restart period i (of T_i = period_epochs * t_mult^i epochs) the rate
// is lr_min + (lr_max - lr_min) * (1 + cos(pi * t / T_i)) / 2 at t
// (fractional) epochs into the period. NaN and infinite rates are passed
// through, for the loss check to catch.
struct SgdrOptions {
  double lr_max = 0.05;
  double lr_min = 0.0;
  double period_epochs = 0;  // T_0 > 0; 0 = the run's epochs (one cosine per run).
  double t_mult = 1;         // >= 1: each period t_mult times the last.
};

class SgdrSchedule : public LearningRateSchedule {
 public:
  explicit SgdrSchedule(const SgdrOptions& options) : options_(options) {}
  // Rate at step / steps_per_epoch epochs into the run.
  double Rate(const RunPosition& position) const override;
  // The rate `epochs_done` (fractional) epochs into a run of `epochs`.
  double RateAtEpoch(double epochs_done, int epochs) const;

 private:
  SgdrOptions options_;
};

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_LEARNING_RATE_SCHEDULE_H_
