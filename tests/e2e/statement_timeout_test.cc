// A stuck database does not hold RPCs: with a table locked from another
// connection, real controllers answer UNAVAILABLE naming the timeout within a
// small multiple of it, and serve the same call once the lock is gone.
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "proto/search_service.grpc.pb.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

constexpr int kTimeoutMs = 300;
// "Fails fast": well under ten times the timeout, gRPC and a busy machine
// included.
constexpr absl::Duration kFast = absl::Milliseconds(10 * kTimeoutMs);

struct Answer {
  grpc::Status status;
  absl::Duration took;
};

// GetSearch through controller `i`, with a deadline far beyond the timeouts,
// so only the controller's own bound can end the call early.
Answer TimedGetSearch(const testing::LocalCluster& cluster, int i, int64_t search_id) {
  auto stub = cluster.SearchStub(i);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::GetSearchRequest request;
  request.set_search_id(search_id);
  v1::Search response;
  const absl::Time start = absl::Now();
  grpc::Status status = stub->GetSearch(&context, request, &response);
  return {status, absl::Now() - start};
}

TEST(StatementTimeoutTest, LockHeldElsewhereFailsCallsFastAndTheControllerRecovers) {
  testing::LocalCluster cluster("statement_timeout");
  // Controller 0 is bounded by lock_timeout, controller 1 (which lets locks
  // wait a minute) by statement_timeout; controller 0 has two connections
  // for the burst below.
  ASSERT_OK(cluster.StartController(
      {absl::StrCat("--database_lock_timeout_ms=", kTimeoutMs), "--database_pool_size=2"}));
  ASSERT_OK(cluster.StartController({absl::StrCat("--database_statement_timeout_ms=", kTimeoutMs),
                                     "--database_lock_timeout_ms=60000"}));
  ASSERT_OK_AND_ASSIGN(const int64_t search_id, cluster.CreateSearch(testing::DigitsSpec()));

  pqxx::connection holder_conn(cluster.dsn());
  auto holder = std::make_unique<pqxx::work>(holder_conn);
  holder->exec("LOCK TABLE searches IN ACCESS EXCLUSIVE MODE");

  const char* const kNamed[] = {"lock_timeout", "statement_timeout"};
  for (int i = 0; i < 2; ++i) {
    const Answer a = TimedGetSearch(cluster, i, search_id);
    EXPECT_EQ(a.status.error_code(), grpc::UNAVAILABLE)
        << "controller " << i << ": " << a.status.error_message();
    EXPECT_THAT(a.status.error_message(), HasSubstr(kNamed[i])) << "controller " << i;
    EXPECT_LT(a.took, kFast) << "controller " << i << " answered after " << a.took;
  }

  // More calls than connections: the queue for the pool drains as each
  // statement is cancelled, so every call still ends, in waves.
  constexpr int kCalls = 6;
  std::vector<Answer> burst(kCalls);
  std::vector<std::thread> threads;
  for (int c = 0; c < kCalls; ++c) {
    threads.emplace_back([&, c] { burst[c] = TimedGetSearch(cluster, 0, search_id); });
  }
  for (auto& t : threads) t.join();
  for (int c = 0; c < kCalls; ++c) {
    EXPECT_EQ(burst[c].status.error_code(), grpc::UNAVAILABLE)
        << "burst call " << c << ": " << burst[c].status.error_message();
    // kCalls / pool size = 3 waves of one timeout each.
    EXPECT_LT(burst[c].took, 3 * kFast) << "burst call " << c;
  }

  holder->abort();  // The lock goes.
  holder.reset();
  for (int i = 0; i < 2; ++i) {
    const Answer a = TimedGetSearch(cluster, i, search_id);
    EXPECT_TRUE(a.status.ok()) << "controller " << i
                               << " after the lock went: " << a.status.error_message();
    EXPECT_TRUE(cluster.controller(i).running()) << cluster.Logs();
  }
}

}  // namespace
}  // namespace nas
