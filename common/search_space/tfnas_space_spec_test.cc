#include "common/search_space/tfnas_space_spec.h"

#include <memory>

#include "common/random/seeded_random.h"
#include "common/search_space/search_space.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

TEST(TfNasSpaceSpecTest, DefaultsAreThePapersEightOps) {
  const v1::TfNasSpace filled = FillTfNasSpaceDefaults({});
  EXPECT_THAT(filled.kernels(), ::testing::ElementsAre(3, 5));
  EXPECT_THAT(filled.squeeze_excitation(), ::testing::ElementsAre(false, true));
  auto space = TfNasSpaceFromSpec({});
  ASSERT_TRUE(space.ok()) << space.status();
  EXPECT_EQ(SpaceOps(*space).size(), 8u);
}

TEST(TfNasSpaceSpecTest, SqueezeExcitationAndKernelSevenAreOptions) {
  v1::TfNasSpace spec;
  spec.add_kernels(3);
  spec.add_kernels(7);
  spec.add_squeeze_excitation(false);
  auto space = TfNasSpaceFromSpec(spec);
  ASSERT_TRUE(space.ok()) << space.status();
  EXPECT_EQ(SpaceOps(*space).size(), 4u);
  EXPECT_EQ(OpIndex(*space, 7, 6), 3);
  EXPECT_EQ(OpIndex(*space, 3, 3, /*se=*/true), -1);

  spec.clear_squeeze_excitation();
  spec.add_squeeze_excitation(true);
  spec.add_squeeze_excitation(false);
  EXPECT_THAT(
      std::string(TfNasSpaceFromSpec(spec).status().message()),
      HasSubstr("space.tfnas.squeeze_excitation: must be [false], [true] or [false, true]"));
}

TEST(TfNasSpaceSpecTest, RandomGenomesUseTheSpacesSeChoices) {
  v1::SearchSpace proto;
  proto.mutable_tfnas()->add_squeeze_excitation(true);
  auto se_only = MakeSearchSpace(proto);
  ASSERT_TRUE(se_only.ok()) << se_only.status();
  proto.mutable_tfnas()->clear_squeeze_excitation();
  auto both = MakeSearchSpace(proto);
  ASSERT_TRUE(both.ok()) << both.status();
  SeededRandom rng(5);
  int se_layers = 0, plain_layers = 0;
  for (int i = 0; i < 20; ++i) {
    const std::string text = (*se_only)->RandomGenome(rng);
    EXPECT_TRUE((*se_only)->Canonicalize(text).ok()) << text;
    auto genome = ParseTfNasGenome(text);
    for (const TfNasStage& s : genome->stages) {
      for (const TfNasLayer& l : s.layers) EXPECT_TRUE(l.se) << text;
    }
    genome = ParseTfNasGenome((*both)->RandomGenome(rng));
    for (const TfNasStage& s : genome->stages) {
      for (const TfNasLayer& l : s.layers) ++(l.se ? se_layers : plain_layers);
    }
  }
  EXPECT_GT(se_layers, 0);
  EXPECT_GT(plain_layers, 0);
}

}  // namespace
}  // namespace nas
