// NASH through the real service: children inherit their parent's weights
// across workers (the start net is trained on one worker, its descendants on
// another), every morphism preserves the function, and the weights of the
// result can be downloaded. A corrupt parent checkpoint fails the children
// with the reason recorded.
#include "common/genome/morphism.h"
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

const std::vector<std::string> kMorphWorker = {"--job_kinds=train_morphed"};

// NASH on the digits: 2 steps of 3 neighbours, 2 morphisms per child.
v1::SearchSpec NashSpec() {
  v1::SearchSpec spec = testing::DigitsSpec(/*epochs=*/1);
  spec.set_name("nash digits");
  spec.mutable_space()->mutable_convnet();
  v1::Nash* nash = spec.mutable_strategy()->mutable_nash();
  nash->set_n_steps(2);
  nash->set_n_neighbours(3);
  nash->set_n_morphisms(2);
  nash->set_start_epochs(4);
  nash->set_neighbour_epochs(2);
  nash->set_final_epochs(3);
  spec.set_budget(2 + 2 * 3);
  spec.set_seed(8);
  spec.mutable_training()->set_weight_decay(5e-4);
  spec.mutable_dataset()->set_train_examples(0);
  return spec;
}

// Runs the start net on worker "first" alone (it exits after one job), so
// every child is trained on another worker than its first ancestor.
void TrainStartOnOneWorker(testing::LocalCluster& cluster) {
  std::vector<std::string> flags = kMorphWorker;
  flags.push_back("--max_jobs=1");
  cluster.StartWorker("first", 0, flags);
  for (int i = 0; i < 600 && cluster.worker(0).running(); ++i)
    absl::SleepFor(absl::Milliseconds(100));
  ASSERT_FALSE(cluster.worker(0).running()) << cluster.Logs();
}

TEST(NashEndToEndTest, ChildrenInheritWeightsAcrossWorkersAndPreserveFunction) {
  testing::LocalCluster cluster("nash");
  ASSERT_OK(cluster.StartController());
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(NashSpec()));
  TrainStartOnOneWorker(cluster);
  cluster.StartWorker("second", 0, kMorphWorker);
  auto done = cluster.WaitForSearch(id, absl::Minutes(5));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_EQ(done->state(), v1::SEARCH_SUCCEEDED);
  EXPECT_EQ(done->evaluations_done(), 8) << cluster.Logs();

  pqxx::connection conn(cluster.dsn());
  pqxx::work txn(conn);
  // Every child was trained on "second" from weights "first" or "second" made.
  EXPECT_EQ(txn.exec1("SELECT count(*) FROM individuals i JOIN jobs j ON j.individual_id = i.id "
                      "JOIN job_attempts a ON a.job_id = j.id AND a.outcome = 'reported' "
                      "WHERE i.parent_id IS NOT NULL AND a.worker_id = 'second'")[0]
                .as<int>(),
            7);
  // Morphed children really preserved the parent's function before training.
  const pqxx::result errors = txn.exec(
      "SELECT m.value FROM individual_metrics m JOIN individuals i ON i.id = m.individual_id "
      "WHERE m.name = 'function_preservation_error' AND i.mutation NOT IN ('start', 'continue')");
  EXPECT_EQ(errors.size(), 4u);
  for (const auto& row : errors) EXPECT_LE(row[0].as<double>(), 1e-4);
  // Each job's log has its epochs, and each child's the measured error (the
  // morphed ones name their morphisms).
  auto lines_like = [&](const char* pattern) {
    return txn.exec_params1("SELECT count(*) FROM job_log_lines WHERE text LIKE $1", pattern)[0]
        .as<int>();
  };
  EXPECT_EQ(txn.exec1("SELECT count(DISTINCT job_id) FROM job_log_lines "
                      "WHERE text LIKE 'epoch 1/%: train_loss %'")[0]
                .as<int>(),
            8);
  EXPECT_EQ(lines_like("%: max relative output difference %"), 7);
  EXPECT_EQ(lines_like("morphed the parent by %"), 4);
  // Hill climbing: the final net beats the start net.
  const double start =
      txn.exec1("SELECT fitness FROM individuals WHERE birth_order = 0")[0].as<double>();
  const double final =
      txn.exec1("SELECT fitness FROM individuals WHERE birth_order = 7")[0].as<double>();
  EXPECT_GT(final, start);
  // Weights no later step needs were released; the best's are kept.
  EXPECT_LT(txn.exec1("SELECT count(*) FROM individuals WHERE checkpoint_digest IS NOT NULL")[0]
                .as<int>(),
            8);

  // The researcher downloads the best individual's weights.
  ASSERT_FALSE(done->best().checkpoint().empty());
  absl::StatusOr<std::string> bytes = cluster.DownloadCheckpoint(done->best().checkpoint());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_GT(bytes->size(), 1000u);
  EXPECT_EQ(Sha256Digest(*bytes), done->best().checkpoint());
}

TEST(NashEndToEndTest, CorruptParentCheckpointFailsChildrenWithReason) {
  testing::LocalCluster cluster("nash_corrupt");
  ASSERT_OK(cluster.StartController());
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(NashSpec()));
  TrainStartOnOneWorker(cluster);
  {
    pqxx::connection conn(cluster.dsn());
    pqxx::work txn(conn);
    txn.exec("UPDATE checkpoint_chunks SET data = '\\xdeadbeef'::bytea");
    txn.commit();
  }
  cluster.StartWorker("second", 0, kMorphWorker);
  auto done = cluster.WaitForSearch(id, absl::Minutes(5));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_EQ(done->evaluations_done(), 1);
  EXPECT_EQ(done->evaluations_failed(), 7);
  pqxx::connection conn(cluster.dsn());
  pqxx::work txn(conn);
  for (const auto& row :
       txn.exec("SELECT failure_reason FROM individuals WHERE state = 'failed'")) {
    EXPECT_THAT(row[0].as<std::string>(), HasSubstr("do not match the digest"));
  }
  EXPECT_TRUE(cluster.worker(1).running()) << "the worker must survive corrupt checkpoints";
}

// Aging evolution in the convnet space mutates by one morphism applied to the
// parent's trained weights (as Large-Scale Evolution did).
TEST(NashEndToEndTest, AgingEvolutionWithMorphismMutationsInheritsWeights) {
  testing::LocalCluster cluster("aging_morphisms");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, kMorphWorker);
  cluster.StartWorker("w2", 0, kMorphWorker);
  v1::SearchSpec spec = NashSpec();
  spec.mutable_strategy()->mutable_aging_evolution()->set_population_size(3);
  spec.mutable_strategy()->mutable_aging_evolution()->set_sample_size(2);
  spec.set_budget(9);
  spec.mutable_training()->set_epochs(2);
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(spec));
  auto done = cluster.WaitForSearch(id, absl::Minutes(5));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_EQ(done->evaluations_done(), 9) << cluster.Logs();

  pqxx::connection conn(cluster.dsn());
  pqxx::work txn(conn);
  // Six children, each one morphism of its parent, trained from its weights.
  const pqxx::result children = txn.exec(
      "SELECT i.mutation, m.value FROM individuals i JOIN individual_metrics m ON "
      "m.individual_id = i.id AND m.name = 'function_preservation_error' "
      "WHERE i.parent_id IS NOT NULL");
  ASSERT_EQ(children.size(), 6u);
  for (const auto& row : children) {
    EXPECT_TRUE(ParseMorphisms(row[0].as<std::string>()).ok()) << row[0].as<std::string>();
    EXPECT_LE(row[1].as<double>(), 1e-4);
  }
  // Aged-out members no queued child needs lose their weights, except the
  // search's best individual, which always keeps its own (users export it).
  EXPECT_EQ(txn.exec1("SELECT count(*) FROM individuals WHERE NOT alive AND "
                      "checkpoint_digest IS NOT NULL AND id <> (SELECT id FROM individuals "
                      "WHERE state = 'evaluated' ORDER BY fitness DESC, birth_order LIMIT 1)")[0]
                .as<int>(),
            0);
  EXPECT_EQ(txn.exec1("SELECT count(*) FROM individuals WHERE state = 'evaluated' AND "
                      "checkpoint_digest IS NULL AND id = (SELECT id FROM individuals "
                      "WHERE state = 'evaluated' ORDER BY fitness DESC, birth_order LIMIT 1)")[0]
                .as<int>(),
            0);
  EXPECT_EQ(txn.exec1("SELECT count(*) FROM individuals WHERE alive AND "
                      "checkpoint_digest IS NOT NULL")[0]
                .as<int>(),
            3);
}

}  // namespace
}  // namespace nas
