#include "worker/training/device.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace nas {
namespace {

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

}  // namespace

absl::StatusOr<torch::Device> ResolveDevice(absl::string_view flag) {
  const bool cuda = torch::cuda::is_available();
  if (flag == "auto") return cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (flag == "cpu") return torch::Device(torch::kCPU);
  absl::string_view rest = flag;
  if (absl::ConsumePrefix(&rest, "cuda")) {
    int index = 0;
    if (!rest.empty() &&
        !(absl::ConsumePrefix(&rest, ":") && AllDigits(rest) && absl::SimpleAtoi(rest, &index))) {
      return absl::InvalidArgumentError(
          absl::StrCat("device '", flag, "': expected cuda or cuda:N with N >= 0"));
    }
    if (!cuda) {
      return absl::FailedPreconditionError(
          absl::StrCat("device '", flag, "': this LibTorch has no CUDA or no GPU is visible"));
    }
    if (index >= static_cast<int>(torch::cuda::device_count())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "device '", flag, "': only ", torch::cuda::device_count(), " GPU(s) visible"));
    }
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("device '", flag, "': must be auto, cpu, cuda or cuda:N"));
}

}  // namespace nas
