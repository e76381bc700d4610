// The TF-NAS space a job's payload describes, checked against the dataset the
// job trains on: the searches and the retrain of a derived architecture
// build their networks from it.
#ifndef NAS_WORKER_TFNAS_SPACE_FOR_DATA_H_
#define NAS_WORKER_TFNAS_SPACE_FOR_DATA_H_

#include "absl/status/statusor.h"
#include "common/genome/tfnas_space.h"
#include "proto/search.pb.h"
#include "worker/data/image_dataset.h"

namespace nas {

// INVALID_ARGUMENT naming space.tfnas when the images' channels or size
// differ from the space's, or the dataset has more classes than the space's
// head; or the space's own error (TfNasSpaceFromSpec).
absl::StatusOr<TfNasSpace> TfNasSpaceForData(const v1::TfNasSpace& spec,
                                             const TrainValidationSplit& data);

}  // namespace nas

#endif  // NAS_WORKER_TFNAS_SPACE_FOR_DATA_H_
