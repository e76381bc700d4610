#include "controller/cli/text_output.h"

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::SearchSpec TfNasSpec(double fraction) {
  v1::SearchSpec spec;
  spec.mutable_space()->mutable_tfnas();
  spec.mutable_strategy()->mutable_tfnas()->set_target_fraction(fraction);
  spec.mutable_strategy()->mutable_tfnas()->set_epochs(3);
  spec.set_budget(2);
  return spec;
}

v1::Individual Derived() {
  v1::Individual i;
  i.set_id(7);
  i.set_birth_order(1);
  i.set_state(v1::INDIVIDUAL_EVALUATED);
  i.set_fitness(0.5);
  i.set_mutation("supernet search: TF-NAS, target 0.3 of the table's latency range, 3 epochs");
  // Six stages, as long as a real TF-NAS genome gets.
  i.mutable_architecture()->set_text(
      "k3e6w24 k5e3w16 k3e3w16 k7e6w24 | k7e6w48 k5e6w40 k3e3w40 k3e3w32 | k3e3w64 k5e6w64 "
      "k7e6w80 k3e3w80 | k3e6w96 k5e3w96 | k7e6w160 k5e6w160 k3e6w192 | k3e6w320");
  i.mutable_architecture()->set_hash("0123456789abcdef");
  auto& m = *i.mutable_metrics();
  m["target_latency_ms"] = 2.5;
  m["predicted_latency_ms"] = 2.25;
  m["measured_latency_ms"] = 2.75;
  m["table_fastest_ms"] = 1.0;
  m["table_slowest_ms"] = 5.1666666666666;
  return i;
}

TEST(IndividualTextTest, EveryLineEndsAndLongGenomesWrapWithoutRunningOn) {
  const std::string text = IndividualText(TfNasSpec(0.3), Derived());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  lines.pop_back();  // After the final newline.
  for (const std::string& line : lines) EXPECT_LE(line.size(), 100u) << line;
  // The genome is printed once (the space has no other form), then the hash
  // on its own line.
  EXPECT_THAT(text, HasSubstr("  genome: k3e6w24 k5e3w16"));
  EXPECT_EQ(text.find("k3e6w24 k5e3w16"), text.rfind("k3e6w24 k5e3w16"));
  EXPECT_THAT(text, HasSubstr("\n  hash: 0123456789abcdef\n"));
  // Continuation lines are indented under the genome.
  EXPECT_THAT(text, HasSubstr("\n          "));
  // Joining the genome's lines gives the genome back.
  const size_t start = text.find("genome: ") + 8, end = text.find("\n  hash:");
  std::string joined;
  for (absl::string_view part : absl::StrSplit(text.substr(start, end - start), '\n')) {
    part = absl::StripLeadingAsciiWhitespace(part);
    joined += (joined.empty() ? "" : " ") + std::string(part);
  }
  EXPECT_EQ(joined, Derived().architecture().text());
}

TEST(IndividualTextTest, DartsCellsAddTheirReadableForm) {
  v1::SearchSpec spec;
  spec.mutable_space()->mutable_darts_cell()->set_nodes(2);
  v1::Individual i;
  i.mutable_architecture()->set_text(
      "normal: sep_conv_3x3(0)+skip_connect(1) | max_pool_3x3(0)+sep_conv_5x5(2) ; reduce: "
      "avg_pool_3x3(0)+dil_conv_3x3(1) | skip_connect(2)+max_pool_3x3(1)");
  const std::string text = IndividualText(spec, i);
  EXPECT_THAT(text, HasSubstr("normal"));
  EXPECT_EQ(text.back(), '\n');
}

TEST(TfNasLatencyTextTest, TargetInMsAndThePredictedAndMeasuredLatency) {
  const v1::Individual derived = Derived();
  const std::string text = TfNasLatencyText(TfNasSpec(0.3), &derived);
  EXPECT_THAT(text, HasSubstr("latency target: 0.3 of the table's range = 2.5 ms"));
  EXPECT_THAT(text, HasSubstr("fastest 1 ms"));
  EXPECT_THAT(text, HasSubstr("(individual 7): predicted 2.25 ms by the table, within the target"));
  EXPECT_THAT(text, HasSubstr("measured 2.75 ms on its worker"));
  EXPECT_EQ(text.back(), '\n');

  v1::SearchSpec absolute = TfNasSpec(0);
  absolute.mutable_strategy()->mutable_tfnas()->set_target_latency_ms(2);
  v1::Individual over = derived;  // The worker records the target it searched under.
  (*over.mutable_metrics())["target_latency_ms"] = 2;
  EXPECT_THAT(TfNasLatencyText(absolute, &over), HasSubstr("latency target: 2 ms\n"));
  EXPECT_THAT(TfNasLatencyText(absolute, &over), HasSubstr("OVER the target"));
  EXPECT_THAT(TfNasLatencyText(absolute, nullptr), HasSubstr("none derived yet"));
  EXPECT_THAT(TfNasLatencyText(TfNasSpec(0.3), nullptr),
              HasSubstr("0.3 of the table's range (in ms once"));
  v1::SearchSpec other;
  other.mutable_strategy()->mutable_random();
  EXPECT_EQ(TfNasLatencyText(other, &derived), "");
}

TEST(SearchPurposeTest, SaysWhatEachStrategyIsFor) {
  EXPECT_THAT(SearchPurpose(TfNasSpec(0.3)),
              HasSubstr("TF-NAS: the most accurate architecture whose latency is at most 0.3"));
  v1::SearchSpec aging;
  aging.set_budget(100);
  aging.mutable_strategy()->mutable_aging_evolution()->set_population_size(20);
  aging.mutable_strategy()->mutable_aging_evolution()->set_sample_size(5);
  EXPECT_THAT(SearchPurpose(aging), HasSubstr("a population of 20"));
  v1::SearchSpec table;
  table.mutable_strategy()->mutable_random();
  table.mutable_table_lookup()->set_fitness_column("test_acc");
  EXPECT_THAT(SearchPurpose(table), HasSubstr("the table's test_acc"));
  v1::SearchSpec pc;
  pc.mutable_strategy()->mutable_supernet()->set_method(v1::SupernetSearch::PC_DARTS);
  EXPECT_THAT(SearchPurpose(pc), HasSubstr("PC-DARTS"));
  for (const v1::SearchSpec& s : {TfNasSpec(0.3), aging, table, pc}) {
    EXPECT_EQ(SearchPurpose(s).substr(0, 9), "purpose: ");
    EXPECT_EQ(SearchPurpose(s).back(), '\n');
  }
}

TEST(WorkersTextTest, DeviceSlotsJobsWithProgressAndHeartbeatAge) {
  google::protobuf::RepeatedPtrField<v1::WorkerStatus> workers;
  const absl::Time now = absl::FromUnixSeconds(1714564800);
  v1::WorkerStatus* w = workers.Add();
  w->set_worker_id("gpu-3");
  w->set_hostname("node7");
  w->set_device("cuda:0");
  w->set_device_model("NVIDIA H200");
  w->set_slots(2);
  w->add_job_kinds(v1::TRAIN_CANDIDATE);
  w->mutable_last_seen_time()->set_seconds(1714564800 - 4);
  v1::LeasedJob* j = w->add_jobs();
  j->set_job_id(31);
  j->set_attempt(2);
  j->set_search_id(3);
  j->set_individual_id(40);
  j->set_kind(v1::TRAIN_CANDIDATE);
  j->set_progress(0.4);
  j->mutable_lease_expire_time()->set_seconds(1714564800 + 55);
  const std::string text = WorkersText(workers, now);
  EXPECT_THAT(text, HasSubstr("gpu-3 on node7: cuda:0 (NVIDIA H200), 1/2 slots busy, runs "
                              "train_candidate, last seen 4s ago\n"));
  EXPECT_THAT(text, HasSubstr("  job 31 (attempt 2) of search 3, individual 40, train_candidate: "
                              "40% done, lease ends in 55s\n"));
  EXPECT_THAT(WorkersText({}, now), HasSubstr("no workers"));
}

TEST(JobLogLineTextTest, TimeJobIndividualWorkerAndText) {
  v1::JobLogLine l;
  l.mutable_time()->set_seconds(1714564800);
  l.set_job_id(5);
  l.set_attempt(1);
  l.set_individual_id(9);
  l.set_worker_id("w1");
  l.set_text("epoch 1/3 loss 2.30");
  EXPECT_EQ(JobLogLineText(l),
            "2024-05-01T12:00:00Z job 5/1 individual 9 on w1: epoch 1/3 loss 2.30");
}

TEST(WrapTest, BreaksAtSpacesKeepsLongWordsWhole) {
  EXPECT_EQ(Wrap("x: ", "a b c", 100), "x: a b c\n");
  EXPECT_EQ(Wrap("x: ", "aaa bbb ccc", 10), "x: aaa bbb\n   ccc\n");
  EXPECT_EQ(Wrap("x: ", "aaaaaaaaaaaaaaa b", 10), "x: aaaaaaaaaaaaaaa\n   b\n");
  EXPECT_EQ(Wrap("x: ", "", 10), "x: \n");
}

TEST(ProgressLineTest, UnchangedFormat) {
  v1::Search s;
  s.set_id(3);
  s.mutable_spec()->set_budget(4);
  s.set_evaluations_done(2);
  s.set_jobs_in_flight(2);
  s.set_jobs_leased(1);
  s.set_state(v1::SEARCH_RUNNING);
  EXPECT_EQ(ProgressLine(s),
            "search 3 [############............] 2/4 evaluated, 0 failed, 1 worker(s) busy, 1 "
            "queued, best -, running");
  s.set_owner("alice");
  EXPECT_EQ(ProgressLine(s),
            "search 3 [############............] 2/4 evaluated, 0 failed, 1 worker(s) busy, 1 "
            "queued, best -, running, owner alice");
}

TEST(EarlyStoppingTextTest, StoppedCandidatesShowTheEpochAndTheReason) {
  v1::Search s;
  s.set_id(3);
  s.mutable_spec()->set_budget(4);
  s.set_evaluations_done(4);
  s.set_evaluations_stopped(2);
  s.set_state(v1::SEARCH_SUCCEEDED);
  EXPECT_EQ(ProgressLine(s),
            "search 3 [########################] 4/4 evaluated (2 stopped early), 0 failed, 0 "
            "worker(s) busy, 0 queued, best -, succeeded");
  v1::Individual i;
  i.set_id(7);
  i.set_birth_order(5);
  i.set_state(v1::INDIVIDUAL_EVALUATED);
  i.set_fitness(0.41);
  i.set_mutation("op");
  EXPECT_THAT(IndividualRow(i), ::testing::HasSubstr(" evaluated "));
  i.set_stopped_at_epoch(2);
  i.set_stop_reason(
      "stopped early at epoch 2/5: valid_accuracy 0.4100 < median 0.6300 of 7 earlier candidates");
  EXPECT_THAT(IndividualRow(i), ::testing::HasSubstr(" stopped@2  0.4100 "));
  EXPECT_THAT(IndividualText(v1::SearchSpec(), i),
              ::testing::HasSubstr("\n  stopped early at epoch 2/5: "
                                   "valid_accuracy 0.4100 < median 0.6300 of 7 earlier "
                                   "candidates\n"));
}

}  // namespace
}  // namespace nas
