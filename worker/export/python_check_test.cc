// The exported TorchScript outside this project's code: Debian's
// python3-torch (/usr/bin/python3) loads the saved modules and must compute
// what the C++ networks compute. Fails, not skips, when that interpreter has
// no torch.
#include "tests/export/python_check.h"

#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "worker/export/random_weights.h"
#include "worker/export/torchscript_export.h"
#include "worker/tfnas/small_test_network.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

class PythonCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    torch::manual_seed(9);
    script_ = testing::RunfilePath("tests/export/check_export.py");
  }

  // Exports `module` and writes the reference for `net` on `x`; returns the
  // (model, reference) pair of paths.
  template <typename Net>
  std::pair<std::string, std::string> Write(const std::string& name,
                                            const torch::jit::Module& module, Net& net,
                                            const torch::Tensor& x) {
    net->eval();
    torch::NoGradGuard no_grad;
    const std::string model = TempPath(name + ".pt"), reference = TempPath(name + ".io.pt");
    EXPECT_TRUE(SaveTorchScript(module, model).ok());
    EXPECT_TRUE(testing::WriteReferenceIo(reference, x, net->forward(x)).ok());
    return {model, reference};
  }

  std::string script_;
};

TEST_F(PythonCheckTest, PythonTorchReproducesDartsConvNetAndTfNasOutputs) {
  auto darts_genome = ParseDartsGenome(
      "normal: sep_conv_3x3(0)+sep_conv_5x5(1) | dil_conv_3x3(0)+dil_conv_5x5(2) | "
      "max_pool_3x3(1)+avg_pool_3x3(3) ; "
      "reduce: skip_connect(0)+avg_pool_3x3(1) | max_pool_3x3(2)+skip_connect(1) | "
      "dil_conv_3x3(0)+skip_connect(3)");
  ASSERT_TRUE(darts_genome.ok()) << darts_genome.status();
  DartsNetworkOptions options;
  options.in_channels = 1;
  options.num_classes = 10;
  options.init_channels = 4;
  options.cells = 4;
  DartsNetwork darts(*darts_genome, options);
  RandomizeAllWeights(*darts, 31);
  auto darts_module = ExportDartsNetwork(*darts);
  ASSERT_TRUE(darts_module.ok()) << darts_module.status();

  auto conv_genome =
      ParseConvNetGenome("conv3x8 conv3x8 pool conv5x8 conv1x8 add(3,5) concat(0,2)");
  ASSERT_TRUE(conv_genome.ok()) << conv_genome.status();
  auto convnet = MakeConvNet(*conv_genome, 3, 6);
  ASSERT_TRUE(convnet.ok()) << convnet.status();
  RandomizeAllWeights(**convnet, 37);
  auto conv_module = ExportConvNet(**convnet);
  ASSERT_TRUE(conv_module.ok()) << conv_module.status();

  auto tfnas = SmallTestTfNasNetwork(
      "k3e3w8 k7e6w64 | k5e3w24 | k3e6w72 | k3e3w60 k5e6w120 | k5e3w84 | k3e6w288");
  ASSERT_TRUE(tfnas.ok()) << tfnas.status();
  RandomizeAllWeights(**tfnas, 41);
  auto tfnas_module = ExportTfNasNetwork(**tfnas);
  ASSERT_TRUE(tfnas_module.ok()) << tfnas_module.status();
  // Squeeze-and-excitation layers: mean, sigmoid and the gate in Python too.
  auto tfnas_se = SmallTestTfNasNetwork(
      "k3e3sew8 k7e6sew64 | k5e3sew24 | k3e6w72 | k3e3sew60 k5e6sew120 | k5e3w84 | k3e6sew288");
  ASSERT_TRUE(tfnas_se.ok()) << tfnas_se.status();
  RandomizeAllWeights(**tfnas_se, 43);
  auto tfnas_se_module = ExportTfNasNetwork(**tfnas_se);
  ASSERT_TRUE(tfnas_se_module.ok()) << tfnas_se_module.status();

  const std::vector<std::pair<std::string, std::string>> pairs = {
      Write("darts", *darts_module, darts, torch::randn({16, 1, 8, 8})),
      Write("convnet", *conv_module, *convnet, torch::randn({16, 3, 9, 9})),
      Write("tfnas", *tfnas_module, *tfnas, torch::randn({16, 1, 8, 8})),
      Write("tfnas_se", *tfnas_se_module, *tfnas_se, torch::randn({16, 1, 8, 8}))};
  const testing::CommandResult check = testing::RunPythonCheck(script_, pairs);
  EXPECT_EQ(check.exit_status, 0) << check.output;
  std::cout << check.output;
  EXPECT_THAT(check.output, HasSubstr("ok " + pairs[0].first));
  EXPECT_THAT(check.output, HasSubstr("ok " + pairs[1].first));
  EXPECT_THAT(check.output, HasSubstr("ok " + pairs[2].first));
  EXPECT_THAT(check.output, HasSubstr("ok " + pairs[3].first));
}

// The check is not vacuous: outputs off by more than the tolerance fail it.
TEST_F(PythonCheckTest, WrongReferenceOutputsFailTheCheck) {
  auto genome = ParseConvNetGenome("conv3x4 pool conv3x4");
  ASSERT_TRUE(genome.ok());
  auto net = MakeConvNet(*genome, 1, 3);
  ASSERT_TRUE(net.ok());
  RandomizeAllWeights(**net, 41);
  auto module = ExportConvNet(**net);
  ASSERT_TRUE(module.ok()) << module.status();
  (*net)->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::randn({4, 1, 6, 6});
  const std::string model = TempPath("off.pt"), reference = TempPath("off.io.pt");
  ASSERT_TRUE(SaveTorchScript(*module, model).ok());
  ASSERT_TRUE(testing::WriteReferenceIo(reference, x, (*net)->forward(x) + 1e-4).ok());
  const testing::CommandResult check = testing::RunPythonCheck(script_, {{model, reference}});
  EXPECT_EQ(check.exit_status, 1) << check.output;
  EXPECT_THAT(check.output, HasSubstr("FAIL " + model));
}

}  // namespace
}  // namespace nas
