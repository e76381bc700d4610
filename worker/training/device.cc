#include "worker/training/device.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace nas {
namespace {

// Keeps what a worker may report as its device model (printable ASCII, at
// most 128 characters).
std::string Printable(absl::string_view text) {
  std::string out;
  for (char c : absl::StripAsciiWhitespace(text)) {
    if (c >= 0x20 && c <= 0x7e && out.size() < 128) out.push_back(c);
  }
  return out;
}

std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (absl::StartsWith(line, "model name")) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return Printable(line.substr(colon + 1));
    }
  }
  return "unknown CPU";
}

// What nvidia-smi prints with `arguments`, or nothing when it cannot be run
// or fails. LibTorch's C++ API has neither the GPU's name nor any memory
// figure without the CUDA headers; nvidia-smi is there wherever the NVIDIA
// driver is.
std::optional<std::string> RunNvidiaSmi(absl::string_view arguments) {
  const std::string command = absl::StrCat("nvidia-smi ", arguments, " 2>/dev/null");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string answer;
  char buffer[256];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) answer.append(buffer, n);
  if (pclose(pipe) != 0) return std::nullopt;
  return answer;
}

// One property of GPU `index` (e.g. "name", "memory.free"), or "" when it
// cannot be read.
std::string QueryGpu(int index, absl::string_view property) {
  return Printable(RunNvidiaSmi(absl::StrCat("--query-gpu=", property,
                                             " --format=csv,noheader,nounits --id=", index))
                       .value_or(""));
}

std::string GpuModel(int index) {
  const std::string name = QueryGpu(index, "name");
  return name.empty() ? absl::StrCat("CUDA device ", index) : name;
}

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

std::string DescribeDeviceModel(const torch::Device& device, int threads) {
  if (device.is_cuda()) return GpuModel(device.has_index() ? device.index() : 0);
  const std::string threads_text =
      absl::StrCat(", ", threads, threads == 1 ? " thread" : " threads");
  return absl::StrCat(CpuModel().substr(0, 128 - threads_text.size()), threads_text);
}

absl::StatusOr<int64_t> FreeDeviceMemoryBytes(const torch::Device& device) {
  if (!device.is_cuda()) {
    return absl::FailedPreconditionError(
        absl::StrCat("free memory of ", device.str(), ": only CUDA devices are measured"));
  }
  const int index = device.has_index() ? device.index() : 0;
  const std::string mib = QueryGpu(index, "memory.free");
  int64_t free_mib = 0;
  if (!absl::SimpleAtoi(mib, &free_mib) || free_mib < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "free memory of ", device.str(), ": nvidia-smi answered '", mib, "', not MiB"));
  }
  return free_mib << 20;
}

absl::StatusOr<int64_t> ProcessDeviceMemoryBytes(const torch::Device& device, int64_t pid) {
  if (!device.is_cuda()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "memory of process ", pid, " on ", device.str(), ": only CUDA devices are measured"));
  }
  const int index = device.has_index() ? device.index() : 0;
  const std::optional<std::string> apps = RunNvidiaSmi(absl::StrCat(
      "--query-compute-apps=pid,used_memory --format=csv,noheader,nounits --id=", index));
  if (!apps.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("memory of process ", pid, " on ", device.str(), ": nvidia-smi failed"));
  }
  const absl::StatusOr<int64_t> mib = ProcessMemoryMiB(*apps, pid);
  if (!mib.ok()) {
    return absl::Status(mib.status().code(),
                        absl::StrCat(device.str(), ": ", mib.status().message()));
  }
  return *mib << 20;
}

absl::StatusOr<int64_t> ProcessMemoryMiB(absl::string_view compute_apps_csv, int64_t pid) {
  int64_t total_mib = 0;
  bool listed = false;
  for (absl::string_view line : absl::StrSplit(compute_apps_csv, '\n', absl::SkipWhitespace())) {
    const std::vector<absl::string_view> fields = absl::StrSplit(line, ',');
    int64_t line_pid = 0;
    // Other processes' lines, and whatever else nvidia-smi prints (a
    // warning, "No running processes found"), are not ours to judge.
    if (fields.size() != 2 || !absl::SimpleAtoi(fields[0], &line_pid) || line_pid != pid) continue;
    int64_t mib = 0;
    if (!absl::SimpleAtoi(fields[1], &mib) || mib < 0) {
      return absl::FailedPreconditionError(absl::StrCat("memory of process ", pid,
                                                        ": nvidia-smi answered '",
                                                        Printable(fields[1]), "', not MiB"));
    }
    total_mib += mib;
    listed = true;
  }
  if (!listed) {
    return absl::FailedPreconditionError(absl::StrCat(
        "memory of process ", pid,
        ": nvidia-smi lists no such process on the device (in a container that does not share "
        "the host's process ids it lists host ids)"));
  }
  return total_mib;
}

}  // namespace nas
