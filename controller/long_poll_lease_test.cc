// Long-poll leases through the controller's gRPC server, in process, over
// loopback and a real PostgreSQL: a waiting LeaseJob is handed the job queued
// meanwhile, keeps to its bound and to the call's deadline, many waiting calls
// leave other calls their threads, and shutdown answers the waiting ones.
// Two controllers on one database: tests/e2e/long_poll_lease_test.cc.
#include <atomic>
#include <memory>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "controller/server.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "proto/search_service.grpc.pb.h"
#include "proto/worker_service.grpc.pb.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr int kMaxWaiters = 280;

// One LeaseJob in flight through the callback API.
struct PendingLease {
  grpc::ClientContext context;
  v1::LeaseJobRequest request;
  v1::LeaseJobResponse response;
  grpc::Status status;
  absl::Time answered;
  absl::Notification done;
};

class LongPollLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ControllerServer::Options options;
    options.listen_address = "127.0.0.1:0";
    options.database_dsn = db_.dsn();
    options.max_lease_wait_ms = 20000;
    options.max_lease_waiters = kMaxWaiters;
    if (with_metrics_) {
      metrics_port_ = testing::FreePort();
      options.metrics_listen_address = absl::StrCat("127.0.0.1:", metrics_port_);
    }
    auto server = ControllerServer::BuildAndStart(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    workers_ = v1::WorkerService::NewStub(Channel(0));
    searches_ = v1::SearchService::NewStub(Channel(0));
  }

  // A channel of its own (a distinct argument keeps gRPC from sharing one
  // connection between channels), as each worker has.
  std::shared_ptr<grpc::Channel> Channel(int n) {
    grpc::ChannelArguments args;
    args.SetInt("nas.test_channel", n);
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                     grpc::InsecureChannelCredentials(), args);
  }

  static v1::LeaseJobRequest Request(const std::string& worker_id, int wait_ms) {
    v1::LeaseJobRequest request;
    request.mutable_worker()->set_worker_id(worker_id);
    request.mutable_worker()->add_job_kinds(v1::TABLE_LOOKUP);
    request.set_wait_ms(wait_ms);
    return request;
  }

  // Idle workers w0..w{n-1}, each on a connection of its own, each with a
  // LeaseJob asking to wait 20 s.
  struct WaitingWorkers {
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    std::vector<std::unique_ptr<v1::WorkerService::Stub>> stubs;
    std::vector<std::unique_ptr<PendingLease>> leases;
  };
  WaitingWorkers StartWaitingWorkers(int n) {
    WaitingWorkers w;
    for (int i = 0; i < n; ++i) {
      w.channels.push_back(Channel(i + 1));
      w.stubs.push_back(v1::WorkerService::NewStub(w.channels.back()));
      w.leases.push_back(Start(*w.stubs.back(), Request(absl::StrCat("w", i), 20000)));
    }
    return w;
  }

  // Starts LeaseJob(request) with a deadline `timeout` away.
  std::unique_ptr<PendingLease> Start(v1::WorkerService::Stub& stub, v1::LeaseJobRequest request,
                                      absl::Duration timeout = absl::Seconds(60)) {
    auto lease = std::make_unique<PendingLease>();
    lease->request = std::move(request);
    lease->context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    PendingLease* raw = lease.get();
    stub.async()->LeaseJob(&raw->context, &raw->request, &raw->response, [raw](grpc::Status s) {
      raw->status = std::move(s);
      raw->answered = absl::Now();
      raw->done.Notify();
    });
    return lease;
  }

  // The controller's counter `name` (a Prometheus counter without labels);
  // -1 if it cannot be read.
  double Counter(absl::string_view name) {
    httplib::Client client("127.0.0.1", metrics_port_);
    auto answer = client.Get("/metrics");
    if (!answer || answer->status != 200) return -1;
    for (absl::string_view line : absl::StrSplit(answer->body, '\n')) {
      if (absl::ConsumePrefix(&line, name) && absl::ConsumePrefix(&line, " ")) {
        double value = -1;
        return absl::SimpleAtod(line, &value) ? value : -1;
      }
    }
    return -1;
  }

  absl::Status CreateSearch(int budget = 4) {
    v1::CreateSearchRequest request;
    google::protobuf::TextFormat::ParseFromString(
        R"pb(
          space { nasbench201 {} }
          strategy { random {} }
          table_lookup { table_path: "t.csv" cell_column: "arch" fitness_column: "acc" }
        )pb",
        request.mutable_spec());
    request.mutable_spec()->set_budget(budget);
    grpc::ClientContext context;
    v1::Search search;
    const grpc::Status status = searches_->CreateSearch(&context, request, &search);
    return status.ok() ? absl::OkStatus() : absl::InternalError(status.error_message());
  }

  testing::TestDatabase db_;
  std::unique_ptr<ControllerServer> server_;
  std::unique_ptr<v1::WorkerService::Stub> workers_;
  std::unique_ptr<v1::SearchService::Stub> searches_;
  bool with_metrics_ = false;  // Serve /metrics on metrics_port_.
  int metrics_port_ = 0;
};

class LongPollLeaseMetricsTest : public LongPollLeaseTest {
 protected:
  LongPollLeaseMetricsTest() { with_metrics_ = true; }
};

TEST_F(LongPollLeaseTest, WaitingLeaseIsHandedTheJobQueuedMeanwhile) {
  const absl::Time asked = absl::Now();
  auto lease = Start(*workers_, Request("w1", 20000));
  ASSERT_FALSE(lease->done.WaitForNotificationWithTimeout(absl::Milliseconds(500)))
      << "answered without waiting: " << lease->status.error_message();
  const absl::Time created = absl::Now();
  ASSERT_TRUE(CreateSearch().ok());
  ASSERT_TRUE(lease->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(lease->status.ok()) << lease->status.error_message();
  EXPECT_TRUE(lease->response.has_job());
  EXPECT_LT(lease->answered - created, absl::Seconds(2));
  // It says how long it waited for the job: at least until the search was
  // created, at most the whole call.
  EXPECT_GE(lease->response.waited_ms(), 400);
  EXPECT_LE(lease->response.waited_ms(), absl::ToInt64Milliseconds(lease->answered - asked));

  // A lease that finds a job at once did not wait.
  auto next = Start(*workers_, Request("w2", 20000));
  ASSERT_TRUE(next->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(next->status.ok()) << next->status.error_message();
  EXPECT_TRUE(next->response.has_job());
  EXPECT_EQ(next->response.waited_ms(), 0);
}

TEST_F(LongPollLeaseTest, WaitEndsAtItsBoundAndTheWorkerAsksAgainAtOnce) {
  const absl::Time started = absl::Now();
  auto lease = Start(*workers_, Request("w1", 1500));
  ASSERT_TRUE(lease->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(lease->status.ok()) << lease->status.error_message();
  EXPECT_FALSE(lease->response.has_job());
  EXPECT_EQ(lease->response.retry_after_ms(), 0);
  EXPECT_GE(lease->answered - started, absl::Milliseconds(1400));
  EXPECT_LT(lease->answered - started, absl::Seconds(5));

  // Without wait_ms: at once, with the wait before asking again.
  auto at_once = Start(*workers_, Request("w1", 0));
  ASSERT_TRUE(at_once->done.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_TRUE(at_once->status.ok());
  EXPECT_GT(at_once->response.retry_after_ms(), 0);
}

TEST_F(LongPollLeaseTest, WaitStaysBelowTheCallDeadline) {
  const absl::Time started = absl::Now();
  auto lease = Start(*workers_, Request("w1", 20000), /*timeout=*/absl::Seconds(3));
  ASSERT_TRUE(lease->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(lease->status.ok()) << lease->status.error_message();
  EXPECT_LT(lease->answered - started, absl::Seconds(3));
}

TEST_F(LongPollLeaseTest, NegativeWaitIsRefusedNamingTheField) {
  auto lease = Start(*workers_, Request("w1", -1));
  ASSERT_TRUE(lease->done.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_EQ(lease->status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(lease->status.error_message(), HasSubstr("wait_ms"));
}

TEST_F(LongPollLeaseTest, ControllerRefusesAWaitLongerThanTheActiveWorkerWindowAllows) {
  ControllerServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.database_dsn = db_.dsn();
  options.max_lease_wait_ms = absl::ToInt64Milliseconds(JobQueue::kMaxLeaseWait) + 1;
  const auto refused = ControllerServer::BuildAndStart(options);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(),
              AllOf(HasSubstr("--max_lease_wait_ms (27001)"), HasSubstr("at most 27000")));
}

// 300 idle workers on connections of their own: 280 wait (each on a server
// thread), the rest are answered at once; other calls are answered at once
// meanwhile, and shutdown answers the waiting ones without holding it up.
TEST_F(LongPollLeaseTest, ManyWaitingLeasesLeaveOtherCallsTheirThreadsAndEndAtShutdown) {
  constexpr int kWorkers = 300;
  WaitingWorkers waiting = StartWaitingWorkers(kWorkers);
  const std::vector<std::unique_ptr<PendingLease>>& leases = waiting.leases;
  absl::SleepFor(absl::Seconds(3));
  int answered = 0;
  for (const auto& lease : leases) {
    if (!lease->done.HasBeenNotified()) continue;
    ++answered;
    EXPECT_TRUE(lease->status.ok()) << lease->status.error_message();
    EXPECT_GT(lease->response.retry_after_ms(), 0) << "over the limit: told to come back";
  }
  EXPECT_EQ(answered, kWorkers - kMaxWaiters);

  for (int i = 0; i < 3; ++i) {
    const absl::Time started = absl::Now();
    grpc::ClientContext list;
    list.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    v1::ListSearchesResponse searches;
    EXPECT_TRUE(searches_->ListSearches(&list, {}, &searches).ok());
    grpc::ClientContext beat;
    beat.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    v1::HeartbeatRequest request;
    request.set_worker_id("w0");
    request.set_job_id(1);
    request.set_attempt(1);
    v1::HeartbeatResponse response;
    EXPECT_EQ(workers_->Heartbeat(&beat, request, &response).error_code(), grpc::NOT_FOUND);
    EXPECT_LT(absl::Now() - started, absl::Seconds(1)) << "starved by the waiting leases";
  }

  const absl::Time stopping = absl::Now();
  server_->Shutdown();
  EXPECT_LT(absl::Now() - stopping, absl::Seconds(4));
  for (const auto& lease : leases) {
    ASSERT_TRUE(lease->done.WaitForNotificationWithTimeout(absl::Seconds(5)));
    EXPECT_TRUE(lease->status.ok()) << lease->status.error_message();
    EXPECT_FALSE(lease->response.has_job());
    EXPECT_GT(lease->response.retry_after_ms(), 0);
  }
}

// 100 workers wait; a search queues 20 jobs at once (one folded notification).
// All 20 are leased within moments, by the waiting calls, and the controller
// looks for a job about once per job: each notification wakes one waiting
// call, which passes the baton on when it got a job. Waking every waiting
// call would make 100 looks per wake-up.
TEST_F(LongPollLeaseMetricsTest, JobsQueuedAtOnceWakeAboutOneWaitingCallEach) {
  constexpr int kWorkers = 100;
  constexpr int kJobs = 20;
  WaitingWorkers waiting = StartWaitingWorkers(kWorkers);
  const std::vector<std::unique_ptr<PendingLease>>& leases = waiting.leases;
  const absl::Time until = absl::Now() + absl::Seconds(20);
  while (Counter("nas_controller_lease_lookups_total") < kWorkers && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  absl::SleepFor(absl::Milliseconds(500));  // All asleep now.
  const double looked = Counter("nas_controller_lease_lookups_total");
  // Once before waiting, and again if the listener's first connect came after.
  ASSERT_GE(looked, kWorkers);
  ASSERT_LE(looked, 2 * kWorkers);

  const absl::Time created = absl::Now();
  ASSERT_TRUE(CreateSearch(kJobs).ok());
  int granted = 0;
  absl::Time last = created;
  for (const auto& lease : leases) {
    if (!lease->done.WaitForNotificationWithTimeout(
            std::max(absl::ZeroDuration(), created + absl::Seconds(5) - absl::Now()))) {
      continue;
    }
    ASSERT_TRUE(lease->status.ok()) << lease->status.error_message();
    EXPECT_TRUE(lease->response.has_job());
    ++granted;
    last = std::max(last, lease->answered);
  }
  EXPECT_EQ(granted, kJobs);
  EXPECT_LT(last - created, absl::Seconds(3)) << "the jobs were not leased promptly";
  // A job each, the look that ends the baton's chain, the wake-ups of the
  // search's creation and of the queued jobs; not kJobs x kWorkers.
  const double lookups = Counter("nas_controller_lease_lookups_total") - looked;
  EXPECT_GE(lookups, kJobs);
  EXPECT_LE(lookups, 2 * kJobs) << "woken calls that found nothing";

  server_->Shutdown();
  for (const auto& lease : leases) {
    ASSERT_TRUE(lease->done.WaitForNotificationWithTimeout(absl::Seconds(5)));
  }
}

}  // namespace
}  // namespace nas
