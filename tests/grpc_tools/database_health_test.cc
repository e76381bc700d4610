// The controller's health follows its database: grpc.health.v1 and the
// --health_listen endpoint say NOT_SERVING / 503 while PostgreSQL is down,
// and SERVING / 200 again once it is back, without a restart.
#include <sys/stat.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/grpc_tools/health.grpc.pb.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

namespace health = ::grpc::health::v1;

// A PostgreSQL server of the test's own (the shared one must stay up),
// stopped and deleted when the guard goes out of scope.
class PrivatePostgres {
 public:
  PrivatePostgres() : script_(testing::RunfilePath("scripts/throwaway_pg.sh")) {
    char dir_template[] = "/tmp/nas-pg-health.XXXXXX";
    if (mkdtemp(dir_template) != nullptr) dir_ = dir_template;
  }
  ~PrivatePostgres() {
    if (!dir_.empty())
      testing::RunCommand("bash " + script_ + " stop " + dir_ + "/pg; rm -rf " + dir_);
  }
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  // Returns its admin DSN.
  absl::StatusOr<std::string> Start() {
    if (dir_.empty()) return absl::InternalError("mkdtemp: cannot create a directory in /tmp");
    chmod(dir_.c_str(), 0755);  // The server may run as the `postgres` user.
    const testing::CommandResult started = testing::RunCommand(
        absl::StrCat("bash ", script_, " start ", dir_, "/pg > ", dir_, "/dsn"));
    if (started.exit_status != 0) return absl::UnavailableError(started.output);
    const std::string dsn = testing::WaitForFile(dir_ + "/dsn", 1000);
    if (dsn.empty()) return absl::InternalError("throwaway_pg.sh start printed no DSN");
    return dsn;
  }

  // Stops the server, keeps it down `down_seconds`, starts it again.
  testing::CommandResult Restart(int down_seconds) {
    return testing::RunCommand(
        absl::StrCat("bash ", script_, " restart ", dir_, "/pg ", down_seconds));
  }

 private:
  std::string script_;
  std::string dir_;
};

TEST(DatabaseHealthTest, FollowsPostgresDownAndBack) {
  PrivatePostgres postgres;  // First: it outlives the cluster on it.
  ASSERT_OK_AND_ASSIGN(const std::string admin_dsn, postgres.Start());
  testing::LocalCluster cluster("database_health", admin_dsn);
  const int health_port = testing::FreePort();
  ASSERT_OK(cluster.StartController(
      {"--health_interval_ms=200", absl::StrCat("--health_listen=127.0.0.1:", health_port)}));
  auto stub = health::Health::NewStub(
      grpc::CreateChannel(cluster.controller_address(0), grpc::InsecureChannelCredentials()));
  auto grpc_status = [&](const std::string& service) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    health::HealthCheckRequest request;
    request.set_service(service);
    health::HealthCheckResponse response;
    const grpc::Status status = stub->Check(&context, request, &response);
    return status.ok() ? response.status() : health::HealthCheckResponse::UNKNOWN;
  };
  httplib::Client http("127.0.0.1", health_port);
  auto http_status = [&](const std::string& path) {
    auto answer = http.Get(path.c_str());
    return answer ? answer->status : -1;
  };
  // Polls until every probe agrees on `serving`, or 5 s pass.
  auto all_say = [&](bool serving) {
    const auto want =
        serving ? health::HealthCheckResponse::SERVING : health::HealthCheckResponse::NOT_SERVING;
    const int want_http = serving ? 200 : 503;
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (absl::Now() < deadline) {
      if (grpc_status("") == want && grpc_status("nas.v1.WorkerService") == want &&
          grpc_status("nas.v1.SearchService") == want && http_status("/readyz") == want_http &&
          http_status("/healthz") == 200) {  // Alive throughout: a restart would not help.
        return true;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    return false;
  };
  ASSERT_TRUE(all_say(true)) << cluster.Logs();

  // Down for 8 s: long enough to see NOT_SERVING, then back.
  testing::CommandResult restarted;
  std::thread restart([&] { restarted = postgres.Restart(8); });
  const bool went_down = all_say(false);
  std::string reason;
  if (auto answer = http.Get("/readyz")) reason = answer->body;
  restart.join();
  ASSERT_EQ(restarted.exit_status, 0) << restarted.output;
  EXPECT_TRUE(went_down) << "still SERVING with PostgreSQL stopped" << cluster.Logs();
  EXPECT_NE(reason.find("database unreachable"), std::string::npos) << reason;
  EXPECT_TRUE(all_say(true)) << "not SERVING again after PostgreSQL came back" << cluster.Logs();
  EXPECT_TRUE(cluster.controller(0).running()) << cluster.Logs();
}

}  // namespace
}  // namespace nas
