#include "worker/export/export_summary.h"

#include "gtest/gtest.h"

namespace nas {
namespace {

TEST(ExportSummaryTest, ReadsBackWhatItFormats) {
  const std::string line = FormatExportSummary({"darts_cell", 1, 10});
  EXPECT_EQ(line, "kind=darts_cell in_channels=1 num_classes=10\n");
  auto summary = ParseExportSummary("a warning first\n" + line);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->kind, "darts_cell");
  EXPECT_EQ(summary->in_channels, 1);
  EXPECT_EQ(summary->num_classes, 10);
}

TEST(ExportSummaryTest, AnythingElseIsInternal) {
  for (const char* output : {"", "kind=convnet in_channels=3", "kind= in_channels=3 num_classes=10",
                             "kind=convnet in_channels=x num_classes=10", "wrote model.pt"}) {
    EXPECT_EQ(ParseExportSummary(output).status().code(), absl::StatusCode::kInternal) << output;
  }
}

}  // namespace
}  // namespace nas
