#include "worker/tfnas/space_for_data.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/search_space/tfnas_space_spec.h"

namespace nas {

absl::StatusOr<TfNasSpace> TfNasSpaceForData(const v1::TfNasSpace& spec,
                                             const TrainValidationSplit& data) {
  const v1::TfNasSpace s = FillTfNasSpaceDefaults(spec);
  const std::vector<int64_t> image = data.image_shape();  // [C, H, W]
  if (image.size() != 3 || image[0] != s.image_channels() || image[1] != s.image_size() ||
      image[2] != s.image_size() || data.train.num_classes > s.num_classes()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "space.tfnas: describes ", s.image_channels(), "x", s.image_size(), "x", s.image_size(),
        " images of ", s.num_classes(), " classes but the dataset has ", absl::StrJoin(image, "x"),
        " images of ", data.train.num_classes, " classes"));
  }
  return TfNasSpaceFromSpec(spec);
}

}  // namespace nas
