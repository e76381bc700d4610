#include "controller/search/spec_validation.h"

#include <functional>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::StartsWith;

v1::SearchSpec ValidSpec() {
  v1::SearchSpec spec;
  const bool ok = google::protobuf::TextFormat::ParseFromString(R"pb(
    name: "digits"
    space { darts_cell {} }
    strategy { aging_evolution { population_size: 4 sample_size: 2 } }
    budget: 10
    seed: 7
    training {
      epochs: 1 batch_size: 32 learning_rate: 0.05 momentum: 0.9
      weight_decay: 3e-4 init_channels: 8 cells: 3
    }
    dataset { format: DIGITS_CSV path: "/data/digits.csv.gz" validation_examples: 300 }
  )pb", &spec);
  EXPECT_TRUE(ok);
  return spec;
}

TEST(SpecValidationTest, AcceptsValidSpecAndFillsDefaults) {
  v1::SearchSpec spec = ValidSpec();
  ASSERT_TRUE(ValidateAndNormalizeSpec(&spec).ok());
  EXPECT_EQ(spec.max_attempts(), 3);
  EXPECT_EQ(spec.lease_seconds(), 60);
  EXPECT_EQ(spec.space().darts_cell().nodes(), 4);
}

TEST(SpecValidationTest, AcceptsAugmentationModesAndTheirBounds) {
  for (const char* text : {
           "mode: AUGMENTATION_OFF",
           "mode: AUGMENTATION_ON crop_padding: 4 horizontal_flip: true cutout_length: 16",
           "mode: AUGMENTATION_ON crop_padding: 64 cutout_length: 1024",
           "mode: AUGMENTATION_ON",
       }) {
    v1::SearchSpec spec = ValidSpec();
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
        text, spec.mutable_dataset()->mutable_augmentation()));
    const v1::Augmentation before = spec.dataset().augmentation();
    const absl::Status status = ValidateAndNormalizeSpec(&spec);
    EXPECT_TRUE(status.ok()) << text << ": " << status;
    EXPECT_EQ(spec.dataset().augmentation().SerializeAsString(), before.SerializeAsString());
  }
}

TEST(SpecValidationTest, AcceptsTheNewDatasetFormats) {
  for (const v1::Dataset::Format format :
       {v1::Dataset::IMAGE_FOLDER, v1::Dataset::TENSOR_FILE, v1::Dataset::CIFAR100_BINARY}) {
    v1::SearchSpec spec = ValidSpec();
    spec.mutable_dataset()->set_format(format);
    EXPECT_TRUE(ValidateAndNormalizeSpec(&spec).ok()) << v1::Dataset::Format_Name(format);
  }
  // A validation folder may be used whole: validation_examples 0.
  v1::SearchSpec folders = ValidSpec();
  folders.mutable_dataset()->set_format(v1::Dataset::IMAGE_FOLDER);
  folders.mutable_dataset()->set_validation_path("/data/val");
  folders.mutable_dataset()->set_validation_examples(0);
  EXPECT_TRUE(ValidateAndNormalizeSpec(&folders).ok());
  v1::SearchSpec coarse = ValidSpec();
  coarse.mutable_dataset()->set_format(v1::Dataset::CIFAR100_BINARY);
  coarse.mutable_dataset()->set_cifar100_labels(v1::Dataset::COARSE);
  EXPECT_TRUE(ValidateAndNormalizeSpec(&coarse).ok());
}

TEST(SpecValidationTest, TfNasRetrainTakesItsShapeFromTheSpaceNotTraining) {
  v1::SearchSpec spec = ValidSpec();
  spec.mutable_space()->mutable_tfnas();
  spec.mutable_strategy()->mutable_tfnas()->set_target_fraction(0.5);
  spec.mutable_strategy()->mutable_tfnas()->set_retrain(true);
  spec.set_budget(3);  // Measurement, search, retrain.
  spec.mutable_training()->clear_init_channels();
  spec.mutable_training()->clear_cells();
  const absl::Status status = ValidateAndNormalizeSpec(&spec);
  EXPECT_TRUE(status.ok()) << status;
}

struct BadCase {
  std::string expected_prefix;
  std::function<void(v1::SearchSpec*)> mutate;
};

TEST(SpecValidationTest, RejectsBadFieldsNamingTheFieldAndChangingNothing) {
  const std::vector<BadCase> cases = {
      {"budget:", [](v1::SearchSpec* s) { s->set_budget(0); }},
      {"training.learning_rate: -0.1 must be > 0",
       [](v1::SearchSpec* s) { s->mutable_training()->set_learning_rate(-0.1); }},
      {"training.momentum:",
       [](v1::SearchSpec* s) { s->mutable_training()->set_momentum(1.0); }},
      {"training.epochs:", [](v1::SearchSpec* s) { s->mutable_training()->set_epochs(0); }},
      {"training.gpu.precision: 7 is not a precision; must be FP32, BF16 or FP16",
       [](v1::SearchSpec* s) {
         s->mutable_training()->mutable_gpu()->set_precision(
             static_cast<v1::GpuOptions::Precision>(7));
       }},
      {"strategy.aging_evolution.population_size: 11 must not exceed budget",
       [](v1::SearchSpec* s) {
         s->mutable_strategy()->mutable_aging_evolution()->set_population_size(11);
       }},
      {"strategy.aging_evolution.sample_size:",
       [](v1::SearchSpec* s) {
         s->mutable_strategy()->mutable_aging_evolution()->set_sample_size(5);
       }},
      {"strategy: must be set", [](v1::SearchSpec* s) { s->clear_strategy(); }},
      {"space: must be set", [](v1::SearchSpec* s) { s->clear_space(); }},
      {"space.darts_cell.nodes: 9 is out of range",
       [](v1::SearchSpec* s) { s->mutable_space()->mutable_darts_cell()->set_nodes(9); }},
      {"dataset.validation_examples:",
       [](v1::SearchSpec* s) { s->mutable_dataset()->set_validation_examples(0); }},
      {"dataset.path:", [](v1::SearchSpec* s) { s->mutable_dataset()->clear_path(); }},
      {"dataset.format:",
       [](v1::SearchSpec* s) { s->mutable_dataset()->clear_format(); }},
      {"dataset.augmentation.crop_padding: 65 is out of range 0..64",
       [](v1::SearchSpec* s) {
         auto* a = s->mutable_dataset()->mutable_augmentation();
         a->set_mode(v1::Augmentation::AUGMENTATION_ON);
         a->set_crop_padding(65);
       }},
      {"dataset.augmentation.cutout_length: -1 is out of range 0..1024",
       [](v1::SearchSpec* s) {
         auto* a = s->mutable_dataset()->mutable_augmentation();
         a->set_mode(v1::Augmentation::AUGMENTATION_ON);
         a->set_cutout_length(-1);
       }},
      {"dataset.augmentation.horizontal_flip: is only read with mode AUGMENTATION_ON",
       [](v1::SearchSpec* s) {
         s->mutable_dataset()->mutable_augmentation()->set_horizontal_flip(true);
       }},
      {"dataset.augmentation.cutout_length: is only read with mode AUGMENTATION_ON",
       [](v1::SearchSpec* s) {
         auto* a = s->mutable_dataset()->mutable_augmentation();
         a->set_mode(v1::Augmentation::AUGMENTATION_OFF);
         a->set_cutout_length(16);
       }},
      {"dataset.augmentation.mode:",
       [](v1::SearchSpec* s) {
         s->mutable_dataset()->mutable_augmentation()->set_mode(
             static_cast<v1::Augmentation::Mode>(7));
       }},
      {"dataset.validation_path: only an IMAGE_FOLDER dataset",
       [](v1::SearchSpec* s) { s->mutable_dataset()->set_validation_path("/data/val"); }},
      {"dataset.validation_examples: -1 must be >= 0 with validation_path",
       [](v1::SearchSpec* s) {
         s->mutable_dataset()->set_format(v1::Dataset::IMAGE_FOLDER);
         s->mutable_dataset()->set_validation_path("/data/val");
         s->mutable_dataset()->set_validation_examples(-1);
       }},
      {"dataset.cifar100_labels: only a CIFAR100_BINARY dataset",
       [](v1::SearchSpec* s) { s->mutable_dataset()->set_cifar100_labels(v1::Dataset::COARSE); }},
      {"dataset.cifar100_labels: must be FINE or COARSE",
       [](v1::SearchSpec* s) {
         s->mutable_dataset()->set_format(v1::Dataset::CIFAR100_BINARY);
         s->mutable_dataset()->set_cifar100_labels(static_cast<v1::Dataset::Cifar100Labels>(9));
       }},
      {"training: must be set", [](v1::SearchSpec* s) { s->clear_training(); }},
      {"lease_seconds:", [](v1::SearchSpec* s) { s->set_lease_seconds(2); }},
      {"max_attempts:", [](v1::SearchSpec* s) { s->set_max_attempts(50); }},
      {"name:", [](v1::SearchSpec* s) { s->set_name(std::string(201, 'x')); }},
      {"space.nasbench201: workers do not train",
       [](v1::SearchSpec* s) { s->mutable_space()->mutable_nasbench201(); }},
      {"strategy.random: the convnet space grows by morphisms",
       [](v1::SearchSpec* s) {
         s->mutable_space()->mutable_convnet();
         s->mutable_strategy()->mutable_random();
       }},
      {"budget: 10 must equal 2 + n_steps * n_neighbours = 42 for nash",
       [](v1::SearchSpec* s) {
         s->mutable_space()->mutable_convnet();
         s->mutable_strategy()->mutable_nash();
       }},
      {"strategy.nash: needs the convnet space",
       [](v1::SearchSpec* s) { s->mutable_strategy()->mutable_nash(); }},
      {"strategy.nash.n_neighbours: 1 is out of range 2..64",
       [](v1::SearchSpec* s) {
         s->mutable_space()->mutable_convnet();
         s->mutable_strategy()->mutable_nash()->set_n_neighbours(1);
       }},
      {"space.convnet.start: ",
       [](v1::SearchSpec* s) { s->mutable_space()->mutable_convnet()->set_start("pool conv3x8"); }},
      {"training: must be set for strategy.tfnas.retrain",
       [](v1::SearchSpec* s) {
         s->mutable_space()->mutable_tfnas();
         s->mutable_strategy()->mutable_tfnas()->set_target_fraction(0.5);
         s->mutable_strategy()->mutable_tfnas()->set_retrain(true);
         s->set_budget(3);
         s->clear_training();
       }},
      {"training.epochs: 0 is out of range",
       [](v1::SearchSpec* s) {  // A TF-NAS retrain needs no init_channels or cells, but epochs.
         s->mutable_space()->mutable_tfnas();
         s->mutable_strategy()->mutable_tfnas()->set_target_fraction(0.5);
         s->mutable_strategy()->mutable_tfnas()->set_retrain(true);
         s->set_budget(3);
         s->mutable_training()->clear_init_channels();
         s->mutable_training()->clear_cells();
         s->mutable_training()->set_epochs(0);
       }},
      {"table_lookup: must not be combined",
       [](v1::SearchSpec* s) { s->mutable_table_lookup()->set_table_path("t.csv"); }},
      {"table_lookup.fitness_column:",
       [](v1::SearchSpec* s) {
         s->clear_training();
         s->clear_dataset();
         s->mutable_table_lookup()->set_table_path("t.csv");
         s->mutable_table_lookup()->set_cell_column("arch");
       }},
  };
  for (const BadCase& c : cases) {
    v1::SearchSpec spec = ValidSpec();
    c.mutate(&spec);
    const v1::SearchSpec before = spec;
    const absl::Status status = ValidateAndNormalizeSpec(&spec);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.expected_prefix;
    EXPECT_THAT(std::string(status.message()), StartsWith(c.expected_prefix));
    EXPECT_EQ(spec.SerializeAsString(), before.SerializeAsString())
        << "spec changed on error: " << c.expected_prefix;
  }
}

}  // namespace
}  // namespace nas
