#include "controller/cli/export_tool.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

std::string TestDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// An executable shell script at `path` with `body`.
std::string Script(const std::string& path, const std::string& body) {
  std::ofstream(path) << "#!/bin/sh\n" << body;
  chmod(path.c_str(), 0755);
  return path;
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(FindExportToolTest, TakesTheFlagOnlyIfItIsAnExecutable) {
  const std::string dir = TestDir("flag");
  const std::string tool = Script(dir + "/my_export", "exit 0\n");
  EXPECT_EQ(FindExportTool(tool).value_or(""), tool);
  const absl::StatusOr<std::string> missing = FindExportTool(dir + "/missing");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.status().message(), HasSubstr("--export_tool=" + dir + "/missing"));
  EXPECT_THAT(missing.status().message(), HasSubstr("//worker/export:nas_export"));
}

TEST(FindExportToolTest, LooksOnPathToo) {
  const std::string dir = TestDir("path");
  Script(dir + "/nas_export", "exit 0\n");
  const std::string saved = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  setenv("PATH", dir.c_str(), 1);
  const absl::StatusOr<std::string> found = FindExportTool("");
  setenv("PATH", saved.c_str(), 1);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(*found, ::testing::EndsWith("/nas_export"));
}

class RunExportToolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TestDir("run");
    tmp_ = TestDir("run_tmp");
    setenv("TMPDIR", tmp_.c_str(), 1);
  }
  void TearDown() override {
    // Every temporary file is gone.
    EXPECT_TRUE(std::filesystem::is_empty(tmp_));
  }

  std::string dir_;
  std::string tmp_;
};

TEST_F(RunExportToolTest, PassesTheCheckpointAndReadsTheSummary) {
  const std::string tool =
      Script(dir_ + "/nas_export", "for a in \"$@\"; do echo \"$a\"; done > " + dir_ +
                                       "/args\n"
                                       "cp \"${1#--checkpoint=}\" " +
                                       dir_ +
                                       "/checkpoint\n"
                                       "echo 'kind=convnet in_channels=3 num_classes=10'\n");
  const std::string bytes("weights\0with a zero", 19);
  const absl::StatusOr<ExportSummary> summary =
      RunExportTool(tool, "conv 3x3 16 | pool", bytes, dir_ + "/model.pt");
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->kind, "convnet");
  EXPECT_EQ(summary->in_channels, 3);
  EXPECT_EQ(summary->num_classes, 10);
  EXPECT_EQ(Read(dir_ + "/checkpoint"), bytes);
  EXPECT_THAT(Read(dir_ + "/args"),
              HasSubstr("\n--architecture=conv 3x3 16 | pool\n--out=" + dir_ + "/model.pt\n"));
}

TEST_F(RunExportToolTest, KeepsTheToolsErrorCodeAndMessage) {
  const std::string tool = Script(
      dir_ + "/nas_export", "echo \"the checkpoint holds another architecture\" >&2\nexit 3\n");
  const absl::Status status = RunExportTool(tool, "a", "b", dir_ + "/model.pt").status();
  EXPECT_EQ(status, absl::InvalidArgumentError("the checkpoint holds another architecture"));
}

TEST_F(RunExportToolTest, ACrashOrNoSummaryIsInternal) {
  const absl::Status killed =
      RunExportTool(Script(dir_ + "/killed", "kill -9 $$\n"), "a", "b", dir_ + "/m.pt").status();
  EXPECT_EQ(killed.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(killed.message(), HasSubstr("signal 9"));
  const absl::Status silent =
      RunExportTool(Script(dir_ + "/silent", "exit 0\n"), "a", "b", dir_ + "/m.pt").status();
  EXPECT_EQ(silent.code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace nas
