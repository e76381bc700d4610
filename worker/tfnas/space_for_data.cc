#include "worker/tfnas/space_for_data.h"

#include "absl/strings/str_cat.h"
#include "common/search_space/tfnas_space_spec.h"

namespace nas {

absl::StatusOr<TfNasSpace> TfNasSpaceForData(const v1::TfNasSpace& spec,
                                             const TrainValidationSplit& data) {
  const v1::TfNasSpace s = FillTfNasSpaceDefaults(spec);
  const auto& images = data.train.images;  // [N, C, H, W]
  if (images.size(1) != s.image_channels() || images.size(2) != s.image_size() ||
      images.size(3) != s.image_size() || data.train.num_classes > s.num_classes()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "space.tfnas: describes ", s.image_channels(), "x", s.image_size(), "x", s.image_size(),
        " images of ", s.num_classes(), " classes but the dataset has ", images.size(1), "x",
        images.size(2), "x", images.size(3), " images of ", data.train.num_classes, " classes"));
  }
  return TfNasSpaceFromSpec(spec);
}

}  // namespace nas
