// The harness itself: a controller that cannot start is an error naming why,
// a refused search comes back as the controller's status, and port files are
// read only once complete.
#include "tests/testing/local_cluster.h"

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas::testing {
namespace {

using ::testing::HasSubstr;

int ListSearches(LocalCluster& cluster) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::ListSearchesRequest request;
  v1::ListSearchesResponse response;
  const grpc::Status status = cluster.SearchStub()->ListSearches(&context, request, &response);
  return status.ok() ? response.searches_size() : -1;
}

TEST(LocalClusterTest, AControllerThatCannotStartIsAnErrorNamingWhy) {
  LocalCluster cluster("cannot_start");
  const absl::Status started = cluster.StartController({"--tls_cert_file=/nonexistent/cert.pem"});
  EXPECT_EQ(started.code(), absl::StatusCode::kUnavailable) << started;
  EXPECT_THAT(started.message(), HasSubstr("exited with status 1"));
  EXPECT_THAT(started.message(), HasSubstr("/nonexistent/cert.pem"));  // From its log.
}

TEST(LocalClusterTest, ControllersServeOnTheirOwnPortsAndRestartOnThem) {
  LocalCluster cluster("ports");
  ASSERT_OK(cluster.StartController());
  ASSERT_OK(cluster.StartController());
  const std::string first = cluster.controller_address(0);
  EXPECT_NE(first, cluster.controller_address(1));
  EXPECT_EQ(ListSearches(cluster), 0);
  ASSERT_OK(cluster.RestartController(0));
  EXPECT_EQ(cluster.controller_address(0), first);
  EXPECT_EQ(ListSearches(cluster), 0);
}

TEST(LocalClusterTest, CreateSearchReturnsTheControllersRefusal) {
  LocalCluster cluster("refusal");
  ASSERT_OK(cluster.StartController());
  v1::SearchSpec spec = DigitsSpec();
  spec.set_budget(-1);
  const absl::StatusOr<int64_t> id = cluster.CreateSearch(spec);
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument) << id.status();
  EXPECT_THAT(id.status().message(), HasSubstr("budget"));
  spec.set_budget(1);
  ASSERT_OK(cluster.CreateSearch(spec));
}

TEST(WaitForFileTest, ReturnsOnlyACompleteLine) {
  const std::string path = RequiredEnv("TEST_TMPDIR") + "/partial";
  std::ofstream(path) << "123";
  EXPECT_EQ(WaitForFile(path, 100), "");
  std::ofstream(path, std::ios::app) << "45\n6";
  EXPECT_EQ(WaitForFile(path, 100), "12345");
  EXPECT_EQ(WaitForFileContaining(path, "5\n6", 100), "12345\n6");
}

}  // namespace
}  // namespace nas::testing
