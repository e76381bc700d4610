// What lets a long-polling LeaseJob sleep until there may be work: one
// PostgreSQL connection LISTENing on the channel nas_jobs, whose
// notifications the triggers of migration 0016 send whenever a job becomes
// pending or a search may queue more, whichever controller made the change.
//
// A waiter takes a Token() for its job kinds, looks for a job, and if there is
// none calls Wait() with that token: it returns as soon as a notification for
// one of its kinds (or for any kind) arrived after the token was taken, so a
// job queued between the look and the wait is not missed. While the listening
// connection is down, notifications are lost: every reconnect wakes every
// waiter, which then looks again.
#ifndef NAS_CONTROLLER_STORE_JOB_NOTIFICATIONS_H_
#define NAS_CONTROLLER_STORE_JOB_NOTIFICATIONS_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "proto/worker_service.pb.h"

namespace nas {

// Thread-safe.
class JobNotifications {
 public:
  struct Options {
    std::string dsn;  // As Database::Options::dsn.
    // The listening thread checks for Stop() this often while no
    // notification arrives, and sends `SELECT 1` after this much silence so
    // that a server gone without closing the socket is noticed.
    absl::Duration poll_interval = absl::Milliseconds(500);
    absl::Duration keepalive_interval = absl::Seconds(10);
    // Reconnects after min(first_backoff x 2^n, max_backoff).
    absl::Duration first_backoff = absl::Milliseconds(100);
    absl::Duration max_backoff = absl::Seconds(5);
  };

  // Starts the listening thread; it connects (and keeps reconnecting) on its
  // own, so a database that is down now delays notifications, not startup.
  static std::unique_ptr<JobNotifications> Start(Options options);
  // Stop()s.
  ~JobNotifications();

  // Counts what has arrived for `job_kinds` (values of v1::JobKind) and for
  // every kind; only compared with a later Token() or passed to Wait().
  uint64_t Token(absl::Span<const int> job_kinds) const;

  enum class Wake {
    kChanged,   // Something for these kinds arrived after `token`.
    kDeadline,  // `deadline` passed first.
    kStopped,   // Stop() was called (before or during the wait).
  };
  Wake Wait(absl::Span<const int> job_kinds, uint64_t token, absl::Time deadline) const;

  // Ends every wait (now and later) with kStopped and the listening thread.
  // Idempotent.
  void Stop();

  // Whether the LISTEN connection is up, and how many times it has been
  // (re)established; for tests and logs.
  bool listening() const;
  int connections() const;

 private:
  explicit JobNotifications(Options options) : options_(std::move(options)) {}
  void Listen();
  // Counts a notification with `payload` (a job kind as the jobs table
  // spells it, or "" for any kind) and wakes the waiters.
  void Arrived(const std::string& payload);
  // Counts a wake-up for every kind (after a reconnect).
  void ArrivedForAll();
  uint64_t TokenLocked(absl::Span<const int> job_kinds) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  absl::Notification stop_;
  std::thread listener_;

  mutable absl::Mutex mu_;
  mutable absl::CondVar changed_;
  std::array<uint64_t, v1::JobKind_ARRAYSIZE> by_kind_ ABSL_GUARDED_BY(mu_) = {};
  uint64_t any_kind_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool listening_ ABSL_GUARDED_BY(mu_) = false;
  int connections_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_JOB_NOTIFICATIONS_H_
