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

}  // namespace nas::testing

#endif  // NAS_TESTS_TESTING_SPECS_H_
