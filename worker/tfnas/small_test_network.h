// For tests: the TF-NAS network of `genome` in the small space the tests
// share (8x8 single-channel images, 10 classes, width x0.25, at most 2
// layers per stage, every op: kernels 3, 5 and 7, with and without SE), so
// each test need not spell the space out again.
#ifndef NAS_WORKER_TFNAS_SMALL_TEST_NETWORK_H_
#define NAS_WORKER_TFNAS_SMALL_TEST_NETWORK_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "worker/tfnas/network.h"

namespace nas {

// INVALID_ARGUMENT for a genome that does not parse or fit the space.
absl::StatusOr<TfNasNetwork> SmallTestTfNasNetwork(absl::string_view genome);

}  // namespace nas

#endif  // NAS_WORKER_TFNAS_SMALL_TEST_NETWORK_H_
