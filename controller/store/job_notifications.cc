#include "controller/store/job_notifications.h"

#include <algorithm>
#include <functional>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "controller/store/database.h"
#include "controller/store/database_probe.h"
#include "controller/store/rows.h"
#include "pqxx/pqxx"

namespace nas {
namespace {

// The channel migration 0016's triggers notify.
constexpr char kChannel[] = "nas_jobs";

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn, std::function<void(const std::string&)> on_payload)
      : pqxx::notification_receiver(conn, kChannel), on_payload_(std::move(on_payload)) {}
  void operator()(const std::string& payload, int) override { on_payload_(payload); }

 private:
  std::function<void(const std::string&)> on_payload_;
};

}  // namespace

std::unique_ptr<JobNotifications> JobNotifications::Start(Options options) {
  std::unique_ptr<JobNotifications> n(new JobNotifications(std::move(options)));
  n->listener_ = std::thread([raw = n.get()] { raw->Listen(); });
  return n;
}

JobNotifications::~JobNotifications() { Stop(); }

void JobNotifications::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
    const int64_t counted = woken_;
    WakeAllLocked();
    woken_ = counted;  // Only wake-ups that make a waiter look count.
  }
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (listener_.joinable() && listener_.get_id() != std::this_thread::get_id()) listener_.join();
}

namespace {

// Bit k for each v1::JobKind k a waiter runs; unknown values are left out
// (as in the token) since no notification names them.
uint64_t KindBits(absl::Span<const int> job_kinds) {
  static_assert(v1::JobKind_ARRAYSIZE <= 64, "kinds must fit a uint64_t");
  uint64_t bits = 0;
  for (int kind : job_kinds) {
    if (kind > 0 && kind < v1::JobKind_ARRAYSIZE) bits |= uint64_t{1} << kind;
  }
  return bits;
}

constexpr uint64_t kAllKinds = ~uint64_t{1};  // Every kind but UNSPECIFIED.

}  // namespace

uint64_t JobNotifications::TokenLocked(absl::Span<const int> job_kinds) const {
  // Counters only grow, so the sum changes exactly when one of them does.
  uint64_t sum = any_kind_;
  for (int kind : job_kinds) {
    if (kind > 0 && kind < v1::JobKind_ARRAYSIZE) sum += by_kind_[kind];
  }
  return sum;
}

uint64_t JobNotifications::Token(absl::Span<const int> job_kinds) const {
  absl::MutexLock lock(&mu_);
  return TokenLocked(job_kinds);
}

JobNotifications::Wake JobNotifications::Wait(absl::Span<const int> job_kinds, uint64_t token,
                                              absl::Time deadline,
                                              const std::function<bool()>& cancelled) const {
  absl::MutexLock lock(&mu_);
  if (stopped_) return Wake::kStopped;
  if (TokenLocked(job_kinds) != token) return Wake::kChanged;
  // From here on only a wake-up addressed to this sleeper (or to all) ends
  // the wait early: notifications for its kinds that wake others move the
  // token but leave it asleep, which is the point.
  Sleeper sleeper;
  sleeper.kinds = KindBits(job_kinds);
  sleeper.place = sleepers_.insert(sleepers_.end(), &sleeper);
  bool gave_up = false;
  while (!sleeper.woken) {
    const absl::Time slice =
        cancelled ? std::min(deadline, absl::Now() + options_.cancel_check_interval) : deadline;
    if (!sleeper.cv.WaitWithDeadline(&mu_, slice) || sleeper.woken) continue;
    if (slice >= deadline) break;
    if (cancelled()) {
      gave_up = true;
      break;
    }
  }
  if (!sleeper.woken) sleepers_.erase(sleeper.place);
  if (stopped_) return Wake::kStopped;
  if (sleeper.woken) return Wake::kChanged;
  if (gave_up) return Wake::kCancelled;
  // A notification may have raced the deadline.
  return TokenLocked(job_kinds) != token ? Wake::kChanged : Wake::kDeadline;
}

void JobNotifications::PassBaton(absl::Span<const int> job_kinds) {
  absl::MutexLock lock(&mu_);
  for (int kind : job_kinds) {
    if (kind > 0 && kind < v1::JobKind_ARRAYSIZE) ++by_kind_[kind];
  }
  WakeOnePerKindLocked(KindBits(job_kinds));
}

void JobNotifications::WakeLocked(Sleeper* sleeper) const {
  sleepers_.erase(sleeper->place);
  sleeper->woken = true;
  ++woken_;
  sleeper->cv.Signal();
}

void JobNotifications::WakeOnePerKindLocked(uint64_t kinds) const {
  for (auto it = sleepers_.begin(); kinds != 0 && it != sleepers_.end();) {
    Sleeper* sleeper = *it++;  // WakeLocked erases it.
    if ((sleeper->kinds & kinds) == 0) continue;
    kinds &= ~sleeper->kinds;  // It looks for all its kinds.
    WakeLocked(sleeper);
  }
}

void JobNotifications::WakeAllLocked() const {
  while (!sleepers_.empty()) WakeLocked(sleepers_.front());
}

int JobNotifications::sleeping() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(sleepers_.size());
}

int64_t JobNotifications::woken() const {
  absl::MutexLock lock(&mu_);
  return woken_;
}

bool JobNotifications::listening() const {
  absl::MutexLock lock(&mu_);
  return listening_;
}

int JobNotifications::connections() const {
  absl::MutexLock lock(&mu_);
  return connections_;
}

void JobNotifications::Arrived(const std::string& payload) {
  const v1::JobKind kind = payload.empty() ? v1::JOB_KIND_UNSPECIFIED : JobKindFromDb(payload);
  absl::MutexLock lock(&mu_);
  // An unknown kind (a newer controller's) may still be one a waiter runs.
  if (kind == v1::JOB_KIND_UNSPECIFIED) {
    ++any_kind_;
    WakeOnePerKindLocked(kAllKinds);
  } else {
    ++by_kind_[kind];
    WakeOnePerKindLocked(uint64_t{1} << kind);
  }
}

void JobNotifications::ArrivedForAll() {
  absl::MutexLock lock(&mu_);
  ++any_kind_;
  WakeAllLocked();
}

void JobNotifications::Listen() {
  const std::string dsn = WithConnectTimeout(options_.dsn, 5);
  const long poll_us = static_cast<long>(absl::ToInt64Microseconds(options_.poll_interval));
  absl::Duration backoff = options_.first_backoff;
  std::string last_error;
  while (!stop_.HasBeenNotified()) {
    try {
      pqxx::connection conn(dsn);
      pqxx::nontransaction(conn).exec("SET application_name = 'nas_job_notifications'");
      Receiver receiver(conn, [this](const std::string& payload) { Arrived(payload); });
      // libpqxx swallows a broken connection while it LISTENs: check.
      pqxx::nontransaction(conn).exec("SELECT 1");
      {
        absl::MutexLock lock(&mu_);
        listening_ = true;
        ++connections_;
      }
      if (!last_error.empty()) {
        std::cerr << "job notifications: listening again" << std::endl;
        last_error.clear();
      }
      ArrivedForAll();  // Whatever was notified while not listening.
      backoff = options_.first_backoff;
      absl::Time quiet_since = absl::Now();
      while (!stop_.HasBeenNotified()) {
        if (conn.await_notification(poll_us / 1000000, poll_us % 1000000) > 0) {
          quiet_since = absl::Now();
        } else if (absl::Now() - quiet_since >= options_.keepalive_interval) {
          pqxx::nontransaction(conn).exec("SELECT 1");  // Throws if the server is gone.
          quiet_since = absl::Now();
        }
      }
      absl::MutexLock lock(&mu_);
      listening_ = false;
      return;
    } catch (...) {
      const absl::Status status = StatusFromCurrentException();
      {
        absl::MutexLock lock(&mu_);
        listening_ = false;
      }
      if (std::string(status.message()) != last_error) {  // Once per outage, not per try.
        last_error = std::string(status.message());
        std::cerr << "job notifications: not listening (" << status
                  << "); long-polling leases wait their whole bound until it reconnects"
                  << std::endl;
      }
    }
    stop_.WaitForNotificationWithTimeout(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace nas
