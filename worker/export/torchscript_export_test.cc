#include "worker/export/torchscript_export.h"

#include <cstdio>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "worker/export/random_weights.h"
#include "worker/tfnas/small_test_network.h"

namespace nas {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

// Exports `net`, saves and loads the module back, and compares it with the
// network in eval mode on random inputs of a few sizes.
template <typename Net>
void ExpectSameFunction(Net& net, int64_t in_channels, const std::string& name,
                        absl::StatusOr<torch::jit::Module> (*exporter)(decltype(*net)&)) {
  net->eval();
  auto module = exporter(*net);
  ASSERT_TRUE(module.ok()) << module.status();
  const std::string path = TempPath(name + ".pt");
  ASSERT_TRUE(SaveTorchScript(*module, path).ok());
  torch::jit::Module loaded = torch::jit::load(path);
  torch::NoGradGuard no_grad;
  for (int64_t side : {8, 7, 11}) {
    const torch::Tensor x = torch::randn({3, in_channels, side, side});
    const torch::Tensor expected = net->forward(x);
    const torch::Tensor got = loaded.forward({x}).toTensor();
    ASSERT_EQ(got.sizes(), expected.sizes()) << name;
    EXPECT_TRUE(torch::allclose(got, expected, 1e-5, 1e-5))
        << name << " side " << side << ": max abs diff "
        << (got - expected).abs().max().item<double>();
    // Both the module built in memory and the one read from disk.
    EXPECT_TRUE(torch::allclose(module->forward({x}).toTensor(), expected, 1e-5, 1e-5));
  }
  std::remove(path.c_str());
}

class DartsExportTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DartsExportTest, ExportedModuleComputesTheNetworksFunction) {
  torch::set_num_threads(1);
  torch::manual_seed(3);
  auto genome = ParseDartsGenome(GetParam());
  ASSERT_TRUE(genome.ok()) << genome.status();
  DartsNetworkOptions options;
  options.in_channels = 3;
  options.num_classes = 7;
  options.init_channels = 4;
  options.cells = 5;  // Reductions at cells 1 and 3: a reduction after a reduction's successor.
  DartsNetwork net(*genome, options);
  RandomizeAllWeights(*net, 17);
  ExpectSameFunction(net, 3, "darts", &ExportDartsNetwork);
}

INSTANTIATE_TEST_SUITE_P(
    Genomes, DartsExportTest,
    ::testing::Values(
        // Every op in both cells, on cell inputs (stride 2 in reductions) and nodes.
        "normal: sep_conv_3x3(0)+sep_conv_5x5(1) | dil_conv_3x3(0)+dil_conv_5x5(2) | "
        "max_pool_3x3(1)+avg_pool_3x3(3) | skip_connect(0)+skip_connect(4) ; "
        "reduce: sep_conv_3x3(0)+sep_conv_5x5(1) | dil_conv_3x3(0)+dil_conv_5x5(2) | "
        "max_pool_3x3(1)+avg_pool_3x3(3) | skip_connect(0)+skip_connect(4)",
        // Pools and skips only: skip_connect on reduction inputs is a FactorizedReduce.
        "normal: skip_connect(0)+avg_pool_3x3(1) ; reduce: skip_connect(0)+max_pool_3x3(1)",
        // One node, a weight-free normal cell.
        "normal: max_pool_3x3(0)+skip_connect(1) ; reduce: avg_pool_3x3(1)+sep_conv_3x3(0)"));

TEST(ConvNetExportTest, AddAndConcatSkipsAndPools) {
  torch::set_num_threads(1);
  torch::manual_seed(4);
  auto genome = ParseConvNetGenome(
      "conv3x4 conv5x6 pool conv3x6 conv1x6 conv3x6 add(3,5) concat(0,2) concat(3,6) "
      "add(4,6)");
  ASSERT_TRUE(genome.ok()) << genome.status();
  auto net = MakeConvNet(*genome, 2, 4);
  ASSERT_TRUE(net.ok()) << net.status();
  RandomizeAllWeights(**net, 23);
  ExpectSameFunction(*net, 2, "convnet", &ExportConvNet);
}

// Every part of a TF-NAS network: the stem's block without expansion, ReLU
// and swish stages, strided and residual MBConv layers, kernels 3, 5 and 7.
TEST(TfNasExportTest, StemLayersAndHead) {
  torch::set_num_threads(1);
  torch::manual_seed(5);
  auto net = SmallTestTfNasNetwork(
      "k3e3w8 k7e6w64 | k5e3w24 k3e3w30 | k3e6w72 | k3e3w60 | k5e3w84 | k3e6w288");
  ASSERT_TRUE(net.ok()) << net.status();
  RandomizeAllWeights(**net, 29);
  ExpectSameFunction(*net, 1, "tfnas", &ExportTfNasNetwork);
}

// Squeeze-and-excitation layers of both expansions, strided and residual,
// in ReLU and swish stages.
TEST(TfNasExportTest, SqueezeExcitationLayers) {
  torch::set_num_threads(1);
  torch::manual_seed(6);
  auto net = SmallTestTfNasNetwork(
      "k3e3sew8 k5e6sew64 | k5e3sew24 k3e3w30 | k3e6sew72 | k3e3w60 | k5e3sew84 | k3e6sew288");
  ASSERT_TRUE(net.ok()) << net.status();
  RandomizeAllWeights(**net, 31);
  ExpectSameFunction(*net, 1, "tfnas_se", &ExportTfNasNetwork);
}

TEST(ExportTest, TrainingModeNetworkIsExportedWithItsEvalFunction) {
  torch::set_num_threads(1);
  auto genome = ParseDartsGenome(
      "normal: sep_conv_3x3(0)+skip_connect(1) ; "
      "reduce: max_pool_3x3(0)+dil_conv_3x3(1)");
  ASSERT_TRUE(genome.ok());
  DartsNetworkOptions options;
  options.init_channels = 4;
  options.cells = 3;
  DartsNetwork net(*genome, options);
  RandomizeAllWeights(*net, 5);
  ASSERT_TRUE(net->is_training());
  auto module = ExportDartsNetwork(*net);
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_TRUE(net->is_training()) << "export must not change the network's mode";
  net->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::randn({2, 1, 8, 8});
  EXPECT_TRUE(torch::allclose(module->forward({x}).toTensor(), net->forward(x), 1e-5, 1e-5));
}

TEST(ExportTest, UnwritablePathIsUnavailable) {
  auto genome = ParseConvNetGenome("conv3x4");
  ASSERT_TRUE(genome.ok());
  auto net = MakeConvNet(*genome, 1, 2);
  ASSERT_TRUE(net.ok());
  auto module = ExportConvNet(**net);
  ASSERT_TRUE(module.ok()) << module.status();
  EXPECT_EQ(SaveTorchScript(*module, "/nonexistent-dir/model.pt").code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace nas
