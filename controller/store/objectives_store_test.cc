// Objectives through the store against a real PostgreSQL: each result's
// values and scores, the pareto_front view and GetParetoFront, and the best
// individual by the first objective.
#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "controller/store/job_queue.h"
#include "controller/store/migrated_test_database.h"
#include "controller/store/search_store.h"
#include "controller/store/test_worker.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

class ObjectivesStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::OpenMigratedDatabase(test_db_.dsn(), 2);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    searches_ = std::make_unique<SearchStore>(db_.get());
    queue_ = std::make_unique<JobQueue>(db_.get());
  }

  static v1::SearchSpec Spec(int budget, const std::string& objectives) {
    v1::SearchSpec spec;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
        absl::StrCat(R"pb(
          space { darts_cell { nodes: 2 } }
          strategy { random {} }
          training { epochs: 1 batch_size: 8 learning_rate: 0.1 init_channels: 4 cells: 1 }
          dataset { format: DIGITS_CSV path: "unused" validation_examples: 10 }
          seed: 3 lease_seconds: 60 max_attempts: 3
        )pb",
                     objectives),
        &spec));
    spec.set_budget(budget);
    return spec;
  }

  // Leases the next job and reports (fitness, parameter_count); returns the
  // evaluated individual's id.
  int64_t Evaluate(double fitness, int64_t parameters) {
    auto job = queue_->LeaseJob(testing::TrainCandidateWorker());
    EXPECT_TRUE(job.ok() && job->has_value()) << job.status();
    if (!job.ok() || !job->has_value()) return 0;
    v1::ReportResultRequest r;
    r.set_worker_id("w1");
    r.set_job_id((*job)->job_id());
    r.set_attempt((*job)->attempt());
    r.mutable_result()->set_fitness(fitness);
    r.mutable_result()->set_parameter_count(parameters);
    EXPECT_TRUE(queue_->ReportResult(r).ok());
    return (*job)->individual_id();
  }

  std::set<int64_t> ViewFront(int64_t search_id) {
    std::set<int64_t> ids;
    EXPECT_TRUE(db_->Transact([&](pqxx::work& txn) {
                     ids.clear();
                     for (const auto& row : txn.exec_params(
                              "SELECT individual_id FROM pareto_front WHERE search_id = $1",
                              search_id)) {
                       ids.insert(row[0].as<int64_t>());
                     }
                     return absl::OkStatus();
                   }).ok());
    return ids;
  }

  testing::TestDatabase test_db_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SearchStore> searches_;
  std::unique_ptr<JobQueue> queue_;
};

constexpr char kAccuracyAndSize[] = R"pb(
  objectives { metric: "fitness" goal: MAXIMIZE }
  objectives { metric: "parameter_count" goal: MINIMIZE }
)pb";

TEST_F(ObjectivesStoreTest, FrontHoldsTheNonDominatedByEveryObjective) {
  auto search = searches_->CreateSearch(Spec(6, kAccuracyAndSize));
  ASSERT_TRUE(search.ok()) << search.status();
  // a and d are equal (neither dominates the other); c and f are dominated
  // by b (more accurate and smaller); e trades accuracy for size.
  const int64_t a = Evaluate(0.9, 5000);
  const int64_t b = Evaluate(0.8, 1000);
  const int64_t c = Evaluate(0.7, 3000);
  const int64_t d = Evaluate(0.9, 5000);
  const int64_t e = Evaluate(0.6, 500);
  const int64_t f = Evaluate(0.55, 1200);
  ASSERT_TRUE(a && b && c && d && e && f);

  auto front = searches_->GetParetoFront(search->id());
  ASSERT_TRUE(front.ok()) << front.status();
  std::vector<int64_t> ids;
  std::map<int64_t, std::vector<double>> values;
  for (const v1::Individual& i : *front) {
    ids.push_back(i.id());
    values[i.id()] = {i.objective_values().begin(), i.objective_values().end()};
  }
  EXPECT_EQ(ids, (std::vector<int64_t>{a, b, d, e}));  // Birth order.
  EXPECT_EQ(values[b], (std::vector<double>{0.8, 1000}));  // As measured, not negated.
  EXPECT_EQ(ViewFront(search->id()), (std::set<int64_t>{a, b, d, e}));

  // The best is by the first objective, earliest birth among equals.
  auto best = searches_->GetBestIndividual(search->id());
  ASSERT_TRUE(best.ok());
  EXPECT_EQ(best->id(), a);
}

TEST_F(ObjectivesStoreTest, MinimizingOneObjectiveMakesTheLowestBestAndTheFront) {
  auto search = searches_->CreateSearch(
      Spec(3, R"pb(objectives { metric: "valid_accuracy" goal: MINIMIZE })pb"));
  ASSERT_TRUE(search.ok()) << search.status();
  Evaluate(0.9, 10);
  const int64_t low = Evaluate(0.2, 10);
  Evaluate(0.5, 10);
  auto got = searches_->GetSearch(search->id());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->best().id(), low);
  EXPECT_EQ(ViewFront(search->id()), (std::set<int64_t>{low}));
  auto front = searches_->GetParetoFront(search->id());
  ASSERT_TRUE(front.ok());
  ASSERT_EQ(front->size(), 1u);
  EXPECT_EQ((*front)[0].objective_values(0), 0.2);
}

TEST_F(ObjectivesStoreTest, WithoutObjectivesTheFrontIsTheFittest) {
  auto search = searches_->CreateSearch(Spec(3, ""));
  ASSERT_TRUE(search.ok()) << search.status();
  Evaluate(0.3, 10);
  const int64_t high = Evaluate(0.95, 99999);
  Evaluate(0.5, 10);
  EXPECT_EQ(ViewFront(search->id()), (std::set<int64_t>{high}));
  auto front = searches_->GetParetoFront(search->id());
  ASSERT_TRUE(front.ok());
  ASSERT_EQ(front->size(), 1u);
  EXPECT_EQ((*front)[0].objective_values_size(), 1);
}

TEST_F(ObjectivesStoreTest, FrontOfAMissingSearchIsNotFound) {
  EXPECT_EQ(searches_->GetParetoFront(424242).status().code(), absl::StatusCode::kNotFound);
  auto search = searches_->CreateSearch(Spec(2, kAccuracyAndSize));
  ASSERT_TRUE(search.ok());
  auto empty = searches_->GetParetoFront(search->id());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace nas
