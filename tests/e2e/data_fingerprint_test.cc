// Every worker of a search trains on the same data: the search records the
// fingerprint of its first evaluation's data, and a worker that later finds
// other bytes at the same path fails its jobs with a reason naming both
// fingerprints instead of training on them. The digits are copied to a
// private file; the copy is rewritten (same examples, uncompressed: other
// bytes) between the first worker and the second.
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/local_cluster.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Gunzip(const std::string& path) {
  gzFile in = gzopen(path.c_str(), "rb");
  EXPECT_NE(in, nullptr) << path;
  std::string text;
  char buffer[1 << 16];
  int n = 0;
  while (in != nullptr && (n = gzread(in, buffer, sizeof(buffer))) > 0) text.append(buffer, n);
  if (in != nullptr) gzclose(in);
  return text;
}

// The search once it has recorded its data description.
absl::StatusOr<v1::Search> WaitForData(testing::LocalCluster& cluster, int64_t id) {
  const absl::Time deadline = absl::Now() + absl::Minutes(3);
  while (absl::Now() < deadline) {
    v1::GetSearchRequest request;
    request.set_search_id(id);
    v1::Search search;
    grpc::ClientContext context;
    if (cluster.SearchStub()->GetSearch(&context, request, &search).ok() && search.has_data()) {
      return search;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError("the search recorded no data description");
}

TEST(DataFingerprintTest, AWorkerWithOtherDataFailsItsJobsNamingBothFingerprints) {
  const std::string data = std::string(std::getenv("TEST_TMPDIR")) + "/digits.csv.gz";
  std::filesystem::copy_file(std::getenv("NAS_SHARED_DATA") + std::string("/digits/digits.csv.gz"),
                             data, std::filesystem::copy_options::overwrite_existing);
  testing::LocalCluster cluster("data_fingerprint");
  ASSERT_OK(cluster.StartController());
  v1::SearchSpec spec = testing::DigitsSpec(/*epochs=*/2);
  spec.mutable_dataset()->set_path(data);
  spec.set_budget(8);
  spec.set_max_attempts(2);
  spec.set_lease_seconds(5);  // The stopped worker's lease comes back soon.
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(spec));

  cluster.StartWorker("w1", 0, {"--job_kinds=train_candidate"});
  ASSERT_OK_AND_ASSIGN(const v1::Search first, WaitForData(cluster, id));
  cluster.worker(0).Kill();
  const v1::DataDescription& recorded = first.data();
  EXPECT_THAT(recorded.fingerprint(), StartsWith("digits_csv:900x1x8x8:10:sha256="));
  EXPECT_EQ(recorded.train_examples(), 600);
  EXPECT_EQ(recorded.validation_examples(), 300);
  EXPECT_EQ(recorded.classes(), 10);
  EXPECT_THAT(recorded.image_shape(), ::testing::ElementsAre(1, 8, 8));
  ASSERT_LT(first.evaluations_done(), spec.budget()) << "w1 ran the whole search";

  // Same examples, other bytes.
  const std::string text = Gunzip(data);
  ASSERT_FALSE(text.empty());
  std::ofstream(data, std::ios::binary | std::ios::trunc) << text;

  cluster.StartWorker("w2", 0, {"--job_kinds=train_candidate"});
  auto done = cluster.WaitForSearch(id, absl::Minutes(5));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_GT(done->evaluations_failed(), 0) << cluster.Logs();
  EXPECT_EQ(done->data().fingerprint(), recorded.fingerprint()) << "the first record stays";

  pqxx::connection conn(cluster.dsn());
  pqxx::work txn(conn);
  const pqxx::result failed = txn.exec_params(
      "SELECT failure_reason FROM individuals WHERE search_id = $1 AND state = 'failed'", id);
  ASSERT_FALSE(failed.empty());
  for (const auto& row : failed) {
    EXPECT_THAT(row[0].as<std::string>(),
                AllOf(HasSubstr("but the search recorded " + recorded.fingerprint()),
                      HasSubstr("has fingerprint digits_csv:900x1x8x8:10:sha256=")));
  }
  // w2 trained nothing: every attempt it leased failed.
  const pqxx::row w2 = txn.exec_params1(
      "SELECT count(*), count(*) FILTER (WHERE outcome = 'failed') FROM job_attempts a "
      "JOIN jobs j ON j.id = a.job_id WHERE j.search_id = $1 AND a.worker_id = 'w2'",
      id);
  EXPECT_GT(w2[0].as<int>(), 0);
  EXPECT_EQ(w2[1].as<int>(), w2[0].as<int>());
}

}  // namespace
}  // namespace nas
