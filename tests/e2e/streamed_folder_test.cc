// A search on an image folder larger than its worker's --dataset_memory_mb:
// the worker streams the training images from their files and the search
// learns as it would in memory. The folder is the real digits as 16x16 PNGs
// (1,200 images, 1.2 MiB decoded) against a 1 MiB budget.
#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/image_folders.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(StreamedFolderTest, ASearchOnAFolderOverTheWorkersBudgetStreamsAndLearns) {
  const std::string folder = std::string(std::getenv("TEST_TMPDIR")) + "/digits16";
  ASSERT_OK(testing::WriteDigitsImageFolder(folder, 1200, /*scale=*/2));
  testing::LocalCluster cluster("streamed_folder");
  ASSERT_OK(cluster.StartController());
  v1::SearchSpec spec = testing::DigitsSpec(/*epochs=*/3);
  v1::Dataset& dataset = *spec.mutable_dataset();
  dataset.set_format(v1::Dataset::IMAGE_FOLDER);
  dataset.set_path(folder);
  spec.set_budget(3);
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(spec));
  cluster.StartWorker("w1", 0, {"--job_kinds=train_candidate", "--dataset_memory_mb=1"});
  auto done = cluster.WaitForSearch(id, absl::Minutes(8));
  ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  EXPECT_EQ(done->evaluations_done(), 3) << cluster.Logs();
  EXPECT_EQ(done->evaluations_failed(), 0) << cluster.Logs();
  EXPECT_GT(done->best().fitness(), 0.5) << cluster.Logs();  // Chance is 0.1.
  EXPECT_THAT(cluster.Logs(), HasSubstr("over --dataset_memory_mb: streaming its 600 training "
                                        "images"));
  EXPECT_THAT(done->data().fingerprint(), StartsWith("image_folder:900x1x16x16:10:sha256="));
  EXPECT_EQ(done->data().channel_mean_size(), 1);
}

}  // namespace
}  // namespace nas
