#include "worker/data/prefetch_loader.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

// Row r's image is filled with r; the row `bad_row` fails to read. Counts
// the rows read so far.
class CountingSource : public ExampleSource {
 public:
  explicit CountingSource(int64_t n, int64_t bad_row = -1)
      : labels_(torch::arange(n, torch::kInt64).remainder(3)), bad_row_(bad_row) {}

  int64_t size() const override { return labels_.size(0); }
  std::vector<int64_t> image_shape() const override { return {1, 2, 2}; }
  int num_classes() const override { return 3; }
  const torch::Tensor& labels() const override { return labels_; }
  absl::StatusOr<torch::Tensor> ReadImages(absl::Span<const int64_t> rows) const override {
    torch::Tensor images = torch::empty({static_cast<int64_t>(rows.size()), 1, 2, 2});
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i] == bad_row_) {
        return absl::InvalidArgumentError(absl::StrCat("row", rows[i], ".png: not a PNG"));
      }
      images[i].fill_(static_cast<float>(rows[i]));
      rows_read_.fetch_add(1);
    }
    return images;
  }

  int64_t rows_read() const { return rows_read_.load(); }

 private:
  torch::Tensor labels_;
  int64_t bad_row_;
  mutable std::atomic<int64_t> rows_read_{0};
};

std::vector<int64_t> Reversed(int64_t n) {
  std::vector<int64_t> rows;
  for (int64_t r = n - 1; r >= 0; --r) rows.push_back(r);
  return rows;
}

TEST(PrefetchLoaderTest, HandsOutTheRowsInOrderInBatches) {
  auto source = std::make_shared<CountingSource>(10);
  PrefetchOptions options;
  options.threads = 3;
  options.capacity = 2;
  PrefetchLoader loader(source, Reversed(10), 4, {}, options);
  ASSERT_EQ(loader.batches(), 3);
  std::vector<int64_t> seen;
  for (int b = 0; b < 3; ++b) {
    absl::StatusOr<Batch> batch = loader.Next();
    ASSERT_TRUE(batch.ok()) << batch.status();
    EXPECT_EQ(batch->images.size(0), b < 2 ? 4 : 2);
    for (int64_t i = 0; i < batch->images.size(0); ++i) {
      const int64_t row = static_cast<int64_t>(batch->images[i][0][0][0].item<float>());
      seen.push_back(row);
      EXPECT_EQ(batch->labels[i].item<int64_t>(), row % 3);
    }
  }
  EXPECT_EQ(seen, Reversed(10));
  EXPECT_EQ(loader.Next().status().code(), absl::StatusCode::kOutOfRange);
}

TEST(PrefetchLoaderTest, ReadsNoMoreThanCapacityBatchesAhead) {
  auto source = std::make_shared<CountingSource>(1000);
  PrefetchOptions options;
  options.threads = 4;
  options.capacity = 3;
  PrefetchLoader loader(source, Reversed(1000), 10, {}, options);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // The threads have had ample time to read everything; the queue holds them.
  EXPECT_EQ(source->rows_read(), 30);
  ASSERT_TRUE(loader.Next().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(source->rows_read(), 40);
}

TEST(PrefetchLoaderTest, TransformsEachBatchWithItsIndex) {
  auto source = std::make_shared<CountingSource>(6);
  PrefetchLoader loader(source, {0, 1, 2, 3, 4, 5}, 2,
                        [](int64_t batch, torch::Tensor images) { return images + 100.0f * batch; },
                        {});
  for (int b = 0; b < 3; ++b) {
    absl::StatusOr<Batch> batch = loader.Next();
    ASSERT_TRUE(batch.ok()) << batch.status();
    EXPECT_EQ(batch->images[0][0][0][0].item<float>(), 2 * b + 100.0f * b);
  }
}

TEST(PrefetchLoaderTest, AFailedReadIsThatBatchsErrorAndTheOthersStillCome) {
  auto source = std::make_shared<CountingSource>(8, /*bad_row=*/5);
  PrefetchLoader loader(source, {0, 1, 2, 3, 4, 5, 6, 7}, 2, {}, {});
  EXPECT_TRUE(loader.Next().ok());
  EXPECT_TRUE(loader.Next().ok());
  const absl::Status failed = loader.Next().status();
  EXPECT_EQ(failed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(failed.message().find("row5.png"), std::string::npos) << failed;
  EXPECT_TRUE(loader.Next().ok());
}

TEST(PrefetchLoaderTest, StopsWithBatchesLeftUnread) {
  auto source = std::make_shared<CountingSource>(100000);
  {
    PrefetchLoader loader(source, Reversed(100000), 1, {}, {});
    ASSERT_TRUE(loader.Next().ok());
  }  // Must join its threads, not wait for the rest of the epoch.
  EXPECT_LT(source->rows_read(), 100);
}

}  // namespace
}  // namespace nas
