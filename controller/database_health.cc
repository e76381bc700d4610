#include "controller/database_health.h"

#include <iostream>

namespace nas {

DatabaseHealth::DatabaseHealth(Options options) : options_(std::move(options)) {
  thread_ = std::thread([this] { Loop(); });
}

DatabaseHealth::~DatabaseHealth() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

std::string DatabaseHealth::problem() const {
  absl::MutexLock lock(&mu_);
  return problem_;
}

void DatabaseHealth::Loop() {
  while (!stop_.WaitForNotificationWithTimeout(options_.interval)) {
    const absl::Status status = options_.probe();
    {
      absl::MutexLock lock(&mu_);
      problem_ = status.ok() ? "" : std::string(status.message());
    }
    if (status.ok() == serving_.load()) continue;
    serving_.store(status.ok());
    if (status.ok()) {
      std::cerr << "database reachable again: serving" << std::endl;
    } else {
      std::cerr << "not serving: " << status.message() << std::endl;
    }
    if (options_.on_change) options_.on_change(status.ok());
  }
}

}  // namespace nas
