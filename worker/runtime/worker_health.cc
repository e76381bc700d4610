#include "worker/runtime/worker_health.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"

namespace nas {

WorkerHealth::WorkerHealth(Options options) : options_(std::move(options)), started_(absl::Now()) {}

absl::StatusOr<std::unique_ptr<WorkerHealth>> WorkerHealth::Start(Options options) {
  if (options.window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--health_window_seconds: must be > 0");
  }
  if (!options.last_reached) return absl::InvalidArgumentError("last_reached: required");
  const std::string listen = options.listen_address;
  std::unique_ptr<WorkerHealth> h(new WorkerHealth(std::move(options)));
  WorkerHealth* raw = h.get();
  ASSIGN_OR_RETURN(h->endpoint_, HealthEndpoint::Start("--health_listen", listen,
                                                       {[raw] { return raw->Live(); },
                                                        [raw] { return raw->Ready(); }}));
  return h;
}

std::string WorkerHealth::Live() const {
  if (!running_.load()) return "the worker loop is not running";
  // A worker just started has the window to reach a controller.
  const absl::Time since = std::max(started_, options_.last_reached());
  if (absl::Now() - since > options_.window) {
    return absl::StrCat("no controller answered for ", absl::FormatDuration(absl::Now() - since));
  }
  return "";
}

std::string WorkerHealth::Ready() const {
  if (std::string live = Live(); !live.empty()) return live;
  if (stopping_.load()) return "stopping";
  if (options_.last_reached() == absl::InfinitePast()) return "no controller answered yet";
  return "";
}

}  // namespace nas
