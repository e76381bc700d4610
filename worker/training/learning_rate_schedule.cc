#include "worker/training/learning_rate_schedule.h"

#include <algorithm>
#include <cmath>

namespace nas {
namespace {

constexpr double kPi = 3.14159265358979323846;

// lr_min + (lr_max - lr_min) * (1 + cos(pi * t / period)) / 2.
double Cosine(double lr_max, double lr_min, double t, double period) {
  return lr_min + 0.5 * (lr_max - lr_min) * (1 + std::cos(kPi * t / period));
}

}  // namespace

double CosineSchedule::Rate(const RunPosition& p) const {
  if (granularity_ == Granularity::kPerEpoch) {
    return Cosine(lr_max_, lr_min_, static_cast<double>(p.step / p.steps_per_epoch), p.epochs);
  }
  return Cosine(lr_max_, lr_min_, static_cast<double>(p.step),
                static_cast<double>(p.steps_per_epoch * p.epochs));
}

double SgdrSchedule::Rate(const RunPosition& p) const {
  return RateAtEpoch(static_cast<double>(p.step) / p.steps_per_epoch, p.epochs);
}

double SgdrSchedule::RateAtEpoch(double epochs_done, int epochs) const {
  const SgdrOptions& o = options_;
  const double t0 = o.period_epochs > 0 ? o.period_epochs : epochs;
  double period = t0, t = std::max(epochs_done, 0.0);
  if (o.t_mult == 1) {
    t = std::fmod(t, period);
  } else {
    // Periods t0, t0 m, t0 m^2, ... end at t0 (m^k - 1) / (m - 1); jump to
    // the current one, then let the loop absorb rounding.
    const double m = o.t_mult;
    const double k = std::floor(std::log1p(t * (m - 1) / t0) / std::log(m));
    if (k > 0) {
      t -= t0 * (std::pow(m, k) - 1) / (m - 1);
      period = t0 * std::pow(m, k);
    }
    while (t >= period) {
      t -= period;
      period *= m;
    }
    t = std::max(t, 0.0);
  }
  return Cosine(o.lr_max, o.lr_min, t, period);
}

}  // namespace nas
