// `nasctl export` through the real service: a DARTS-cell random search on the
// digits, trained by a real worker that uploads its networks' weights; nasctl
// (a subprocess) writes the best network as TorchScript, and Debian's
// python3-torch loading that file reproduces what the worker's own network,
// rebuilt from the downloaded checkpoint, computes (nasctl downloads the
// weights and runs nas_export, found beside it in the runfiles tree, to write
// the module). The module embeds the data description the search recorded:
// it normalises images scaled to [0, 1] per channel, when the worker reported
// the statistics, and carries the class names. Individuals without weights
// give errors that say why.
#include <string>

#include "bench/search_quality/quality_runner.h"
#include "common/rpc/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/export/python_check.h"
#include "tests/testing/child_process.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"
#include "worker/model/darts_checkpoint.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

// Runs nasctl against controller 0 of `cluster` with `args`.
testing::CommandResult Nasctl(testing::LocalCluster& cluster, const std::string& args) {
  return testing::RunCommand(testing::RunfilePath("controller/cli/nasctl") +
                             " --controller=" + cluster.controller_address(0) + " " + args);
}

std::string Download(testing::LocalCluster& cluster, const std::string& digest) {
  absl::StatusOr<std::string> bytes = cluster.DownloadCheckpoint(digest);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(Sha256Digest(bytes.value_or("")), digest);
  return bytes.value_or("");
}

TEST(ExportEndToEndTest, ExportedBestNetworkReproducesTheWorkersNetworkInPython) {
  testing::LocalCluster cluster("export");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--job_kinds=train_candidate"});
  v1::SearchSpec spec = testing::DigitsSpec(/*epochs=*/1);
  spec.set_budget(2);
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(spec));
  auto done = cluster.WaitForSearch(id, absl::Minutes(5));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  ASSERT_EQ(done->evaluations_done(), 2) << cluster.Logs();
  const v1::Individual& best = done->best();
  ASSERT_FALSE(best.checkpoint().empty()) << "the worker must upload the trained weights";

  const std::string model = TempPath("best.pt");
  const testing::CommandResult exported =
      Nasctl(cluster, "export --search=" + std::to_string(id) + " --out=" + model);
  ASSERT_EQ(exported.exit_status, 0) << exported.output;
  EXPECT_THAT(exported.output, HasSubstr("individual " + std::to_string(best.id()) + " of search"));
  EXPECT_THAT(exported.output, HasSubstr("[N, 1, H, W]"));

  // The search recorded what its worker trained on; with per-channel
  // statistics the module takes images scaled to [0, 1] and normalises them
  // as the worker did, else it is the bare network.
  ASSERT_TRUE(done->has_data()) << cluster.Logs();
  const v1::DataDescription& data = done->data();
  EXPECT_THAT(data.fingerprint(), ::testing::StartsWith("digits_csv:900x1x8x8:10:sha256="));
  const bool normalises = data.channel_mean_size() > 0;
  EXPECT_THAT(exported.output,
              HasSubstr(normalises ? "images scaled to [0, 1]" : "no per-channel statistics"));

  // The worker's own network, from the same checkpoint, on digit-sized inputs.
  auto loaded = DeserializeDartsNetwork(Download(cluster, best.checkpoint()));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(DartsGenomeToText(loaded->genome), best.architecture().text());
  torch::manual_seed(1);
  const torch::Tensor x =
      normalises ? torch::rand({64, 1, 8, 8}) : torch::rand({64, 1, 8, 8}) * 2 - 1;
  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    torch::Tensor fed = x;
    if (normalises) {
      const std::vector<float> mean(data.channel_mean().begin(), data.channel_mean().end());
      const std::vector<float> std(data.channel_std().begin(), data.channel_std().end());
      fed = (x - torch::tensor(mean).reshape({1, -1, 1, 1})) /
            torch::tensor(std).reshape({1, -1, 1, 1});
    }
    expected = loaded->net->forward(fed);
  }
  // Trained weights, not a fresh network's: BatchNorm statistics moved off their start values.
  bool trained = false;
  for (const auto& b : loaded->net->named_buffers()) {
    if (b.key().find("running_mean") != std::string::npos) {
      trained = trained || b.value().abs().max().item<float>() > 1e-3;
    }
  }
  EXPECT_TRUE(trained);
  const std::string reference = TempPath("best.io.pt");
  ASSERT_TRUE(testing::WriteReferenceIo(reference, x, expected).ok());
  const testing::CommandResult check = testing::RunPythonCheck(
      testing::RunfilePath("tests/export/check_export.py"), {{model, reference}});
  EXPECT_EQ(check.exit_status, 0) << check.output;
  std::cout << exported.output << check.output;
  // The class names travel in the module, as the search recorded them.
  const testing::CommandResult names = testing::RunCommand(
      "/usr/bin/python3 -c 'import sys, torch; "
      "print(\"class_names=\" + \",\".join(torch.jit.load(sys.argv[1]).class_names))' " +
      model);
  EXPECT_EQ(names.exit_status, 0) << names.output;
  std::string joined;
  for (const std::string& name : data.class_names()) {
    joined += (joined.empty() ? "" : ",") + name;
  }
  EXPECT_THAT(names.output, HasSubstr("class_names=" + joined + "\n"));

  // nasctl has no LibTorch: without nas_export it says what it needs.
  const testing::CommandResult no_tool =
      Nasctl(cluster, "export --search=" + std::to_string(id) + " --out=" + TempPath("none.pt") +
                          " --export_tool=" + TempPath("no_such_tool"));
  EXPECT_EQ(no_tool.exit_status, 1);
  EXPECT_THAT(no_tool.output, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(no_tool.output, HasSubstr("//worker/export:nas_export"));

  // Another individual by id, and an individual whose weights are gone.
  pqxx::connection conn(cluster.dsn());
  pqxx::work txn(conn);
  const int64_t other =
      txn.exec_params1("SELECT id FROM individuals WHERE search_id = $1 AND id <> $2", id,
                       best.id())[0]
          .as<int64_t>();
  const bool other_has_weights =
      !txn.exec_params1("SELECT checkpoint_digest FROM individuals WHERE id = $1", other)[0]
           .is_null();
  txn.exec_params("UPDATE individuals SET checkpoint_digest = NULL WHERE id = $1", best.id());
  txn.commit();
  if (other_has_weights) {
    const testing::CommandResult by_id = Nasctl(
        cluster, "export --individual=" + std::to_string(other) + " --out=" + TempPath("other.pt"));
    EXPECT_EQ(by_id.exit_status, 0) << by_id.output;
  }
  const testing::CommandResult gone = Nasctl(
      cluster, "export --search=" + std::to_string(id) +
                   " --individual=" + std::to_string(best.id()) + " --out=" + TempPath("gone.pt"));
  EXPECT_EQ(gone.exit_status, 1);
  EXPECT_THAT(gone.output, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(gone.output, HasSubstr("individual " + std::to_string(best.id())));
  EXPECT_THAT(gone.output, HasSubstr("weights were not kept"));
}

// A supernet individual's checkpoint is its architecture parameters: export
// refuses it by name instead of failing to read it as a network.
TEST(ExportEndToEndTest, SupernetIndividualsAreNotNetworks) {
  testing::LocalCluster cluster("export_supernet");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1");
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(testing::DigitsSupernetSpec(
                                             v1::SupernetSearch::PC_DARTS, /*retrain=*/false)));
  auto done = cluster.WaitForSearch(id, absl::Minutes(5));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  ASSERT_EQ(done->evaluations_done(), 1) << cluster.Logs();
  const testing::CommandResult result =
      Nasctl(cluster, "export --search=" + std::to_string(id) + " --out=" + TempPath("s.pt"));
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_THAT(result.output, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(result.output, HasSubstr("checkpoint holds architecture parameters"));
  EXPECT_THAT(result.output, HasSubstr("strategy.supernet.retrain"));
}

TEST(ExportEndToEndTest, TableLookupSearchHasNoWeightsToExport) {
  testing::LocalCluster cluster("export_table");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--job_kinds=table_lookup"});
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(NasBench201Spec(
                                             testing::NasBench201Table(), 3, 2, 1, false)));
  auto done = cluster.WaitForSearch(id, absl::Minutes(2));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  const testing::CommandResult result =
      Nasctl(cluster, "export --search=" + std::to_string(id) + " --out=" + TempPath("nb.pt"));
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_THAT(result.output, HasSubstr("nasbench201"));
  EXPECT_THAT(result.output, HasSubstr("no weights to export"));

  const testing::CommandResult no_out = Nasctl(cluster, "export --search=" + std::to_string(id));
  EXPECT_EQ(no_out.exit_status, 1);
  EXPECT_THAT(no_out.output, HasSubstr("--out"));
}

}  // namespace
}  // namespace nas
