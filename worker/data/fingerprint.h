// What identifies the data a search trains on, so that every worker of a
// search can check that it trains on the same data as the first one did.
#ifndef NAS_WORKER_DATA_FINGERPRINT_H_
#define NAS_WORKER_DATA_FINGERPRINT_H_

#include <string>

#include "absl/status/statusor.h"
#include "proto/search.pb.h"
#include "worker/data/image_dataset.h"

namespace nas {

// "<format>:<examples>x<C>x<H>x<W>:<classes>:sha256=<16 hex digits>", e.g.
// "digits_csv:1797x1x8x8:10:sha256=3f0c9a...". The hash covers the format;
// the bytes of the file at `dataset.path`, or, for a directory, the sorted
// relative names and sizes of the regular files under it (contents are not
// read: a directory of images is large); and the loaded examples' count,
// shape and classes. The same files and split give the same text on every
// machine. NOT_FOUND if the path is gone, UNAVAILABLE if it cannot be read.
// Thread-compatible.
absl::StatusOr<std::string> DatasetFingerprint(const v1::Dataset& dataset,
                                               const TrainValidationSplit& split);

// The description a runner reports with its evaluation: `fingerprint`, the
// split's sizes and shape, and its normalisation and class names.
v1::DataDescription DescribeData(const TrainValidationSplit& split, const std::string& fingerprint);

// OkStatus when `expected` is empty (the search has no fingerprint yet) or
// equals `actual`; else UNAVAILABLE naming both, so that the job goes back to
// the queue for a worker that has the search's data.
absl::Status CheckFingerprint(const std::string& expected, const std::string& actual,
                              const v1::Dataset& dataset);

}  // namespace nas

#endif  // NAS_WORKER_DATA_FINGERPRINT_H_
