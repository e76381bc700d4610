// The 8x8 digits CSV (DIGITS_CSV).
#ifndef NAS_WORKER_DATA_FORMATS_DIGITS_CSV_H_
#define NAS_WORKER_DATA_FORMATS_DIGITS_CSV_H_

#include <string>

#include "absl/status/statusor.h"
#include "worker/data/dataset_files.h"

namespace nas {

// One example per line: 64 pixel values (0..16, an 8x8 image row by row)
// then the label (0..9), comma-separated; plain or gzip. Images [N, 1, 8, 8],
// pixels / 16; 10 classes, named "0".."9".
absl::StatusOr<ImageDataset> LoadDigitsCsv(const std::string& path);

}  // namespace nas

#endif  // NAS_WORKER_DATA_FORMATS_DIGITS_CSV_H_
