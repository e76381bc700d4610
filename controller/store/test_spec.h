// For the store's tests: a small search whose jobs are never trained (the
// tests lease and report them by hand).
#ifndef NAS_CONTROLLER_STORE_TEST_SPEC_H_
#define NAS_CONTROLLER_STORE_TEST_SPEC_H_

#include <cstdint>

#include "google/protobuf/text_format.h"
#include "proto/search.pb.h"

namespace nas::testing {

// Random search over 2-node DARTS cells, TRAIN_CANDIDATE jobs on digits.
inline v1::SearchSpec SmallRandomSpec(int budget, int lease_seconds = 60, int max_attempts = 3,
                                      uint64_t seed = 3) {
  v1::SearchSpec spec;
  google::protobuf::TextFormat::ParseFromString(
      R"pb(
        space { darts_cell { nodes: 2 } }
        strategy { random {} }
        training { epochs: 1 batch_size: 8 learning_rate: 0.1 init_channels: 4 cells: 1 }
        dataset { format: DIGITS_CSV path: "unused" validation_examples: 10 }
      )pb",
      &spec);
  spec.set_budget(budget);
  spec.set_seed(seed);
  spec.set_lease_seconds(lease_seconds);
  spec.set_max_attempts(max_attempts);
  return spec;
}

}  // namespace nas::testing

#endif  // NAS_CONTROLLER_STORE_TEST_SPEC_H_
