// Tensors saved from Python with torch.save (TENSOR_FILE).
#ifndef NAS_WORKER_DATA_FORMATS_TENSOR_FILE_H_
#define NAS_WORKER_DATA_FORMATS_TENSOR_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/data/dataset_files.h"

namespace nas {

// The file `path` written by
//   torch.save({"images": images, "labels": labels, "class_names": names}, path)
// in torch.save's default (zip) format; the legacy format
// (_use_new_zipfile_serialization=False) is refused. `images`: uint8 (scaled
// by 1/255) or float32 (taken as it is), N x C x H x W; `labels`: int64, N;
// `class_names` (optional): a list of str, returned in `class_names`, which
// then fixes the number of classes (else max label + 1). INVALID_ARGUMENT
// naming the file and the rule for anything else, NOT_FOUND for no file.
absl::StatusOr<ImageDataset> LoadTensorFile(const std::string& path,
                                            std::vector<std::string>* class_names);

}  // namespace nas

#endif  // NAS_WORKER_DATA_FORMATS_TENSOR_FILE_H_
