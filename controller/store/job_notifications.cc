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
    changed_.SignalAll();
  }
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (listener_.joinable() && listener_.get_id() != std::this_thread::get_id()) listener_.join();
}

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
                                              absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  while (true) {
    if (stopped_) return Wake::kStopped;
    if (TokenLocked(job_kinds) != token) return Wake::kChanged;
    if (changed_.WaitWithDeadline(&mu_, deadline)) {
      // Timed out; a notification may have raced the deadline.
      if (stopped_) return Wake::kStopped;
      return TokenLocked(job_kinds) != token ? Wake::kChanged : Wake::kDeadline;
    }
  }
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
  } else {
    ++by_kind_[kind];
  }
  changed_.SignalAll();
}

void JobNotifications::ArrivedForAll() {
  absl::MutexLock lock(&mu_);
  ++any_kind_;
  changed_.SignalAll();
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
