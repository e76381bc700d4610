#include "worker/runtime/worker_health.h"

#include <atomic>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace nas {
namespace {

class WorkerHealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WorkerHealth::Options options;
    options.listen_address = "127.0.0.1:0";
    options.window = absl::Seconds(2);
    options.last_reached = [this] {
      const int64_t ns = reached_ns_.load();
      return ns == 0 ? absl::InfinitePast() : absl::FromUnixNanos(ns);
    };
    auto started = WorkerHealth::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    health_ = *std::move(started);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", health_->port());
  }

  int Get(const char* path) {
    auto answer = client_->Get(path);
    return answer ? answer->status : -1;
  }

  std::atomic<int64_t> reached_ns_{0};  // 0 = never.
  std::unique_ptr<WorkerHealth> health_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(WorkerHealthTest, FollowsTheLoopTheControllerAndStopping) {
  EXPECT_EQ(Get("/healthz"), 503) << "loop not running yet";
  health_->SetRunning(true);
  EXPECT_EQ(Get("/healthz"), 200) << "just started: within the window";
  EXPECT_EQ(Get("/readyz"), 503) << "no controller answered yet";
  reached_ns_ = absl::ToUnixNanos(absl::Now());
  EXPECT_EQ(Get("/readyz"), 200);
  absl::SleepFor(absl::Seconds(2.5));  // Past the window, since start and since the answer.
  EXPECT_EQ(Get("/healthz"), 503) << "controller silent for longer than the window";
  EXPECT_EQ(Get("/readyz"), 503);
  EXPECT_NE(health_->Live().find("no controller answered for"), std::string::npos);
  reached_ns_ = absl::ToUnixNanos(absl::Now());
  health_->SetStopping();
  EXPECT_EQ(Get("/healthz"), 200);
  EXPECT_EQ(Get("/readyz"), 503);
  EXPECT_EQ(health_->Ready(), "stopping");
  health_->SetRunning(false);
  EXPECT_EQ(Get("/healthz"), 503);
}

TEST(WorkerHealthStartTest, RefusesANonPositiveWindow) {
  WorkerHealth::Options options;
  options.listen_address = "127.0.0.1:0";
  options.window = absl::ZeroDuration();
  options.last_reached = [] { return absl::Now(); };
  auto started = WorkerHealth::Start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.status().message().find("--health_window_seconds"), std::string::npos);
}

}  // namespace
}  // namespace nas
