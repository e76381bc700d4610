// Turns a trained network into a TorchScript module that computes the same
// function, so that it can be used without this project's code, e.g. from
// Python with `torch.jit.load(path)`.
//
// The module is built in C++: every parameter and BatchNorm buffer of the
// network is copied (to the CPU) into the module under its registered name
// with '.' replaced by '_', and `forward` is TorchScript source generated from
// the network's structure that calls the same LibTorch operators with the
// same arguments as the C++ modules do. The exported `forward` maps a float
// NCHW batch [N, in_channels, H, W] to logits [N, num_classes] and always
// computes the network's eval-mode function (BatchNorm uses its running
// statistics), whatever mode the network is in. Neither function modifies the
// network. Never throws.
#ifndef NAS_WORKER_EXPORT_TORCHSCRIPT_EXPORT_H_
#define NAS_WORKER_EXPORT_TORCHSCRIPT_EXPORT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "torch/script.h"
#include "worker/model/darts_network.h"
#include "worker/nash/convnet.h"
#include "worker/tfnas/network.h"

namespace nas {

// INTERNAL if the network holds a module or option the exporter does not
// know (the message names it) or a tensor the generated code would not use.
absl::StatusOr<torch::jit::Module> ExportDartsNetwork(DartsNetworkImpl& net);
absl::StatusOr<torch::jit::Module> ExportConvNet(ConvNetImpl& net);
absl::StatusOr<torch::jit::Module> ExportTfNasNetwork(TfNasNetworkImpl& net);

// Writes `module` to `path` (torch::jit::Module::save). UNAVAILABLE if the
// file cannot be written.
absl::Status SaveTorchScript(const torch::jit::Module& module, const std::string& path);

}  // namespace nas

#endif  // NAS_WORKER_EXPORT_TORCHSCRIPT_EXPORT_H_
