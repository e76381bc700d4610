// Folders of PNG and JPEG images, one subfolder per class (IMAGE_FOLDER).
#ifndef NAS_WORKER_DATA_FORMATS_IMAGE_FOLDER_H_
#define NAS_WORKER_DATA_FORMATS_IMAGE_FOLDER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/data/dataset_files.h"

namespace nas {

// Every regular file (names starting with '.' skipped) in every subfolder of
// `dir`, decoded by its content (PNG or JPEG, not by its name). The sorted
// subfolder names are the class names (label = index), returned in
// `class_names`. Images [N, C, H, W], pixels / 255; C = 1 for grayscale, 3
// for colour (an alpha channel is composited onto black). Errors name the
// file and the rule: NOT_FOUND for a missing `dir`; INVALID_ARGUMENT for no
// subfolders, an empty class folder, a file that is not a complete PNG or
// JPEG, or an image whose size or channel count differs from the first's.
absl::StatusOr<ImageDataset> LoadImageFolder(const std::string& dir,
                                             std::vector<std::string>* class_names);

}  // namespace nas

#endif  // NAS_WORKER_DATA_FORMATS_IMAGE_FOLDER_H_
