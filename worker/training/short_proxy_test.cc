// A short proxy (31 SGD steps, as one epoch of 2,000 examples in batches of
// 64) must rank candidates by what they have learnt. Its fitness is measured
// in eval mode, so it rests on the BatchNorm statistics: these tests pin
// that they are recalibrated (trainer.h, batch_norm_recalibration.h).
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "worker/training/trainer.h"

namespace nas {
namespace {

// Clearly stronger: separable convolutions; clearly weaker: pools and skips
// only, with no weights beyond the stem, preprocessing and classifier.
constexpr char kConvolutions[] =
    "normal: sep_conv_3x3(0)+sep_conv_3x3(1) | sep_conv_3x3(1)+sep_conv_3x3(2) ; "
    "reduce: sep_conv_3x3(0)+sep_conv_3x3(1) | sep_conv_3x3(1)+sep_conv_3x3(2)";
constexpr char kPoolsAndSkips[] =
    "normal: max_pool_3x3(0)+skip_connect(1) | skip_connect(1)+max_pool_3x3(2) ; "
    "reduce: max_pool_3x3(0)+max_pool_3x3(1) | skip_connect(2)+max_pool_3x3(1)";

class ShortProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(2);
    const char* dir = std::getenv("NAS_SHARED_DATA");
    ASSERT_NE(dir, nullptr) << "NAS_SHARED_DATA is not set: run scripts/test.sh, or bazel test "
                               "--test_env=NAS_SHARED_DATA=<absolute path of ../shared/data>";
    auto all = LoadDigitsCsv(std::string(dir) + "/digits/digits.csv.gz");
    ASSERT_TRUE(all.ok()) << all.status();
    // 992 training examples in batches of 32: the proxy's 31 steps.
    auto split = SplitTrainValidation(*all, 300, 992, 2026);
    ASSERT_TRUE(split.ok()) << split.status();
    data_ = *std::move(split);
  }

  // The quick start's recipe (deploy/specs/quickstart_fashion_mnist.textproto:
  // learning rate 0.05, momentum 0.9, weight decay 3e-4, the defaults here)
  // cut to one epoch of 31 steps.
  static TrainOptions ProxyOptions() {
    TrainOptions o;
    o.batch_size = 32;
    o.init_channels = 8;
    o.cells = 3;
    o.seed = 2026;
    return o;
  }

  double Accuracy(const std::string& genome_text, const TrainOptions& o) {
    auto genome = ParseDartsGenome(genome_text);
    EXPECT_TRUE(genome.ok()) << genome.status();
    auto outcome = TrainAndEvaluate(*genome, data_, o);
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    return outcome.ok() ? outcome->validation_accuracy : -1;
  }

  // kConvolutions with the proxy's options, trained once for both tests.
  double RecalibratedConvolutions() {
    static const double accuracy = Accuracy(kConvolutions, ProxyOptions());
    return accuracy;
  }

  TrainValidationSplit data_;
};

// Without recalibration the running statistics after 31 steps describe an
// earlier network: eval-mode accuracy is far below what the network does
// with statistics of its final weights.
TEST_F(ShortProxyTest, RecalibrationLiftsTheProxyFromStaleStatistics) {
  TrainOptions o = ProxyOptions();
  o.bn_recalibration_batches = 0;
  const double stale = Accuracy(kConvolutions, o);
  const double recalibrated = RecalibratedConvolutions();
  RecordProperty("stale_accuracy", std::to_string(stale));
  RecordProperty("recalibrated_accuracy", std::to_string(recalibrated));
  EXPECT_GT(recalibrated, stale + 0.2);
  EXPECT_GT(recalibrated, 0.5);  // Chance is 0.1.
}

TEST_F(ShortProxyTest, RanksConvolutionsAbovePoolsAndSkips) {
  const double strong = RecalibratedConvolutions();
  const double weak = Accuracy(kPoolsAndSkips, ProxyOptions());
  RecordProperty("convolutions", std::to_string(strong));
  RecordProperty("pools_and_skips", std::to_string(weak));
  EXPECT_GT(strong, 0.5);
  EXPECT_GT(strong, weak + 0.1);
}

}  // namespace
}  // namespace nas
