#include "controller/cli/command_line.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kEveryCommand = {
    "submit",  "watch", "get",    "list",   "best",   "individuals", "front", "lineage", "epochs",
    "workers", "logs",  "cancel", "extend", "resume", "retry",       "plot",  "export"};

TEST(CommandLineTest, UsageListsEveryCommandWithItsArguments) {
  const std::string usage = UsageText();
  EXPECT_EQ(Commands().size(), kEveryCommand.size());
  for (const std::string& name : kEveryCommand) {
    EXPECT_THAT(usage, HasSubstr("  nasctl " + name)) << name;
  }
  EXPECT_THAT(usage, HasSubstr("nasctl submit SPEC.textproto [--watch]"));
  EXPECT_THAT(usage, HasSubstr("nasctl logs SEARCH_ID [--individual=ID] [--follow]"));
  EXPECT_THAT(usage, HasSubstr("nasctl export --search=SEARCH_ID"));
  EXPECT_THAT(usage, HasSubstr("--format=text|json|csv"));
}

TEST(CommandLineTest, AWrongCommandListsEveryCommand) {
  for (const std::vector<std::string>& words :
       std::vector<std::vector<std::string>>{{"frobnicate", "1"}, {}}) {
    const auto parsed = ParseInvocation(words, OutputFormat::kText);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    for (const std::string& name : kEveryCommand) {
      EXPECT_THAT(parsed.status().message(), HasSubstr(name));
    }
  }
}

TEST(CommandLineTest, ParsesArgumentsAndRefusesWrongOnes) {
  auto logs = ParseInvocation({"logs", "12"}, OutputFormat::kCsv);
  ASSERT_TRUE(logs.ok()) << logs.status();
  EXPECT_EQ(logs->command->name, "logs");
  EXPECT_EQ(logs->id, 12);
  auto workers = ParseInvocation({"workers"}, OutputFormat::kJson);
  ASSERT_TRUE(workers.ok()) << workers.status();
  auto submit = ParseInvocation({"submit", "spec.textproto"}, OutputFormat::kText);
  ASSERT_TRUE(submit.ok()) << submit.status();
  EXPECT_EQ(submit->path, "spec.textproto");
  EXPECT_TRUE(ParseInvocation({"export"}, OutputFormat::kText).ok());

  EXPECT_THAT(ParseInvocation({"best"}, OutputFormat::kText).status().message(),
              HasSubstr("best takes one argument, not 0: nasctl best SEARCH_ID"));
  EXPECT_THAT(ParseInvocation({"list", "x"}, OutputFormat::kText).status().message(),
              HasSubstr("list takes no argument"));
  EXPECT_THAT(ParseInvocation({"lineage", "-3"}, OutputFormat::kText).status().message(),
              HasSubstr("INDIVIDUAL_ID: '-3' is not a positive integer"));
  EXPECT_THAT(ParseInvocation({"plot", "3"}, OutputFormat::kJson).status().message(),
              HasSubstr("--format: plot prints text only"));
}

}  // namespace
}  // namespace nas
