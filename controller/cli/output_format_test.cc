#include "controller/cli/output_format.h"

#include <cmath>
#include <cstdlib>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/search_service.pb.h"
#include "tests/testing/csv_reader.h"

namespace nas {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseOutputFormatTest, KnowsTheThreeFormatsAndNamesTheFlagOtherwise) {
  EXPECT_EQ(*ParseOutputFormat("text"), OutputFormat::kText);
  EXPECT_EQ(*ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("csv"), OutputFormat::kCsv);
  for (const char* bad : {"xml", "", "JSON", "csv "}) {
    const auto parsed = ParseOutputFormat(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr("--format"));
    EXPECT_THAT(parsed.status().message(), HasSubstr("text, json, csv"));
  }
}

TEST(CsvFieldTest, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField("cr\r"), "\"cr\r\"");
  EXPECT_EQ(CsvField(" padded"), "\" padded\"");
}

TEST(CsvTableTest, FieldsWithCommasQuotesAndLineBreaksReadBackAsWritten) {
  const std::vector<std::string> awkward = {"sep_conv_3x3(0)+skip(1) | a, b",
                                            "\"quoted\" and \"\"doubled\"\"",
                                            "line one\nline two\r\nline three",
                                            "",
                                            " ",
                                            ","};
  CsvTable table({"id", "text"});
  for (size_t i = 0; i < awkward.size(); ++i) table.AddRow({std::to_string(i), awkward[i]});
  table.AddRow({"short"});  // Padded to the header's width.
  const std::string csv = table.ToString();
  const auto records = testing::ParseCsv(csv);
  ASSERT_TRUE(records.ok()) << records.status() << "\n" << csv;
  ASSERT_EQ(records->size(), awkward.size() + 2);
  EXPECT_THAT((*records)[0], ElementsAre("id", "text"));
  for (size_t i = 0; i < awkward.size(); ++i) {
    EXPECT_THAT((*records)[i + 1], ElementsAre(std::to_string(i), awkward[i]));
  }
  EXPECT_THAT(records->back(), ElementsAre("short", ""));
  // Appended rows come without the header.
  EXPECT_EQ(table.ToString(false), csv.substr(csv.find('\n') + 1));
}

TEST(CsvNumberTest, ParsesBackToTheSameDouble) {
  for (double v :
       {0.0, 1.0, 0.1, 1.0 / 3, 0.8123456789012345, 1e-7, 123456789.0, -2.5e300, 5e-324}) {
    const std::string text = CsvNumber(v);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), v) << text;
  }
  EXPECT_EQ(CsvNumber(0.1), "0.1");
  EXPECT_EQ(CsvNumber(12), "12");
  EXPECT_EQ(CsvNumber(std::nan("")), "nan");
  EXPECT_EQ(CsvNumber(-INFINITY), "-inf");
}

TEST(CsvTimeTest, Rfc3339InUtcAndEmptyWhenUnset) {
  google::protobuf::Timestamp t;
  EXPECT_EQ(CsvTime(t), "");
  t.set_seconds(1714564800);
  t.set_nanos(250000000);
  EXPECT_EQ(CsvTime(t), "2024-05-01T12:00:00.250Z");
}

TEST(ToJsonTest, ParsesBackToTheSameMessageWithDefaultsPrinted) {
  v1::ListIndividualsResponse response;
  v1::Individual* a = response.add_individuals();
  a->set_id(9007199254740993);  // Beyond a double's integers: JSON keeps it as a string.
  a->set_search_id(3);
  a->set_state(v1::INDIVIDUAL_EVALUATED);
  a->set_fitness(0.8123456789012345);
  a->mutable_architecture()->set_text("normal: \"odd\", text\n");
  (*a->mutable_metrics())["train_loss"] = 0.25;
  a->mutable_evaluate_time()->set_seconds(1714564800);
  v1::Individual* b = response.add_individuals();
  b->set_id(10);
  b->set_state(v1::INDIVIDUAL_FAILED);
  b->set_failure_reason("out of memory");
  const auto json = ToJson(response);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->back(), '\n');
  EXPECT_THAT(*json, HasSubstr("\"9007199254740993\""));
  EXPECT_THAT(*json, HasSubstr("\"parentId\""));  // Printed although 0.
  EXPECT_THAT(*json, HasSubstr("\"INDIVIDUAL_EVALUATED\""));
  v1::ListIndividualsResponse parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*json, &parsed).ok()) << *json;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, response))
      << parsed.DebugString();
}

}  // namespace
}  // namespace nas
