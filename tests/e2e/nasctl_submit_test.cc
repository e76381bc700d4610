// `nasctl submit` against a real controller: a submit retried with the same
// request id never creates a second search, whether the user reruns it or
// nasctl retries by itself because the controller could not be reached.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

std::string WriteSpec(const std::string& name, int budget) {
  const std::string path = TempPath(name);
  v1::SearchSpec spec = testing::DigitsSpec();
  spec.set_budget(budget);
  std::string text;
  google::protobuf::TextFormat::PrintToString(spec, &text);
  std::ofstream(path) << text;
  return path;
}

testing::CommandResult Submit(testing::LocalCluster& cluster, const std::string& args) {
  return testing::RunCommand(testing::RunfilePath("controller/cli/nasctl") + " --controller=" +
                             cluster.controller_address(0) + " --timeout_seconds=5 submit " +
                             args);
}

int SearchCount(testing::LocalCluster& cluster) {
  v1::ListSearchesRequest request;
  request.set_page_size(100);
  v1::ListSearchesResponse response;
  grpc::ClientContext context;
  EXPECT_TRUE(cluster.SearchStub()->ListSearches(&context, request, &response).ok());
  return response.searches_size();
}

TEST(NasctlSubmitTest, TheSameRequestIdNeverCreatesASecondSearch) {
  testing::LocalCluster cluster("nasctl_submit");
  ASSERT_OK(cluster.StartController());
  const std::string spec = WriteSpec("spec.textproto", 2);

  const testing::CommandResult first = Submit(cluster, spec + " --request_id=run-42");
  ASSERT_EQ(first.exit_status, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("created search 1"));
  const testing::CommandResult rerun = Submit(cluster, spec + " --request_id=run-42");
  ASSERT_EQ(rerun.exit_status, 0) << rerun.output;
  EXPECT_THAT(rerun.output, HasSubstr("created search 1"));
  EXPECT_EQ(SearchCount(cluster), 1);

  const testing::CommandResult changed =
      Submit(cluster, WriteSpec("other.textproto", 3) + " --request_id=run-42");
  EXPECT_NE(changed.exit_status, 0);
  EXPECT_THAT(changed.output, HasSubstr("ALREADY_EXISTS"));
  EXPECT_THAT(changed.output, HasSubstr("request_id: 'run-42' already created search 1"));

  // Without --request_id each submit is a new search.
  ASSERT_EQ(Submit(cluster, spec).exit_status, 0);
  ASSERT_EQ(Submit(cluster, spec).exit_status, 0);
  EXPECT_EQ(SearchCount(cluster), 3);
}

TEST(NasctlSubmitTest, RetriesWhileTheControllerIsDownThenCreatesOneSearch) {
  testing::LocalCluster cluster("nasctl_retry");
  ASSERT_OK(cluster.StartController());
  const std::string spec = WriteSpec("spec.textproto", 2);
  cluster.controller(0).Kill();
  // The controller comes back only once nasctl has seen its first attempt fail.
  const std::string log = TempPath("nasctl_retry.log");
  testing::ChildProcess nasctl({testing::RunfilePath("controller/cli/nasctl"),
                                "--controller=" + cluster.controller_address(0),
                                "--timeout_seconds=10", "submit", spec},
                               log);
  ASSERT_THAT(testing::WaitForFileContaining(log, "retrying (attempt 2 of 3", 20000),
              HasSubstr("retrying (attempt 2 of 3"));
  ASSERT_OK(cluster.RestartController(0));
  for (int waited = 0; nasctl.running() && waited < 30000; waited += 50) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_FALSE(nasctl.running()) << nasctl.Log();
  EXPECT_EQ(WEXITSTATUS(nasctl.Stop()), 0) << nasctl.Log() << cluster.Logs();
  EXPECT_THAT(nasctl.Log(), HasSubstr("request_id nasctl:"));
  EXPECT_THAT(nasctl.Log(), HasSubstr("created search 1"));
  EXPECT_EQ(SearchCount(cluster), 1);
}

TEST(NasctlSubmitTest, GivingUpNamesTheRequestIdToRerunWith) {
  testing::LocalCluster cluster("nasctl_down");
  ASSERT_OK(cluster.StartController());
  const std::string spec = WriteSpec("spec.textproto", 2);
  cluster.controller(0).Kill();
  const testing::CommandResult result = Submit(cluster, spec + " --request_id=run-7");
  EXPECT_NE(result.exit_status, 0);
  // Three attempts, the last two waiting out their deadline for the controller.
  EXPECT_THAT(result.output, HasSubstr("retrying (attempt 3 of 3, request_id run-7)"));
  EXPECT_THAT(result.output, Not(HasSubstr("attempt 4")));
  EXPECT_THAT(result.output, HasSubstr("DEADLINE_EXCEEDED"));
  EXPECT_THAT(result.output, HasSubstr("(request_id run-7)"));
}

}  // namespace
}  // namespace nas
