#include "common/search_space/tfnas_space_spec.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace nas {

v1::TfNasSpace FillTfNasSpaceDefaults(v1::TfNasSpace spec) {
  if (spec.image_size() == 0) spec.set_image_size(28);
  if (spec.image_channels() == 0) spec.set_image_channels(1);
  if (spec.num_classes() == 0) spec.set_num_classes(10);
  if (spec.width_multiplier() == 0) spec.set_width_multiplier(1.0);
  if (spec.max_layers_per_stage() == 0) spec.set_max_layers_per_stage(4);
  if (spec.kernels().empty()) {
    for (int k : {3, 5}) spec.add_kernels(k);
  }
  if (spec.squeeze_excitation().empty()) {
    spec.add_squeeze_excitation(false);
    spec.add_squeeze_excitation(true);
  }
  return spec;
}

TfNasSpaceOptions TfNasSpaceOptionsFromSpec(const v1::TfNasSpace& raw) {
  const v1::TfNasSpace spec = FillTfNasSpaceDefaults(raw);
  TfNasSpaceOptions options;
  options.image_size = spec.image_size();
  options.image_channels = spec.image_channels();
  options.num_classes = spec.num_classes();
  options.width_multiplier = spec.width_multiplier();
  options.max_layers_per_stage = spec.max_layers_per_stage();
  options.kernels.assign(spec.kernels().begin(), spec.kernels().end());
  options.squeeze_excitation.assign(spec.squeeze_excitation().begin(),
                                    spec.squeeze_excitation().end());
  return options;
}

absl::StatusOr<TfNasSpace> TfNasSpaceFromSpec(const v1::TfNasSpace& raw) {
  const v1::TfNasSpace spec = FillTfNasSpaceDefaults(raw);
  auto out_of_range = [](const char* field, int value, int lo, int hi) {
    return absl::InvalidArgumentError(
        absl::StrCat("space.tfnas.", field, ": ", value, " is out of range ", lo, "..", hi));
  };
  if (spec.image_size() < 1 || spec.image_size() > 4096) {
    return out_of_range("image_size", spec.image_size(), 1, 4096);
  }
  if (spec.image_channels() < 1 || spec.image_channels() > 64) {
    return out_of_range("image_channels", spec.image_channels(), 1, 64);
  }
  if (spec.num_classes() < 2 || spec.num_classes() > 100000) {
    return out_of_range("num_classes", spec.num_classes(), 2, 100000);
  }
  int previous = 0;
  for (int k : spec.kernels()) {
    if ((k != 3 && k != 5 && k != 7) || k <= previous) {
      return absl::InvalidArgumentError(absl::StrCat(
          "space.tfnas.kernels: ", k, " is not allowed; kernels must be ascending, from 3, 5, 7"));
    }
    previous = k;
  }
  const auto& se = spec.squeeze_excitation();
  if (se.size() > 2 || (se.size() == 2 && !(!se[0] && se[1]))) {
    return absl::InvalidArgumentError(
        "space.tfnas.squeeze_excitation: must be [false], [true] or [false, true] (empty = both)");
  }
  absl::StatusOr<TfNasSpace> space = MakeTfNasSpace(TfNasSpaceOptionsFromSpec(spec));
  if (!space.ok()) {
    std::string message(space.status().message());
    constexpr absl::string_view kPrefix = "tfnas space: ";
    if (absl::StartsWith(message, kPrefix)) message = message.substr(kPrefix.size());
    return absl::InvalidArgumentError(absl::StrCat("space.tfnas.", message));
  }
  return space;
}

}  // namespace nas
