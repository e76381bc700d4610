// nasctl's read commands against a real controller, worker and PostgreSQL:
// `individuals --format=csv` and `--format=json` give exactly the numbers
// ListIndividuals returns, `get`/`list`/`lineage`/`best` in each format, and
// usage errors exit with status 2 before anything is sent.
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/testing/csv_reader.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

using ::google::protobuf::util::JsonStringToMessage;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// nasctl's stdout alone (stderr dropped), and its exit status.
testing::CommandResult Nasctl(testing::LocalCluster& cluster, const std::string& args,
                              bool with_stderr = false) {
  return testing::RunCommand(absl::StrCat(testing::RunfilePath("controller/cli/nasctl"),
                                          " --controller=", cluster.controller_address(0), " ",
                                          args, with_stderr ? " 2>&1" : " 2>/dev/null"));
}

// Every individual of the search, as the API pages them (two per page, so
// that nasctl's joining of pages is what is compared).
v1::ListIndividualsResponse ListAll(testing::LocalCluster& cluster, int64_t search_id) {
  v1::ListIndividualsResponse all;
  std::string token;
  do {
    v1::ListIndividualsRequest request;
    request.set_search_id(search_id);
    request.set_page_size(2);
    request.set_page_token(token);
    v1::ListIndividualsResponse page;
    grpc::ClientContext context;
    EXPECT_TRUE(cluster.SearchStub()->ListIndividuals(&context, request, &page).ok());
    for (const auto& i : page.individuals()) *all.add_individuals() = i;
    token = page.next_page_token();
  } while (!token.empty());
  return all;
}

class NasctlReadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new testing::LocalCluster("nasctl_read");
    ASSERT_OK(cluster_->StartController());
    cluster_->StartWorker("w1");
    v1::SearchSpec spec = testing::DigitsSpec(/*epochs=*/1);
    spec.set_name("digits, \"quoted\" name");  // Needs CSV quoting.
    spec.set_budget(5);
    ASSERT_OK_AND_ASSIGN(search_id_, cluster_->CreateSearch(spec));
    auto done = cluster_->WaitForSearch(search_id_, absl::Minutes(4));
    ASSERT_TRUE(done.ok()) << done.status() << cluster_->Logs();
    ASSERT_EQ(done->evaluations_done(), 5) << cluster_->Logs();
  }
  static void TearDownTestSuite() { delete cluster_; }

  static testing::LocalCluster* cluster_;
  static int64_t search_id_;
};

testing::LocalCluster* NasctlReadTest::cluster_ = nullptr;
int64_t NasctlReadTest::search_id_ = 0;

TEST_F(NasctlReadTest, IndividualsAsCsvHoldTheNumbersListIndividualsReturns) {
  const v1::ListIndividualsResponse expected = ListAll(*cluster_, search_id_);
  ASSERT_EQ(expected.individuals_size(), 5);
  const testing::CommandResult csv =
      Nasctl(*cluster_, absl::StrCat("individuals ", search_id_, " --format=csv"));
  ASSERT_EQ(csv.exit_status, 0) << csv.output;
  const auto rows = testing::ParseCsvWithHeader(csv.output);
  ASSERT_TRUE(rows.ok()) << rows.status() << "\n" << csv.output;
  ASSERT_EQ(rows->size(), 5u) << csv.output;
  for (int k = 0; k < expected.individuals_size(); ++k) {
    const v1::Individual& want = expected.individuals(k);
    const auto& row = (*rows)[k];
    EXPECT_EQ(row.at("id"), absl::StrCat(want.id()));
    EXPECT_EQ(row.at("birth_order"), absl::StrCat(want.birth_order()));
    EXPECT_EQ(row.at("state"), "evaluated");
    EXPECT_EQ(std::strtod(row.at("fitness").c_str(), nullptr), want.fitness()) << "exactly";
    EXPECT_EQ(row.at("parameter_count"), absl::StrCat(want.parameter_count()));
    EXPECT_EQ(row.at("architecture"), want.architecture().text());
    EXPECT_EQ(row.at("mutation"), want.mutation());
    ASSERT_FALSE(want.metrics().empty());
    for (const auto& [name, value] : want.metrics()) {
      ASSERT_TRUE(row.count("metric:" + name)) << name << "\n" << csv.output;
      EXPECT_EQ(std::strtod(row.at("metric:" + name).c_str(), nullptr), value) << name;
    }
  }
}

TEST_F(NasctlReadTest, IndividualsAsJsonParseBackToWhatListIndividualsReturns) {
  const v1::ListIndividualsResponse expected = ListAll(*cluster_, search_id_);
  const testing::CommandResult json =
      Nasctl(*cluster_, absl::StrCat("individuals ", search_id_, " --format=json"));
  ASSERT_EQ(json.exit_status, 0) << json.output;
  v1::ListIndividualsResponse parsed;
  ASSERT_TRUE(JsonStringToMessage(json.output, &parsed).ok()) << json.output;
  EXPECT_TRUE(MessageDifferencer::Equals(parsed, expected)) << json.output;
}

TEST_F(NasctlReadTest, GetListBestAndLineageInEachFormat) {
  v1::Search search;
  {
    v1::GetSearchRequest request;
    request.set_search_id(search_id_);
    grpc::ClientContext context;
    ASSERT_TRUE(cluster_->SearchStub()->GetSearch(&context, request, &search).ok());
  }
  const testing::CommandResult get =
      Nasctl(*cluster_, absl::StrCat("get ", search_id_, " --format=json"));
  ASSERT_EQ(get.exit_status, 0) << get.output;
  v1::Search parsed;
  ASSERT_TRUE(JsonStringToMessage(get.output, &parsed).ok()) << get.output;
  EXPECT_TRUE(MessageDifferencer::Equals(parsed, search)) << get.output;

  const testing::CommandResult list = Nasctl(*cluster_, "list --format=csv");
  ASSERT_EQ(list.exit_status, 0) << list.output;
  const auto searches = testing::ParseCsvWithHeader(list.output);
  ASSERT_TRUE(searches.ok()) << searches.status() << "\n" << list.output;
  ASSERT_EQ(searches->size(), 1u);
  EXPECT_EQ(searches->front().at("name"), "digits, \"quoted\" name");
  EXPECT_EQ(searches->front().at("state"), "succeeded");
  EXPECT_EQ(searches->front().at("best_individual_id"), absl::StrCat(search.best().id()));

  const testing::CommandResult best = Nasctl(*cluster_, absl::StrCat("best ", search_id_));
  ASSERT_EQ(best.exit_status, 0) << best.output;
  EXPECT_THAT(best.output, StartsWith(absl::StrCat("best architecture of search ", search_id_)));
  EXPECT_THAT(best.output, HasSubstr("purpose: random search"));
  EXPECT_THAT(best.output,
              HasSubstr(absl::StrCat("  hash: ", search.best().architecture().hash(), "\n")));
  const testing::CommandResult best_csv =
      Nasctl(*cluster_, absl::StrCat("best ", search_id_, " --format=csv"));
  const auto best_rows = testing::ParseCsvWithHeader(best_csv.output);
  ASSERT_TRUE(best_rows.ok()) << best_rows.status() << "\n" << best_csv.output;
  ASSERT_EQ(best_rows->size(), 1u);
  EXPECT_EQ(best_rows->front().at("id"), absl::StrCat(search.best().id()));

  const testing::CommandResult lineage =
      Nasctl(*cluster_, absl::StrCat("lineage ", search.best().id(), " --format=csv"));
  const auto lineage_rows = testing::ParseCsvWithHeader(lineage.output);
  ASSERT_TRUE(lineage_rows.ok()) << lineage_rows.status() << "\n" << lineage.output;
  ASSERT_GE(lineage_rows->size(), 1u);
  EXPECT_EQ(lineage_rows->front().at("id"), absl::StrCat(search.best().id()));
}

TEST_F(NasctlReadTest, UsageErrorsExitWithStatusTwo) {
  const testing::CommandResult bad_format = Nasctl(
      *cluster_, absl::StrCat("individuals ", search_id_, " --format=xml"), /*with_stderr=*/true);
  EXPECT_EQ(bad_format.exit_status, 2);
  EXPECT_THAT(bad_format.output, HasSubstr("--format: 'xml' is not one of text, json, csv"));
  const testing::CommandResult unknown = Nasctl(*cluster_, "frobnicate 1", /*with_stderr=*/true);
  EXPECT_EQ(unknown.exit_status, 2);
  for (const char* command : {"submit", "watch", "workers", "logs", "plot", "export"}) {
    EXPECT_THAT(unknown.output, HasSubstr(command));
  }
  const testing::CommandResult help = Nasctl(*cluster_, "--help", /*with_stderr=*/true);
  EXPECT_THAT(help.output, HasSubstr("nasctl logs SEARCH_ID [--individual=ID] [--follow]"));
  // A failed call is status 1, the controller's error named.
  const testing::CommandResult missing =
      Nasctl(*cluster_, "get 999 --format=json", /*with_stderr=*/true);
  EXPECT_EQ(missing.exit_status, 1);
  EXPECT_THAT(missing.output, HasSubstr("NOT_FOUND"));
}

}  // namespace
}  // namespace nas
