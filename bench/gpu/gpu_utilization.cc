#include "bench/gpu/gpu_utilization.h"

#include <dlfcn.h>

#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"

namespace nas {

// The few NVML entry points used, declared as nvml.h does (a stable C ABI).
struct GpuUtilizationSampler::Nvml {
  struct Utilization {
    unsigned int gpu;
    unsigned int memory;
  };
  using Device = void*;
  void* library = nullptr;
  int (*init)() = nullptr;
  int (*shutdown)() = nullptr;
  int (*handle_by_index)(unsigned int, Device*) = nullptr;
  int (*utilization)(Device, Utilization*) = nullptr;
  Device device = nullptr;

  ~Nvml() {
    if (shutdown != nullptr) shutdown();
    if (library != nullptr) dlclose(library);
  }
};

absl::StatusOr<std::unique_ptr<GpuUtilizationSampler>> GpuUtilizationSampler::Start(
    int nvml_index, absl::Duration period) {
  auto nvml = std::make_unique<Nvml>();
  nvml->library = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (nvml->library == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot load NVML: ", dlerror()));
  }
  auto symbol = [&nvml](const char* name, auto* fn) {
    *fn = reinterpret_cast<std::remove_pointer_t<decltype(fn)>>(dlsym(nvml->library, name));
    return *fn != nullptr;
  };
  int (*init)() = nullptr;
  if (!symbol("nvmlInit_v2", &init) || !symbol("nvmlDeviceGetHandleByIndex_v2", &nvml->handle_by_index) ||
      !symbol("nvmlDeviceGetUtilizationRates", &nvml->utilization) ||
      !symbol("nvmlShutdown", &nvml->shutdown)) {
    nvml->shutdown = nullptr;
    return absl::UnavailableError("NVML lacks nvmlInit_v2 or the utilization calls");
  }
  if (const int rc = init(); rc != 0) {
    nvml->shutdown = nullptr;
    return absl::UnavailableError(absl::StrCat("nvmlInit_v2 failed: NVML error ", rc));
  }
  Nvml::Utilization probe{};
  if (const int rc = nvml->handle_by_index(nvml_index, &nvml->device); rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("NVML has no device ", nvml_index, ": NVML error ", rc));
  }
  if (const int rc = nvml->utilization(nvml->device, &probe); rc != 0) {
    return absl::UnavailableError(absl::StrCat("NVML cannot read utilization: error ", rc));
  }
  return std::unique_ptr<GpuUtilizationSampler>(
      new GpuUtilizationSampler(std::move(nvml), period));
}

GpuUtilizationSampler::GpuUtilizationSampler(std::unique_ptr<Nvml> nvml, absl::Duration period)
    : nvml_(std::move(nvml)), period_(period), thread_([this] { Run(); }) {}

GpuUtilizationSampler::~GpuUtilizationSampler() { Stop(); }

void GpuUtilizationSampler::Run() {
  while (!stop_.load()) {
    absl::SleepFor(period_);
    Nvml::Utilization u{};
    if (nvml_->utilization(nvml_->device, &u) == 0) {
      absl::MutexLock lock(&mu_);
      samples_.push_back({std::chrono::steady_clock::now(), static_cast<int>(u.gpu)});
    }
  }
}

std::vector<GpuUtilizationSampler::Sample> GpuUtilizationSampler::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  return samples_;
}

}  // namespace nas
