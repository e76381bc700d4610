// Where training runs. Training code is device-agnostic; this picks the device.
#ifndef NAS_WORKER_TRAINING_DEVICE_H_
#define NAS_WORKER_TRAINING_DEVICE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "torch/torch.h"

namespace nas {

// Turns a --device flag into a device:
//   "auto"            CUDA device 0 when the linked LibTorch has CUDA and a GPU
//                     is visible, else the CPU;
//   "cpu"             the CPU;
//   "cuda", "cuda:N"  that GPU (N decimal digits), or FAILED_PRECONDITION when
//                     CUDA is unavailable or fewer than N + 1 GPUs are visible.
// Anything else (including "CPU", "cuda:x", "gpu") is INVALID_ARGUMENT.
absl::StatusOr<torch::Device> ResolveDevice(absl::string_view flag);

// What the device is, for latency tables that must not be shared between
// different machines: for the CPU its model name from /proc/cpuinfo and the
// thread count LibTorch uses ("AMD EPYC 7B13, 2 threads"); for a GPU the name
// nvidia-smi gives ("NVIDIA H100 80GB HBM3"). Falls back to "unknown CPU" or
// "CUDA device N" where those cannot be read. At most 128 printable ASCII
// characters.
std::string DescribeDeviceModel(const torch::Device& device, int threads);

// The free memory of a CUDA device now, in bytes, as nvidia-smi reports it
// (the C++ API has no memory query without the CUDA headers). The index is
// nvidia-smi's, which is CUDA's unless CUDA_VISIBLE_DEVICES reorders GPUs.
// FAILED_PRECONDITION for the CPU, or when nvidia-smi cannot be run or
// answers nothing readable.
absl::StatusOr<int64_t> FreeDeviceMemoryBytes(const torch::Device& device);

// The device memory process `pid` holds on a CUDA device, in bytes, as
// nvidia-smi reports it (--query-compute-apps): everything the process
// allocated there and still holds, its CUDA context included. The index is
// nvidia-smi's, as for FreeDeviceMemoryBytes. FAILED_PRECONDITION for the
// CPU, when nvidia-smi cannot be run, or as ProcessMemoryMiB.
absl::StatusOr<int64_t> ProcessDeviceMemoryBytes(const torch::Device& device, int64_t pid);

// The MiB process `pid` holds, read from what `nvidia-smi
// --query-compute-apps=pid,used_memory --format=csv,noheader,nounits` prints
// (one "PID, MIB" line per process with a context on the GPU; the lines of a
// process with several are added up). FAILED_PRECONDITION when no line is
// `pid`'s (nvidia-smi in a container that does not share the host's process
// ids lists host ids, or none) or its memory is not a number (the driver
// answers "[N/A]" where it does not account memory per process).
absl::StatusOr<int64_t> ProcessMemoryMiB(absl::string_view compute_apps_csv, int64_t pid);

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_DEVICE_H_
