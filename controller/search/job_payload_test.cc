#include "controller/search/job_payload.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "controller/search/spec_validation.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

constexpr char kTraining[] = R"pb(
  training {
    epochs: 2 batch_size: 32 learning_rate: 0.05 momentum: 0.9
    weight_decay: 3e-4 init_channels: 8 cells: 3
  }
  dataset { format: DIGITS_CSV path: "/data/digits.csv.gz" validation_examples: 300 }
  seed: 7
)pb";

constexpr char kTfNasSpec[] = R"pb(
  space { tfnas { image_size: 8 } }
  strategy { tfnas { target_fraction: 0.5 measure_repeats: 3 } }
  budget: 2
  dataset { format: DIGITS_CSV path: "/data/digits.csv.gz" validation_examples: 300 }
  seed: 7
)pb";

v1::SearchSpec Normalized(const std::string& text) {
  v1::SearchSpec spec;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &spec)) << text;
  const absl::Status status = ValidateAndNormalizeSpec(&spec);
  EXPECT_TRUE(status.ok()) << status;
  return spec;
}

v1::Job Filled(const v1::SearchSpec& spec, v1::JobKind kind) {
  v1::Job job;
  const absl::Status status = FillJobPayload(spec, kind, &job);
  EXPECT_TRUE(status.ok()) << status;
  return job;
}

TEST(FillJobPayloadTest, TableLookupCarriesTheTableOnly) {
  const v1::SearchSpec spec = Normalized(R"pb(
    space { nasbench201 {} }
    strategy { aging_evolution { population_size: 3 sample_size: 2 } }
    budget: 10
    table_lookup { table_path: "/t.csv" cell_column: "arch" fitness_column: "acc" }
  )pb");
  const v1::Job job = Filled(spec, v1::TABLE_LOOKUP);
  ASSERT_EQ(job.payload_case(), v1::Job::kTableLookup);
  EXPECT_EQ(job.table_lookup().table_path(), "/t.csv");
  EXPECT_EQ(job.table_lookup().cell_column(), "arch");
  EXPECT_EQ(job.table_lookup().fitness_column(), "acc");
}

TEST(FillJobPayloadTest, TrainCandidateCarriesSpaceTrainingAndTheSearchSeedsSplit) {
  const v1::SearchSpec spec = Normalized(absl::StrCat(R"pb(
    space { darts_cell { nodes: 2 } }
    strategy { random {} }
    budget: 3
  )pb", kTraining));
  const v1::Job job = Filled(spec, v1::TRAIN_CANDIDATE);
  ASSERT_EQ(job.payload_case(), v1::Job::kTrain);
  EXPECT_EQ(job.train().space().darts_cell().nodes(), 2);
  EXPECT_EQ(job.train().training().cells(), 3);
  EXPECT_EQ(job.train().data().dataset().path(), "/data/digits.csv.gz");
  EXPECT_EQ(job.train().data().seed(), 7u) << "the search's seed, shared by its individuals";
  EXPECT_EQ(job.train().sgdr_lr_min(), 0);
}

TEST(FillJobPayloadTest, NashChildrenCarryTheSgdrSchedule) {
  const v1::SearchSpec spec = Normalized(absl::StrCat(R"pb(
    space { convnet {} }
    strategy { nash { n_steps: 1 n_neighbours: 2 lr_min: 0.001 sgdr_period_epochs: 4 } }
    budget: 4
  )pb", kTraining));
  const v1::Job job = Filled(spec, v1::TRAIN_MORPHED);
  ASSERT_EQ(job.payload_case(), v1::Job::kTrain);
  EXPECT_TRUE(job.train().space().has_convnet());
  EXPECT_DOUBLE_EQ(job.train().training().learning_rate(), 0.05);
  EXPECT_DOUBLE_EQ(job.train().sgdr_lr_min(), 0.001);
  EXPECT_EQ(job.train().sgdr_period_epochs(), 4);
  EXPECT_EQ(job.train().data().seed(), 7u);
}

TEST(FillJobPayloadTest, SupernetSearchCarriesItsSearchAndTheRetrainSizes) {
  const v1::SearchSpec spec = Normalized(absl::StrCat(R"pb(
    space { darts_cell { nodes: 2 } }
    strategy { supernet { method: PC_DARTS partial_k: 2 cells: 2 init_channels: 4 retrain: true } }
    budget: 2
  )pb", kTraining));
  const v1::Job search = Filled(spec, v1::SUPERNET_SEARCH);
  ASSERT_EQ(search.payload_case(), v1::Job::kSupernet);
  EXPECT_EQ(search.supernet().space().nodes(), 2);
  EXPECT_EQ(search.supernet().search().method(), v1::SupernetSearch::PC_DARTS);
  EXPECT_GT(search.supernet().search().epochs(), 0) << "defaults filled";
  EXPECT_EQ(search.supernet().data().seed(), 7u);
  EXPECT_EQ(search.supernet().retrain_cells(), 3);
  EXPECT_EQ(search.supernet().retrain_init_channels(), 8);

  const v1::Job retrain = Filled(spec, v1::TRAIN_CANDIDATE);
  ASSERT_EQ(retrain.payload_case(), v1::Job::kTrain);
  EXPECT_EQ(retrain.train().training().epochs(), 2);
}

TEST(FillJobPayloadTest, TfNasMeasureCarriesNoDataAndTheSearchDoes) {
  const v1::SearchSpec spec = Normalized(kTfNasSpec);
  const v1::Job measure = Filled(spec, v1::MEASURE_LATENCY);
  ASSERT_EQ(measure.payload_case(), v1::Job::kTfnas);
  EXPECT_EQ(measure.tfnas().space().image_size(), 8);
  EXPECT_EQ(measure.tfnas().search().measure_repeats(), 3);
  EXPECT_FALSE(measure.tfnas().has_data());

  const v1::Job search = Filled(spec, v1::TFNAS_SEARCH);
  ASSERT_EQ(search.payload_case(), v1::Job::kTfnas);
  EXPECT_DOUBLE_EQ(search.tfnas().search().target_fraction(), 0.5);
  EXPECT_EQ(search.tfnas().data().seed(), 7u);
  EXPECT_TRUE(search.tfnas().latency_table().empty()) << "attached at lease time";
}

TEST(SetExpectedFingerprintTest, EveryPayloadWithASplitCarriesIt) {
  const v1::SearchSpec spec = Normalized(kTfNasSpec);
  v1::Job search = Filled(spec, v1::TFNAS_SEARCH);
  SetExpectedFingerprint("", &search);
  EXPECT_TRUE(search.tfnas().data().expected_fingerprint().empty());
  SetExpectedFingerprint("digits_csv:1797x1x8x8:10:sha256=00", &search);
  EXPECT_EQ(search.tfnas().data().expected_fingerprint(), "digits_csv:1797x1x8x8:10:sha256=00");
  v1::Job measure = Filled(spec, v1::MEASURE_LATENCY);
  SetExpectedFingerprint("fp", &measure);
  EXPECT_FALSE(measure.tfnas().has_data()) << "a latency measurement reads no data";

  v1::Job train = Filled(Normalized(absl::StrCat(R"pb(
                           space { darts_cell { nodes: 2 } }
                           strategy { random {} }
                           budget: 3
                         )pb",
                                                 kTraining)),
                         v1::TRAIN_CANDIDATE);
  SetExpectedFingerprint("fp", &train);
  EXPECT_EQ(train.train().data().expected_fingerprint(), "fp");
  EXPECT_EQ(train.train().data().seed(), 7u);
}

TEST(FillJobPayloadTest, AKindNoOneFillsIsAFailedPrecondition) {
  const v1::SearchSpec spec = Normalized(R"pb(
    space { nasbench201 {} }
    strategy { random {} }
    budget: 3
    table_lookup { table_path: "/t.csv" cell_column: "arch" fitness_column: "acc" }
  )pb");
  v1::Job job;
  const absl::Status status = FillJobPayload(spec, v1::SUPERNET_SEARCH, &job);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("SUPERNET_SEARCH"));
  EXPECT_EQ(job.payload_case(), v1::Job::PAYLOAD_NOT_SET);
}

TEST(FillJobPayloadTest, AnUnregisteredStrategyIsInvalid) {
  v1::Job job;
  EXPECT_EQ(FillJobPayload(v1::SearchSpec(), v1::TRAIN_CANDIDATE, &job).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nas
