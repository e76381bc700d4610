#include "tests/testing/specs.h"

#include "tests/testing/test_database.h"

namespace nas::testing {

std::string NasBench201Table() {
  return RequiredEnv("NAS_SHARED_DATA") + "/nasbench201/nb201_cifar10_test_acc.csv";
}

v1::SearchSpec DigitsSpec(int epochs) {
  v1::SearchSpec spec;
  spec.set_name("digits");
  spec.mutable_space()->mutable_darts_cell()->set_nodes(2);
  spec.mutable_strategy()->mutable_random();
  spec.set_budget(1);
  spec.set_seed(11);
  v1::Training* t = spec.mutable_training();
  t->set_epochs(epochs);
  t->set_batch_size(64);
  t->set_learning_rate(0.05);
  t->set_momentum(0.9);
  t->set_weight_decay(3e-4);
  t->set_init_channels(4);
  t->set_cells(3);
  v1::Dataset* d = spec.mutable_dataset();
  d->set_format(v1::Dataset::DIGITS_CSV);
  d->set_path(RequiredEnv("NAS_SHARED_DATA") + "/digits/digits.csv.gz");
  d->set_validation_examples(300);
  d->set_train_examples(600);
  return spec;
}

v1::SearchSpec DigitsSupernetSpec(v1::SupernetSearch::Method method, bool retrain) {
  v1::SearchSpec spec = DigitsSpec(/*epochs=*/2);
  spec.set_name("supernet digits");
  v1::SupernetSearch* s = spec.mutable_strategy()->mutable_supernet();
  s->set_method(method);
  s->set_epochs(3);
  s->set_batch_size(32);
  s->set_cells(2);
  s->set_init_channels(4);
  if (method == v1::SupernetSearch::PC_DARTS) s->set_partial_k(2);
  s->set_retrain(retrain);
  spec.set_budget(retrain ? 2 : 1);
  return spec;
}

void MakeOutOfMemory(v1::SearchSpec* spec) {
  v1::Dataset* d = spec->mutable_dataset();
  d->set_format(v1::Dataset::IDX);
  d->set_path("/usr/share/datasets/fashion-mnist");
  d->set_validation_examples(1000);
  d->set_train_examples(0);
  spec->mutable_training()->set_batch_size(59000);
  spec->mutable_training()->set_init_channels(512);
}

void MakeDiverging(v1::SearchSpec* spec) {
  spec->mutable_training()->set_learning_rate(1e30);
  spec->mutable_training()->set_momentum(0);
}

}  // namespace nas::testing
