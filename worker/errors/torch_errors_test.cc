#include "worker/errors/torch_errors.h"

#include <stdexcept>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "torch/torch.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

TEST(TorchErrorsTest, ALibTorchErrorBecomesTheFallbackCodeNamingTheContext) {
  const absl::Status status = CallGuarded("adding tensors", []() -> absl::Status {
    torch::ones({2, 3}) + torch::ones({4, 5});  // Shapes do not broadcast: c10::Error.
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_THAT(status.message(), HasSubstr("LibTorch error in adding tensors: "));

  const absl::Status data_loss = CallGuarded(
      "reading a checkpoint", []() -> absl::Status { TORCH_CHECK(false, "truncated"); return absl::OkStatus(); },
      absl::StatusCode::kDataLoss);
  EXPECT_EQ(data_loss.code(), absl::StatusCode::kDataLoss) << data_loss;
  EXPECT_THAT(data_loss.message(), HasSubstr("truncated"));
}

TEST(TorchErrorsTest, OutOfMemoryIsResourceExhaustedWhateverTheFallback) {
  const absl::Status cuda = CallGuarded(
      "training", []() -> absl::Status { TORCH_CHECK(false, "CUDA out of memory. Tried to");
        return absl::OkStatus();
      },
      absl::StatusCode::kDataLoss);
  EXPECT_EQ(cuda.code(), absl::StatusCode::kResourceExhausted) << cuda;
  EXPECT_THAT(cuda.message(), HasSubstr("out of memory in training: "));

  const absl::Status bad_alloc =
      CallGuarded("training", []() -> absl::Status { throw std::bad_alloc(); });
  EXPECT_EQ(bad_alloc.code(), absl::StatusCode::kResourceExhausted) << bad_alloc;
}

TEST(TorchErrorsTest, OtherExceptionsAndValuesPassThrough) {
  const absl::Status std_error =
      CallGuarded("parsing", []() -> absl::Status { throw std::runtime_error("bad digit"); });
  EXPECT_EQ(std_error.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(std_error.message(), "parsing: bad digit");

  const absl::StatusOr<int> value = CallGuarded("adding", []() -> absl::StatusOr<int> {
    return torch::ones({3}).sum().item<int>();
  });
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, 3);
}

}  // namespace
}  // namespace nas
