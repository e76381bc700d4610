#include "worker/supernet/search.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "gtest/gtest.h"
#include "worker/training/default_generator.h"

namespace nas {
namespace {

class SupernetSearchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* dir = std::getenv("NAS_SHARED_DATA");
    ASSERT_NE(dir, nullptr) << "NAS_SHARED_DATA is not set: bazel test "
                               "--test_env=NAS_SHARED_DATA=<absolute path of ../shared/data>";
    auto all = LoadDigitsCsv(std::string(dir) + "/digits/digits.csv.gz");
    ASSERT_TRUE(all.ok()) << all.status();
    // 512 training examples: 256 for weights, 256 for the architecture.
    auto split = SplitTrainValidation(*all, 256, 512, /*seed=*/7);
    ASSERT_TRUE(split.ok()) << split.status();
    data_ = new TrainValidationSplit(*std::move(split));
  }
  static void TearDownTestSuite() { delete data_; }

  static SupernetSearchOptions Tiny(SupernetMethod method, ArchitectOrder order) {
    SupernetSearchOptions o;
    o.supernet.method = method;
    o.supernet.partial_k = 2;
    o.supernet.nodes = 2;
    o.supernet.cells = 3;
    o.supernet.init_channels = 8;
    o.order = order;
    o.epochs = 2;
    o.batch_size = 32;  // 8 steps an epoch.
    // Faster than the defaults, so that 16 steps show learning and movement.
    o.weight_learning_rate = 0.1;
    o.arch_learning_rate = 3e-2;
    o.seed = 3;
    return o;
  }

  static void ExpectCompletes(const SupernetSearchOptions& o) {
    int epochs_seen = 0;
    SupernetSearchOptions with_progress = o;
    with_progress.on_epoch = [&](const SupernetProgress& p) {
      ++epochs_seen;
      EXPECT_EQ(p.epoch, epochs_seen);
      EXPECT_TRUE(ParseDartsGenome(p.genotype).ok()) << p.genotype;
      return true;
    };
    std::vector<double> fractions;
    with_progress.on_step = [&](double done) {
      fractions.push_back(done);
      return true;
    };
    auto outcome = RunSupernetSearch(*data_, with_progress);
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    EXPECT_EQ(epochs_seen, 2);
    ASSERT_EQ(fractions.size(), 16u);  // 8 steps x 2 epochs.
    EXPECT_TRUE(std::is_sorted(fractions.begin(), fractions.end()));
    EXPECT_GT(fractions.front(), 0);
    EXPECT_DOUBLE_EQ(fractions[7], 0.5);
    EXPECT_DOUBLE_EQ(fractions.back(), 1.0);
    EXPECT_TRUE(ValidateDartsGenome(outcome->genome).ok());
    // Moved away from the (almost) uniform start: the init is 1e-3 * N(0, 1),
    // 16 Adam steps of 3e-2 move a logit by up to ~0.5.
    EXPECT_GT((outcome->alpha_normal - outcome->alpha_normal.mean()).abs().max().item<double>(),
              5e-2);
    EXPECT_EQ(outcome->beta_normal.defined(), o.supernet.method == SupernetMethod::kPcDarts);
    // Above chance (0.1) after 2 tiny epochs.
    EXPECT_GT(outcome->train_accuracy, 0.15);
    EXPECT_GT(outcome->valid_accuracy, 0.15);
    std::cout << "train acc " << outcome->train_accuracy << " valid acc " << outcome->valid_accuracy
              << " seconds " << outcome->seconds << " genome " << DartsGenomeToText(outcome->genome)
              << "\n";
    std::vector<torch::Tensor> loaded;
    std::istringstream in(outcome->arch_bytes);
    torch::load(loaded, in);
    ASSERT_FALSE(loaded.empty());
    EXPECT_TRUE(torch::equal(loaded[0], outcome->alpha_normal));
  }

  static TrainValidationSplit* data_;
};

TrainValidationSplit* SupernetSearchTest::data_ = nullptr;

TEST_F(SupernetSearchTest, DartsSecondOrderCompletes) {
  ExpectCompletes(Tiny(SupernetMethod::kDarts, ArchitectOrder::kSecond));
}

TEST_F(SupernetSearchTest, PcDartsFirstOrderCompletes) {
  ExpectCompletes(Tiny(SupernetMethod::kPcDarts, ArchitectOrder::kFirst));
}

// Augmented weight and architecture batches: the search still completes and
// learns, and it saw other batches than without augmentation.
TEST_F(SupernetSearchTest, AugmentedSearchCompletesOnOtherBatches) {
  SupernetSearchOptions o = Tiny(SupernetMethod::kDarts, ArchitectOrder::kFirst);
  o.augmentation = {1, false, 2};
  ExpectCompletes(o);
  o.epochs = 1;
  const auto augmented = RunSupernetSearch(*data_, o);
  o.augmentation = {};
  const auto plain = RunSupernetSearch(*data_, o);
  ASSERT_TRUE(augmented.ok() && plain.ok());
  EXPECT_NE(augmented->train_loss, plain->train_loss);
  EXPECT_FALSE(torch::equal(augmented->alpha_normal, plain->alpha_normal));
}

// PC-DARTS's warm-up: no architecture step in the first arch_warmup_epochs,
// so after them the architecture parameters are still exactly the seeded
// start, and they move from the next epoch on.
TEST_F(SupernetSearchTest, ArchitectureIsFrozenDuringTheWarmUp) {
  SupernetSearchOptions o = Tiny(SupernetMethod::kPcDarts, ArchitectOrder::kFirst);
  SupernetOptions so = o.supernet;
  so.in_channels = data_->train.images.size(1);
  so.num_classes = data_->train.num_classes;
  const std::vector<torch::Tensor> start =
      RunSeeded(o.seed, [&] { return Supernet(so)->arch_parameters(); });
  for (int warm_up : {0, 1}) {
    o.arch_warmup_epochs = warm_up;
    std::vector<torch::Tensor> after_epoch;
    o.on_epoch = [&](const SupernetProgress& p) {
      after_epoch.push_back(p.alpha_normal);
      return true;
    };
    const auto outcome = RunSupernetSearch(*data_, o);
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    ASSERT_EQ(after_epoch.size(), 2u);
    EXPECT_EQ(torch::equal(after_epoch[0], start[0]), warm_up == 1) << "warm-up " << warm_up;
    EXPECT_FALSE(torch::equal(after_epoch[1], after_epoch[0])) << "warm-up " << warm_up;
    EXPECT_FALSE(torch::equal(outcome->beta_normal, start[2])) << "warm-up " << warm_up;
  }
  o.arch_warmup_epochs = 2;
  EXPECT_EQ(RunSupernetSearch(*data_, o).status().message(),
            "supernet_search.arch_warmup_epochs: 2 must be in 0..epochs-1");
}

TEST_F(SupernetSearchTest, CallbackCancels) {
  SupernetSearchOptions o = Tiny(SupernetMethod::kDarts, ArchitectOrder::kFirst);
  o.on_epoch = [](const SupernetProgress&) { return false; };
  EXPECT_EQ(RunSupernetSearch(*data_, o).status().code(), absl::StatusCode::kCancelled);
}

TEST_F(SupernetSearchTest, StepCallbackStopsWithinTheEpoch) {
  SupernetSearchOptions o = Tiny(SupernetMethod::kDarts, ArchitectOrder::kFirst);
  int steps = 0;
  o.on_step = [&](double) { return ++steps < 3; };
  o.on_epoch = [](const SupernetProgress&) {
    ADD_FAILURE() << "an epoch ended after the search was told to stop";
    return true;
  };
  const auto outcome = RunSupernetSearch(*data_, o);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kCancelled) << outcome.status();
  EXPECT_EQ(steps, 3);
}

TEST_F(SupernetSearchTest, RejectsBadOptions) {
  SupernetSearchOptions o = Tiny(SupernetMethod::kDarts, ArchitectOrder::kFirst);
  o.epochs = 0;
  EXPECT_EQ(RunSupernetSearch(*data_, o).status().code(), absl::StatusCode::kInvalidArgument);
  o = Tiny(SupernetMethod::kDarts, ArchitectOrder::kFirst);
  o.augmentation.crop_padding = -1;
  EXPECT_EQ(RunSupernetSearch(*data_, o).status().message(),
            "dataset.augmentation.crop_padding: -1 must be >= 0");
}

}  // namespace
}  // namespace nas
