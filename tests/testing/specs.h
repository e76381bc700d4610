// Search specs the cross-process tests share: small enough to run in seconds
// on two cores, on the real data in ../shared/data.
#ifndef NAS_TESTS_TESTING_SPECS_H_
#define NAS_TESTS_TESTING_SPECS_H_

#include <string>

#include "proto/search.pb.h"

namespace nas::testing {

// $NAS_SHARED_DATA/nasbench201/nb201_cifar10_test_acc.csv.
std::string NasBench201Table();

// Random search over 2-node DARTS cells, trained on 600 digits for `epochs`
// and measured on 300 held out; budget 1, seed 11.
v1::SearchSpec DigitsSpec(int epochs = 2);

// A supernet search (3 epochs, 2 cells, C=4; PC-DARTS with K=2) on the digits
// of DigitsSpec, which also trains the retrain when `retrain` is set.
v1::SearchSpec DigitsSupernetSpec(v1::SupernetSearch::Method method, bool retrain);

// Makes `spec`'s training fail on any worker: all 59,000 Fashion-MNIST
// training images in one batch with init_channels 512 (1,536 stem channels)
// need hundreds of GB, so the allocation fails at once (out of memory,
// retryable).
void MakeOutOfMemory(v1::SearchSpec* spec);

// Makes `spec`'s training diverge: learning rate 1e30, no momentum (a
// non-finite loss, not retried).
void MakeDiverging(v1::SearchSpec* spec);

}  // namespace nas::testing

#endif  // NAS_TESTS_TESTING_SPECS_H_
