// The TF-NAS space a search spec describes (space.tfnas), shared by the
// controller (to validate derived genomes) and workers (to build it).
#ifndef NAS_COMMON_SEARCH_SPACE_TFNAS_SPACE_SPEC_H_
#define NAS_COMMON_SEARCH_SPACE_TFNAS_SPACE_SPEC_H_

#include "absl/status/statusor.h"
#include "common/genome/tfnas_space.h"
#include "proto/search.pb.h"

namespace nas {

// `spec` with zero fields set to their defaults (see search.proto).
v1::TfNasSpace FillTfNasSpaceDefaults(v1::TfNasSpace spec);

// The builder's options for `spec` (defaults filled), unchecked.
TfNasSpaceOptions TfNasSpaceOptionsFromSpec(const v1::TfNasSpace& spec);

// The space of `spec` (defaults filled here too). INVALID_ARGUMENT names the
// field as space.tfnas.<field> and the rule.
absl::StatusOr<TfNasSpace> TfNasSpaceFromSpec(const v1::TfNasSpace& spec);

}  // namespace nas

#endif  // NAS_COMMON_SEARCH_SPACE_TFNAS_SPACE_SPEC_H_
