#include "common/health/health_endpoint.h"

#include <atomic>

#include "gtest/gtest.h"
#include "httplib.h"

namespace nas {
namespace {

TEST(HealthEndpointTest, AnswersEachCheckAndItsReason) {
  std::atomic<bool> live{true}, ready{false};
  auto endpoint = HealthEndpoint::Start(
      "--health_listen", "127.0.0.1:0",
      {[&] { return live.load() ? std::string() : std::string("loop stopped"); },
       [&] { return ready.load() ? std::string() : std::string("not reached yet"); }});
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  httplib::Client client("127.0.0.1", (*endpoint)->port());
  auto healthz = client.Get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 200);
  auto readyz = client.Get("/readyz");
  ASSERT_TRUE(readyz);
  EXPECT_EQ(readyz->status, 503);
  EXPECT_EQ(readyz->body, "not reached yet\n");

  live = false;
  ready = true;
  healthz = client.Get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 503);
  EXPECT_EQ(healthz->body, "loop stopped\n");
  readyz = client.Get("/readyz");
  ASSERT_TRUE(readyz);
  EXPECT_EQ(readyz->status, 200);
  auto other = client.Get("/metrics");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
}

TEST(HealthEndpointTest, RefusesAMalformedAddressNamingTheFlag) {
  auto endpoint =
      HealthEndpoint::Start("--health_listen", "localhost", {[] { return ""; }, [] { return ""; }});
  ASSERT_FALSE(endpoint.ok());
  EXPECT_EQ(endpoint.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(endpoint.status().message().find("--health_listen"), std::string::npos);
}

}  // namespace
}  // namespace nas
