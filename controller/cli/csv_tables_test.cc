#include "controller/cli/csv_tables.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/csv_reader.h"

namespace nas {
namespace {

using ::testing::ElementsAre;
using ::testing::IsSupersetOf;

std::vector<std::string> Header(const std::string& csv) {
  auto records = testing::ParseCsv(csv);
  EXPECT_TRUE(records.ok()) << records.status();
  return records.ok() && !records->empty() ? records->front() : std::vector<std::string>{};
}

TEST(IndividualsCsvTest, OneColumnPerMetricNameOfAnyRowSortedAndEmptyWhereAbsent) {
  Items<v1::Individual> individuals;
  v1::Individual* a = individuals.Add();
  a->set_id(11);
  a->set_search_id(2);
  a->set_birth_order(0);
  a->set_state(v1::INDIVIDUAL_EVALUATED);
  a->set_fitness(0.8125);
  a->set_parameter_count(12345);
  a->set_mutation("random");
  a->set_alive(true);
  a->set_aged_out_at(-1);
  a->mutable_architecture()->set_text("k3e6w24 k5e3w16 | k7e6w48");
  a->mutable_architecture()->set_hash("00ff00ff00ff00ff");
  a->mutable_create_time()->set_seconds(1714564800);
  (*a->mutable_metrics())["train_seconds"] = 4.5;
  (*a->mutable_metrics())["predicted_latency_ms"] = 1.0 / 3;
  v1::Individual* b = individuals.Add();
  b->set_id(12);
  b->set_search_id(2);
  b->set_birth_order(1);
  b->set_parent_id(11);
  b->set_state(v1::INDIVIDUAL_FAILED);
  b->set_mutation("op: a, b \"x\"");
  b->set_failure_reason("loss is nan\nat step 3");
  b->set_aged_out_at(4);
  (*b->mutable_metrics())["attempts"] = 2;

  const std::string csv = IndividualsCsv(individuals);
  const std::vector<std::string> header = Header(csv);
  EXPECT_THAT(header,
              IsSupersetOf({"id", "birth_order", "parent_id", "mutation", "state", "fitness",
                            "parameter_count", "alive", "aged_out_at", "create_time",
                            "evaluate_time", "failure_reason", "architecture"}));
  // The metric columns close the header: the union, sorted.
  ASSERT_GE(header.size(), 3u);
  EXPECT_THAT(
      std::vector<std::string>(header.end() - 3, header.end()),
      ElementsAre("metric:attempts", "metric:predicted_latency_ms", "metric:train_seconds"));

  const auto rows = testing::ParseCsvWithHeader(csv);
  ASSERT_TRUE(rows.ok()) << rows.status() << "\n" << csv;
  ASSERT_EQ(rows->size(), 2u);
  const auto& ra = (*rows)[0];
  EXPECT_EQ(ra.at("id"), "11");
  EXPECT_EQ(ra.at("parent_id"), "");
  EXPECT_EQ(ra.at("state"), "evaluated");
  EXPECT_EQ(std::stod(ra.at("fitness")), 0.8125);
  EXPECT_EQ(ra.at("parameter_count"), "12345");
  EXPECT_EQ(ra.at("alive"), "true");
  EXPECT_EQ(ra.at("aged_out_at"), "-1");
  EXPECT_EQ(ra.at("create_time"), "2024-05-01T12:00:00Z");
  EXPECT_EQ(ra.at("evaluate_time"), "");
  EXPECT_EQ(ra.at("architecture"), "k3e6w24 k5e3w16 | k7e6w48");
  EXPECT_EQ(std::stod(ra.at("metric:predicted_latency_ms")), 1.0 / 3);
  EXPECT_EQ(ra.at("metric:attempts"), "");
  const auto& rb = (*rows)[1];
  EXPECT_EQ(rb.at("parent_id"), "11");
  EXPECT_EQ(rb.at("state"), "failed");
  EXPECT_EQ(rb.at("fitness"), "");  // Not evaluated: no fitness, rather than 0.
  EXPECT_EQ(rb.at("mutation"), "op: a, b \"x\"");
  EXPECT_EQ(rb.at("failure_reason"), "loss is nan\nat step 3");
  EXPECT_EQ(rb.at("metric:attempts"), "2");
  EXPECT_EQ(rb.at("metric:train_seconds"), "");
}

TEST(IndividualsCsvTest, NoIndividualsIsAHeaderWithoutMetricColumns) {
  const std::string csv = IndividualsCsv({});
  EXPECT_EQ(csv.find("metric:"), std::string::npos);
  EXPECT_EQ(csv.back(), '\n');
  EXPECT_EQ(csv.find('\n'), csv.size() - 1);
}

TEST(SearchesCsvTest, NamesTheStrategyAndTheBest) {
  Items<v1::Search> searches;
  v1::Search* s = searches.Add();
  s->set_id(4);
  s->mutable_spec()->set_name("tfnas, at 0.3");
  s->mutable_spec()->mutable_strategy()->mutable_tfnas();
  s->mutable_spec()->set_budget(2);
  s->set_state(v1::SEARCH_SUCCEEDED);
  s->set_evaluations_done(2);
  s->mutable_best()->set_id(8);
  s->mutable_best()->set_fitness(0.5);
  searches.Add()->set_id(5);  // No spec, no best.
  const auto rows = testing::ParseCsvWithHeader(SearchesCsv(searches));
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].at("name"), "tfnas, at 0.3");
  EXPECT_EQ((*rows)[0].at("strategy"), "tfnas");
  EXPECT_EQ((*rows)[0].at("state"), "succeeded");
  EXPECT_EQ((*rows)[0].at("best_individual_id"), "8");
  EXPECT_EQ((*rows)[0].at("best_fitness"), "0.5");
  EXPECT_EQ((*rows)[1].at("strategy"), "unset");
  EXPECT_EQ((*rows)[1].at("best_individual_id"), "");
}

TEST(EpochsCsvTest, MetricColumnsAsForIndividuals) {
  Items<v1::EpochProgress> epochs;
  v1::EpochProgress* e = epochs.Add();
  e->set_job_id(3);
  e->set_epoch(1);
  e->set_epochs(2);
  (*e->mutable_metrics())["valid_accuracy"] = 0.5;
  v1::EpochProgress* f = epochs.Add();
  f->set_job_id(3);
  f->set_epoch(2);
  (*f->mutable_metrics())["temperature"] = 4;
  const auto rows = testing::ParseCsvWithHeader(EpochsCsv(epochs));
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].at("metric:valid_accuracy"), "0.5");
  EXPECT_EQ((*rows)[0].at("metric:temperature"), "");
  EXPECT_EQ((*rows)[1].at("metric:temperature"), "4");
}

TEST(WorkersCsvTest, OneRowPerWorkerWithItsJobsAndKinds) {
  Items<v1::WorkerStatus> workers;
  v1::WorkerStatus* w = workers.Add();
  w->set_worker_id("w1");
  w->set_device("cuda:0");
  w->set_device_model("NVIDIA H200, 141 GB");
  w->set_slots(2);
  w->add_job_kinds(v1::TRAIN_CANDIDATE);
  w->add_job_kinds(v1::TFNAS_SEARCH);
  v1::LeasedJob* j = w->add_jobs();
  j->set_job_id(12);
  j->set_attempt(1);
  j->set_progress(0.25);
  w->mutable_last_seen_time()->set_seconds(1714564800);
  workers.Add()->set_worker_id("idle");
  const auto rows = testing::ParseCsvWithHeader(WorkersCsv(workers));
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].at("device_model"), "NVIDIA H200, 141 GB");
  EXPECT_EQ((*rows)[0].at("slots"), "2");
  EXPECT_EQ((*rows)[0].at("job_kinds"), "train_candidate tfnas_search");
  EXPECT_EQ((*rows)[0].at("jobs"), "12/1:0.25");
  EXPECT_EQ((*rows)[0].at("last_seen_time"), "2024-05-01T12:00:00Z");
  EXPECT_EQ((*rows)[1].at("jobs"), "");
}

TEST(JobLogsCsvTest, TextWithCommasAndQuotesAndAppendedRowsWithoutHeader) {
  Items<v1::JobLogLine> lines;
  v1::JobLogLine* l = lines.Add();
  l->set_job_id(5);
  l->set_attempt(2);
  l->set_individual_id(9);
  l->set_worker_id("w1");
  l->set_text("epoch 1: loss 2.3, acc \"0.1\"");
  const std::string with = JobLogsCsv(lines);
  const std::string without = JobLogsCsv(lines, /*with_header=*/false);
  EXPECT_EQ(with.substr(with.find('\n') + 1), without);
  const auto rows = testing::ParseCsvWithHeader(with);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].at("text"), "epoch 1: loss 2.3, acc \"0.1\"");
  EXPECT_EQ((*rows)[0].at("attempt"), "2");
}

}  // namespace
}  // namespace nas
