// The controller's health: serving while PostgreSQL answers. A thread probes
// the database every interval and reports each change, so the gRPC health
// status and the HTTP probe endpoint follow the database both ways: a
// replica that lost its database leaves the load balancer's rotation, and
// comes back when the database does.
#ifndef NAS_CONTROLLER_DATABASE_HEALTH_H_
#define NAS_CONTROLLER_DATABASE_HEALTH_H_

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace nas {

class DatabaseHealth {
 public:
  struct Options {
    // One check: OK when the database answered (DatabaseProbe::Check).
    std::function<absl::Status()> probe;
    absl::Duration interval = absl::Seconds(1);
    // Called on the probing thread with the new state, once per change.
    std::function<void(bool serving)> on_change;
  };

  // Starts serving (the controller checked its database on start) and
  // probing on a thread of its own.
  explicit DatabaseHealth(Options options);
  // Stops probing and joins the thread.
  ~DatabaseHealth();

  DatabaseHealth(const DatabaseHealth&) = delete;
  DatabaseHealth& operator=(const DatabaseHealth&) = delete;

  // Thread-safe.
  bool serving() const { return serving_.load(); }
  // "" while serving, else why not (the last probe's error). Thread-safe.
  std::string problem() const;

 private:
  void Loop();

  const Options options_;
  std::atomic<bool> serving_{true};
  mutable absl::Mutex mu_;
  std::string problem_ ABSL_GUARDED_BY(mu_);
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_DATABASE_HEALTH_H_
