// DARTS and PC-DARTS searches as a job type of the real service: one worker
// trains the supernet, every epoch lands in the history through heartbeats,
// the derived cell becomes an individual whose lineage names the job, its
// architecture weights are a downloadable checkpoint, and (with retrain) the
// cell is then trained from scratch as an ordinary candidate.
#include "absl/strings/str_cat.h"
#include "common/genome/darts_genome.h"
#include "common/rpc/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/local_cluster.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(SupernetEndToEndTest, SecondOrderDartsDerivesACellThatIsThenRetrained) {
  testing::LocalCluster cluster("supernet_darts");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1");
  v1::SearchSpec spec = testing::DigitsSupernetSpec(v1::SupernetSearch::DARTS, /*retrain=*/true);
  spec.mutable_strategy()->mutable_supernet()->set_order(v1::SupernetSearch::SECOND_ORDER);
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(spec));
  auto done = cluster.WaitForSearch(id, absl::Minutes(5));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  ASSERT_EQ(done->state(), v1::SEARCH_SUCCEEDED) << cluster.Logs();
  EXPECT_EQ(done->evaluations_done(), 2) << cluster.Logs();

  // The history: the supernet's individual, then its retrain.
  auto stub = cluster.SearchStub();
  grpc::ClientContext list_context;
  v1::ListIndividualsRequest list;
  list.set_search_id(id);
  v1::ListIndividualsResponse individuals;
  ASSERT_TRUE(stub->ListIndividuals(&list_context, list, &individuals).ok());
  ASSERT_EQ(individuals.individuals_size(), 2);
  const v1::Individual& derived = individuals.individuals(0);
  const v1::Individual& retrained = individuals.individuals(1);

  pqxx::connection conn(cluster.dsn());
  pqxx::work txn(conn);
  const int64_t job_id =
      txn.exec_params1("SELECT id FROM jobs WHERE individual_id = $1", derived.id())[0]
          .as<int64_t>();
  EXPECT_EQ(derived.mutation(), absl::StrCat("derived by job ", job_id,
                                             ", supernet search: DARTS, second order, 3 epochs"));
  auto genome = ParseDartsGenome(derived.architecture().text());
  ASSERT_TRUE(genome.ok()) << genome.status();
  EXPECT_EQ(genome->normal.nodes.size(), 2u);  // The space's nodes.
  EXPECT_EQ(derived.state(), v1::INDIVIDUAL_EVALUATED);
  EXPECT_GT(derived.parameter_count(), 0);
  EXPECT_GT(derived.metrics().at("supernet_valid_accuracy"), 0.2);  // 10 classes: chance is 0.1.

  // The final architecture weights are the individual's checkpoint.
  ASSERT_FALSE(derived.checkpoint().empty());
  absl::StatusOr<std::string> arch = cluster.DownloadCheckpoint(derived.checkpoint());
  ASSERT_TRUE(arch.ok()) << arch.status();
  EXPECT_GT(arch->size(), 100u);
  EXPECT_EQ(Sha256Digest(*arch), derived.checkpoint());
  // The job's log has a line per epoch (job_log_lines, SearchService.ListJobLogs).
  const pqxx::result epoch_lines = txn.exec_params(
      "SELECT text FROM job_log_lines WHERE job_id = $1 AND text LIKE 'epoch %' ORDER BY id",
      job_id);
  ASSERT_EQ(epoch_lines.size(), 3u);
  for (int e = 0; e < 3; ++e) {
    const std::string line = epoch_lines[e][0].as<std::string>();
    EXPECT_THAT(line, ::testing::StartsWith(absl::StrCat("epoch ", e + 1, "/3: ")));
    EXPECT_THAT(line, ::testing::HasSubstr("valid_accuracy "));
  }

  // Every epoch was reported once, with the cell derived so far.
  grpc::ClientContext progress_context;
  v1::ListEpochProgressRequest progress_request;
  progress_request.set_search_id(id);
  v1::ListEpochProgressResponse progress;
  ASSERT_TRUE(stub->ListEpochProgress(&progress_context, progress_request, &progress).ok());
  ASSERT_EQ(progress.epochs_size(), 3);
  for (int e = 0; e < 3; ++e) {
    const v1::EpochProgress& p = progress.epochs(e);
    EXPECT_EQ(p.job_id(), job_id);
    EXPECT_EQ(p.individual_id(), derived.id());
    EXPECT_EQ(p.epoch(), e + 1);
    EXPECT_EQ(p.epochs(), 3);
    for (const char* name : {"train_loss", "train_accuracy", "valid_loss", "valid_accuracy"}) {
      EXPECT_EQ(p.metrics().count(name), 1u) << name;
    }
    EXPECT_TRUE(ParseDartsGenome(p.architecture().text()).ok()) << p.architecture().text();
  }
  EXPECT_EQ(progress.epochs(2).architecture().text(), derived.architecture().text());

  // The retrain trains exactly the derived cell, from scratch, as a candidate.
  EXPECT_EQ(retrained.parent_id(), derived.id());
  EXPECT_EQ(retrained.architecture().text(), derived.architecture().text());
  EXPECT_THAT(retrained.mutation(), StartsWith("retrain from scratch"));
  EXPECT_EQ(retrained.state(), v1::INDIVIDUAL_EVALUATED);
  EXPECT_EQ(txn.exec_params1("SELECT kind FROM jobs WHERE individual_id = $1", retrained.id())[0]
                .as<std::string>(),
            "train_candidate");
  EXPECT_GT(retrained.metrics().at("train_seconds"), 0);

  // Its lineage leads back to the job that produced the cell.
  grpc::ClientContext lineage_context;
  v1::GetLineageRequest lineage_request;
  lineage_request.set_individual_id(retrained.id());
  v1::GetLineageResponse lineage;
  ASSERT_TRUE(stub->GetLineage(&lineage_context, lineage_request, &lineage).ok());
  ASSERT_EQ(lineage.individuals_size(), 2);
  EXPECT_THAT(lineage.individuals(1).mutation(), HasSubstr(absl::StrCat("job ", job_id)));
}

TEST(SupernetEndToEndTest, PcDartsWithoutRetrainEndsWithTheDerivedCell) {
  testing::LocalCluster cluster("supernet_pc_darts");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--job_kinds=supernet_search"});
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(testing::DigitsSupernetSpec(
                                             v1::SupernetSearch::PC_DARTS, /*retrain=*/false)));
  auto done = cluster.WaitForSearch(id, absl::Minutes(5));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  ASSERT_EQ(done->state(), v1::SEARCH_SUCCEEDED) << cluster.Logs();
  EXPECT_EQ(done->evaluations_done(), 1);
  EXPECT_THAT(done->best().mutation(), HasSubstr("supernet search: PC-DARTS (K=2), first order"));
  EXPECT_TRUE(ParseDartsGenome(done->best().architecture().text()).ok());
  EXPECT_FALSE(done->best().checkpoint().empty());
}

TEST(SupernetEndToEndTest, AFailedSupernetEndsTheSearchInsteadOfWaitingForever) {
  testing::LocalCluster cluster("supernet_failed");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1");
  v1::SearchSpec spec = testing::DigitsSupernetSpec(v1::SupernetSearch::DARTS, /*retrain=*/true);
  spec.mutable_dataset()->set_path("/nonexistent/digits.csv.gz");
  spec.set_max_attempts(1);
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(spec));
  auto done = cluster.WaitForSearch(id, absl::Minutes(2));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_EQ(done->state(), v1::SEARCH_SUCCEEDED);
  EXPECT_EQ(done->evaluations_done(), 0);
  EXPECT_EQ(done->evaluations_failed(), 1);
  EXPECT_TRUE(cluster.worker(0).running());
}

}  // namespace
}  // namespace nas
