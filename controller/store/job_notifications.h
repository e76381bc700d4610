// What lets a long-polling LeaseJob sleep until there may be work: one
// PostgreSQL connection LISTENing on the channel nas_jobs, whose
// notifications the triggers of migration 0016 send whenever a job becomes
// pending or a search may queue more, whichever controller made the change.
//
// A waiter takes a Token() for its job kinds, looks for a job, and if there is
// none calls Wait() with that token. If a notification for one of its kinds
// (or for any kind) arrived after the token was taken, Wait() returns at once,
// so a job queued between the look and the wait is not missed. Otherwise the
// waiter joins a queue and sleeps until it is woken, one at a time:
//  - a notification for kind K wakes ONE waiter whose kinds include K, the one
//    that has waited longest;
//  - an empty payload ("a search may queue more") and PassBaton() wake one
//    waiter per kind that has waiters (the longest waiting first; a waiter
//    that runs several kinds covers them all);
//  - a reconnect of the listening connection and Stop() wake every waiter.
// Waking one instead of all keeps a queued job from costing one look per
// idle worker. PostgreSQL folds a transaction's repeated notifications into
// one, so one wake-up may stand for several pending jobs: a woken waiter that
// gets a job passes the baton (PassBaton), and the chain ends at a woken
// waiter that finds nothing. See WorkerServiceImpl::LeaseJob for why no
// pending job is left while a worker that can run it sleeps.
#ifndef NAS_CONTROLLER_STORE_JOB_NOTIFICATIONS_H_
#define NAS_CONTROLLER_STORE_JOB_NOTIFICATIONS_H_

#include <array>
#include <cstdint>
#include <functional>
#include <list>
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
    // A Wait() given a `cancelled` check calls it this often.
    absl::Duration cancel_check_interval = absl::Seconds(1);
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
    kChanged,    // Something for these kinds arrived after `token`, or this
                 // waiter was woken: look again.
    kDeadline,   // `deadline` passed first.
    kStopped,    // Stop() was called (before or during the wait).
    kCancelled,  // `cancelled` said so.
  };
  // Returns kChanged at once if the token is out of date, else sleeps in the
  // queue of waiters until woken (see above), `deadline`, Stop(), or
  // `cancelled` (if given: called every options.cancel_check_interval with
  // the lock held, so it must be quick and not call this object). A deadline
  // that passes with the token out of date still answers kChanged.
  Wake Wait(absl::Span<const int> job_kinds, uint64_t token, absl::Time deadline,
            const std::function<bool()>& cancelled = nullptr) const;

  // Counts as a notification for each of `job_kinds` (so a waiter between its
  // Token() and its Wait() looks again) and wakes one waiter per kind. Called
  // by a woken waiter that got a job (more may be pending) or that will not
  // look (its call failed or was cancelled), so that its wake-up is not lost.
  void PassBaton(absl::Span<const int> job_kinds);

  // Waiters asleep in Wait() now; and how many waiters notifications, batons
  // and reconnects have woken so far (not counting Stop()); for tests.
  int sleeping() const;
  int64_t woken() const;

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
  // A waiter asleep in Wait(), in the queue from its first sleep to its wake.
  struct Sleeper {
    uint64_t kinds;  // Bit k: runs v1::JobKind k.
    bool woken = false;
    absl::CondVar cv;
    std::list<Sleeper*>::iterator place;
  };
  // Counts a notification with `payload` (a job kind as the jobs table
  // spells it, or "" for any kind) and wakes the waiters it is for.
  void Arrived(const std::string& payload);
  // Counts a wake-up for every kind and wakes every waiter (after a reconnect).
  void ArrivedForAll();
  uint64_t TokenLocked(absl::Span<const int> job_kinds) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Wakes the longest-waiting sleeper of each kind in `kinds` (bits).
  void WakeOnePerKindLocked(uint64_t kinds) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WakeAllLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WakeLocked(Sleeper* sleeper) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  absl::Notification stop_;
  std::thread listener_;

  mutable absl::Mutex mu_;
  // Oldest first. Mutable: Wait() is const for its callers.
  mutable std::list<Sleeper*> sleepers_ ABSL_GUARDED_BY(mu_);
  mutable int64_t woken_ ABSL_GUARDED_BY(mu_) = 0;
  std::array<uint64_t, v1::JobKind_ARRAYSIZE> by_kind_ ABSL_GUARDED_BY(mu_) = {};
  uint64_t any_kind_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool listening_ ABSL_GUARDED_BY(mu_) = false;
  int connections_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_JOB_NOTIFICATIONS_H_
