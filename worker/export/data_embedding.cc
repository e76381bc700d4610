#include "worker/export/data_embedding.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace nas {
namespace {

absl::Status CheckDescription(const v1::DataDescription& data, int64_t in_channels,
                              int64_t num_classes) {
  const int channels = data.channel_mean_size();
  if (channels != data.channel_std_size() || (channels != 0 && channels != in_channels)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the data description has ", channels, " channel means and ", data.channel_std_size(),
        " standard deviations; the network reads ", in_channels, " channels"));
  }
  for (int c = 0; c < channels; ++c) {
    if (!std::isfinite(data.channel_mean(c)) || !std::isfinite(data.channel_std(c)) ||
        data.channel_std(c) <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("channel ", c, " of the data description needs a finite mean and std > 0"));
    }
  }
  if (data.class_names_size() != 0 && data.class_names_size() != num_classes) {
    return absl::InvalidArgumentError(absl::StrCat("the data description names ",
                                                   data.class_names_size(),
                                                   " classes; the network has ", num_classes));
  }
  return absl::OkStatus();
}

torch::Tensor PerChannel(const google::protobuf::RepeatedField<float>& values) {
  std::vector<float> v(values.begin(), values.end());
  return torch::tensor(v, torch::kFloat32).reshape({1, -1, 1, 1});
}

}  // namespace

absl::StatusOr<torch::jit::Module> EmbedDataDescription(torch::jit::Module network,
                                                        const v1::DataDescription& data,
                                                        int64_t in_channels, int64_t num_classes) {
  if (absl::Status ok = CheckDescription(data, in_channels, num_classes); !ok.ok()) return ok;
  const bool normalise = data.channel_mean_size() > 0;
  try {
    torch::jit::Module module("NormalizedNetwork");
    module.register_module("network", std::move(network));
    if (normalise) {
      module.register_buffer("input_mean", PerChannel(data.channel_mean()));
      module.register_buffer("input_std", PerChannel(data.channel_std()));
    }
    c10::List<std::string> names;
    for (const std::string& name : data.class_names()) names.push_back(name);
    module.register_attribute("class_names", c10::ListType::ofStrings(), names);
    module.define(normalise ? "def forward(self, x):\n"
                              "    return self.network.forward((x - self.input_mean) / "
                              "self.input_std)\n"
                            : "def forward(self, x):\n"
                              "    return self.network.forward(x)\n");
    module.eval();
    return module;
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("cannot embed the data description in the module: ", e.what()));
  }
}

}  // namespace nas
