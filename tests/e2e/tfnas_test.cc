// TF-NAS as jobs of the real service: a worker measures a latency table on its
// own device (stored in PostgreSQL keyed by the device), then searches under
// it; the derived architecture meets the target strictly by the table, for
// several targets, with its latency measured on the worker reported beside
// the predicted one, every epoch in the history and the architecture
// parameters as the individual's checkpoint; with retrain, the derived
// architecture is then trained from scratch as a candidate.
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/genome/tfnas_genome.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/child_process.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"
#include "torch/script.h"
#include "worker/tfnas/checkpoint.h"

namespace nas {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Retraining a derived architecture on the digits: epochs, and a validation
// accuracy it must beat (chance is 0.1).
constexpr int kRetrainEpochs = 6;
constexpr double kRetrainAccuracyFloor = 0.3;

// The 8x8 digits in a slim TF-NAS space.
v1::SearchSpec TfNasSpec(double target_fraction) {
  v1::SearchSpec spec = testing::DigitsSpec();
  spec.set_name(absl::StrCat("tfnas digits at ", target_fraction));
  spec.clear_training();
  v1::TfNasSpace* space = spec.mutable_space()->mutable_tfnas();
  space->set_image_size(8);
  space->set_width_multiplier(0.25);
  space->set_max_layers_per_stage(2);
  v1::TfNasSearch* t = spec.mutable_strategy()->mutable_tfnas();
  t->set_target_fraction(target_fraction);
  t->set_epochs(3);
  t->set_warmup_epochs(1);
  t->set_batch_size(64);
  t->set_measure_repeats(3);
  t->set_measure_width_stride(16);
  spec.set_budget(2);
  return spec;
}

TEST(TfNasEndToEndTest, MeasuresATableThenMeetsEachTargetStrictly) {
  testing::LocalCluster cluster("tfnas");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--job_kinds=measure_latency,tfnas_search"});
  const std::vector<double> fractions = {0.15, 0.6};
  std::vector<int64_t> ids;
  for (double f : fractions) {
    ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(TfNasSpec(f)));
    ids.push_back(id);
  }

  pqxx::connection conn(cluster.dsn());
  for (size_t k = 0; k < ids.size(); ++k) {
    const int64_t id = ids[k];
    auto done = cluster.WaitForSearch(id, absl::Minutes(5));
    ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
    ASSERT_EQ(done->state(), v1::SEARCH_SUCCEEDED) << cluster.Logs();
    ASSERT_EQ(done->evaluations_done(), 2) << cluster.Logs();

    pqxx::work txn(conn);
    // The measurement: a table stored under the worker's device.
    const pqxx::row measured = txn.exec_params1(
        "SELECT i.id, i.mutation, j.id FROM individuals i JOIN jobs j ON j.individual_id = i.id "
        "WHERE i.search_id = $1 AND i.birth_order = 0",
        id);
    EXPECT_EQ(measured[1].as<std::string>(), "latency table measurement");
    EXPECT_EQ(txn.exec_params1(
                     "SELECT count(*) FROM latency_tables WHERE device LIKE 'cpu (%, 1 thread)'")[0]
                  .as<int>(),
              1);  // Both searches time the same space on the same machine: one row.

    // The search: derived from that table, under the target.
    const pqxx::row derived = txn.exec_params1(
        "SELECT i.id, i.genome, i.mutation, i.parent_id, i.checkpoint_digest IS NOT NULL, j.id "
        "FROM individuals i JOIN jobs j ON j.individual_id = i.id "
        "WHERE i.search_id = $1 AND i.birth_order = 1",
        id);
    EXPECT_TRUE(ParseTfNasGenome(derived[1].as<std::string>()).ok()) << derived[1];
    EXPECT_THAT(derived[2].as<std::string>(),
                StartsWith(absl::StrCat("derived by job ", derived[5].as<int64_t>(),
                                        ", supernet search: TF-NAS, target ")));
    EXPECT_EQ(derived[3].as<int64_t>(), measured[0].as<int64_t>());
    EXPECT_TRUE(derived[4].as<bool>());
    std::map<std::string, double> metrics;
    for (const auto& row :
         txn.exec_params("SELECT name, value FROM individual_metrics WHERE individual_id = $1",
                         derived[0].as<int64_t>())) {
      metrics[row[0].as<std::string>()] = row[1].as<double>();
    }
    const double target = metrics.at("target_latency_ms");
    EXPECT_LE(metrics.at("predicted_latency_ms"), target) << "strictly by the table";
    EXPECT_GT(metrics.at("measured_latency_ms"), 0);
    EXPECT_NEAR(target,
                metrics.at("table_fastest_ms") + fractions[k] * (metrics.at("table_slowest_ms") -
                                                                 metrics.at("table_fastest_ms")),
                1e-9);
    // nasctl shows what the search is for: the target, and the derived
    // architecture's latency by the table and as measured on its worker.
    const testing::CommandResult best = testing::RunCommand(
        absl::StrCat(testing::RunfilePath("controller/cli/nasctl"),
                     " --controller=", cluster.controller_address(0), " best ", id));
    ASSERT_EQ(best.exit_status, 0) << best.output;
    EXPECT_THAT(best.output, HasSubstr("purpose: TF-NAS: the most accurate architecture whose "
                                       "latency is at most"));
    EXPECT_THAT(best.output,
                HasSubstr(absl::StrFormat("latency target: %s of the table's range = %.4g ms",
                                          absl::StrCat(fractions[k]), target)));
    EXPECT_THAT(best.output, HasSubstr(absl::StrFormat(
                                 "(individual %d): predicted %.4g ms by the table, "
                                 "within the target; measured %.4g ms on its worker\n",
                                 derived[0].as<int64_t>(), metrics.at("predicted_latency_ms"),
                                 metrics.at("measured_latency_ms"))));
    EXPECT_THAT(best.output, HasSubstr("\n  hash: "));
    // Every epoch reported, each derivation under the target too.
    const pqxx::result epochs = txn.exec_params(
        "SELECT epoch, architecture, (metrics->>'predicted_latency_ms')::float8, "
        "COALESCE(octet_length(architecture_weights), 0) FROM job_epochs "
        "WHERE job_id = $1 ORDER BY epoch",
        derived[5].as<int64_t>());
    ASSERT_EQ(epochs.size(), 3u);
    for (const auto& row : epochs) {
      EXPECT_TRUE(ParseTfNasGenome(row[1].as<std::string>()).ok());
      EXPECT_LE(row[2].as<double>(), target);
      EXPECT_GT(row[3].as<int>(), 0) << "no architecture weights in epoch " << row[0].c_str();
    }
  }
}

// A table file in the paper's JSON format (here the one a worker measured,
// written out of PostgreSQL) replaces the measurement job.
TEST(TfNasEndToEndTest, SearchesUnderATableFileWithoutMeasuring) {
  testing::LocalCluster cluster("tfnas_table_file");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--job_kinds=measure_latency,tfnas_search,train_candidate"});
  ASSERT_OK_AND_ASSIGN(const int64_t measured, cluster.CreateSearch(TfNasSpec(0.5)));
  ASSERT_TRUE(cluster.WaitForSearch(measured, absl::Minutes(5)).ok()) << cluster.Logs();
  const std::string path = absl::StrCat(::testing::TempDir(), "/latency_cpu.json");
  {
    pqxx::connection conn(cluster.dsn());
    pqxx::work txn(conn);
    std::ofstream(path) << txn.exec1("SELECT table_json FROM latency_tables")[0].as<std::string>();
  }
  v1::SearchSpec spec = TfNasSpec(0.3);
  spec.mutable_strategy()->mutable_tfnas()->set_latency_table_path(path);
  // Only the squeeze-and-excitation ops, so that the derived network, its
  // retrain and the exported module below all have SE in every layer (the
  // table measured for the default space holds their entries).
  spec.mutable_space()->mutable_tfnas()->add_squeeze_excitation(true);
  spec.set_budget(1);
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(spec));
  auto done = cluster.WaitForSearch(id, absl::Minutes(5));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  ASSERT_EQ(done->evaluations_done(), 1) << cluster.Logs();
  const v1::Individual& derived = done->best();
  EXPECT_EQ(derived.birth_order(), 0);
  auto derived_genome = ParseTfNasGenome(derived.architecture().text());
  ASSERT_TRUE(derived_genome.ok()) << derived_genome.status();
  for (const TfNasStage& stage : derived_genome->stages) {
    for (const TfNasLayer& layer : stage.layers) {
      EXPECT_TRUE(layer.se) << derived.architecture().text();
    }
  }
  EXPECT_LE(derived.metrics().at("predicted_latency_ms"),
            derived.metrics().at("target_latency_ms"));

  // With retrain, the derived architecture is then trained from scratch.
  v1::SearchSpec retrain = spec;
  retrain.mutable_strategy()->mutable_tfnas()->set_retrain(true);
  *retrain.mutable_training() = testing::DigitsSpec(/*epochs=*/kRetrainEpochs).training();
  retrain.mutable_training()->clear_init_channels();  // The space sets the shape.
  retrain.mutable_training()->clear_cells();
  retrain.set_budget(2);
  ASSERT_OK_AND_ASSIGN(const int64_t retrained, cluster.CreateSearch(retrain));
  int64_t retrain_id = 0, search_id_of_derived = 0;
  auto after_retrain = cluster.WaitForSearch(retrained, absl::Minutes(5));
  ASSERT_TRUE(after_retrain.ok()) << after_retrain.status() << cluster.Logs();
  ASSERT_EQ(after_retrain->evaluations_done(), 2) << cluster.Logs();
  {
    pqxx::connection conn(cluster.dsn());
    pqxx::work txn(conn);
    const pqxx::result rows = txn.exec_params(
        "SELECT i.id, i.genome, i.parent_id, i.mutation, i.fitness, j.kind FROM individuals i "
        "JOIN jobs j ON j.individual_id = i.id WHERE i.search_id = $1 ORDER BY i.birth_order",
        retrained);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1][1].as<std::string>(), rows[0][1].as<std::string>()) << "the derived one";
    EXPECT_EQ(rows[1][2].as<int64_t>(), rows[0][0].as<int64_t>());
    EXPECT_THAT(rows[1][3].as<std::string>(), StartsWith("retrain from scratch"));
    EXPECT_EQ(rows[1][5].as<std::string>(), "train_candidate");
    EXPECT_GT(rows[1][4].as<double>(), kRetrainAccuracyFloor) << "chance is 0.1";
    retrain_id = rows[1][0].as<int64_t>();
    search_id_of_derived = rows[0][0].as<int64_t>();
  }
  // The latencies of a retrain are its parent's, the search's individual.
  const testing::CommandResult got = testing::RunCommand(
      absl::StrCat(testing::RunfilePath("controller/cli/nasctl"),
                   " --controller=", cluster.controller_address(0), " get ", retrained));
  ASSERT_EQ(got.exit_status, 0) << got.output;
  EXPECT_THAT(got.output, HasSubstr("latency target: 0.3 of the table's range = "));
  EXPECT_THAT(got.output, HasSubstr(absl::StrCat("latency of the derived architecture (individual ",
                                                 search_id_of_derived, "): predicted ")));
  // The retrain's weights were uploaded and export as TorchScript computing
  // the same function; the search's own individual (architecture parameters)
  // is refused by name.
  const std::string nasctl = testing::RunfilePath("controller/cli/nasctl") +
                             " --controller=" + cluster.controller_address(0) + " export";
  const std::string model = absl::StrCat(::testing::TempDir(), "/tfnas_retrain.pt");
  // --search exports the retrain: a TF-NAS search's only trained network.
  const testing::CommandResult exported =
      testing::RunCommand(absl::StrCat(nasctl, " --search=", retrained, " --out=", model));
  ASSERT_EQ(exported.exit_status, 0) << exported.output << cluster.Logs();
  EXPECT_THAT(exported.output, HasSubstr(absl::StrCat("individual ", retrain_id)));
  const testing::CommandResult refused = testing::RunCommand(
      absl::StrCat(nasctl, " --individual=", search_id_of_derived, " --out=", model, ".no"));
  EXPECT_EQ(refused.exit_status, 1);
  EXPECT_THAT(refused.output, HasSubstr("is not a trained network"));
  EXPECT_THAT(refused.output, HasSubstr("strategy.tfnas.retrain: true"));
  {
    auto individual = [&]() {
      v1::GetLineageRequest request;
      request.set_individual_id(retrain_id);
      v1::GetLineageResponse response;
      grpc::ClientContext context;
      EXPECT_TRUE(cluster.SearchStub()->GetLineage(&context, request, &response).ok());
      return response.individuals(0);
    }();
    auto bytes = cluster.DownloadCheckpoint(individual.checkpoint());
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    auto loaded = DeserializeTfNasNetwork(*bytes);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    torch::jit::Module script = torch::jit::load(model);
    torch::NoGradGuard no_grad;
    // The module takes images scaled to [0, 1] and normalises them with the
    // per-channel statistics the search recorded, as the worker did.
    ASSERT_TRUE(after_retrain->has_data()) << cluster.Logs();
    const v1::DataDescription& data = after_retrain->data();
    ASSERT_EQ(data.channel_mean_size(), 1);
    const torch::Tensor x = torch::rand({5, 1, 8, 8});
    const torch::Tensor normalised = (x - data.channel_mean(0)) / data.channel_std(0);
    EXPECT_TRUE(torch::allclose(script.forward({x}).toTensor(), loaded->net->forward(normalised),
                                1e-5, 1e-5));
  }

  // A table that lacks the space's blocks fails the search with the reason.
  const std::string partial = absl::StrCat(::testing::TempDir(), "/partial.json");
  std::ofstream(partial) << R"({"base": 1.0})";
  spec.mutable_strategy()->mutable_tfnas()->set_latency_table_path(partial);
  ASSERT_OK_AND_ASSIGN(const int64_t failing, cluster.CreateSearch(spec));
  auto failed = cluster.WaitForSearch(failing, absl::Minutes(2));
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ(failed->evaluations_failed(), 1) << cluster.Logs();
  pqxx::connection conn(cluster.dsn());
  pqxx::work txn(conn);
  EXPECT_THAT(
      txn.exec_params1("SELECT failure_reason FROM individuals WHERE search_id = $1", failing)[0]
          .as<std::string>(),
      HasSubstr("MBInvertedResBlock_"));
}

}  // namespace
}  // namespace nas
