#include "common/genome/morphism.h"

#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

ConvNetGenome G(const std::string& text) {
  auto genome = ParseConvNetGenome(text);
  EXPECT_TRUE(genome.ok()) << text << ": " << genome.status();
  return genome.ok() ? *genome : ConvNetGenome{};
}

std::string Applied(const std::string& genome, const std::string& morphism) {
  auto m = ParseMorphism(morphism);
  EXPECT_TRUE(m.ok()) << m.status();
  auto child = ApplyToGenome(G(genome), *m);
  if (!child.ok()) return std::string(child.status().message());
  return ConvNetGenomeToText(*child);
}

TEST(MorphismTextTest, ListRoundTrips) {
  const std::string text =
      "deepen(2,k3); widen(1,x2); widen(0,x1.5); skip_add(1,3); "
      "skip_concat(0,2)";
  auto list = ParseMorphisms(text);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 5u);
  EXPECT_EQ((*list)[0], Deepen(2, 3));
  EXPECT_EQ((*list)[1], Widen(1, 2));
  EXPECT_EQ((*list)[2], Widen(0, 1.5));
  EXPECT_EQ((*list)[3], SkipAdd(1, 3));
  EXPECT_EQ((*list)[4], SkipConcat(0, 2));
  EXPECT_EQ(MorphismsToText(*list), text);
  // Whitespace anywhere is tolerated; the text written is canonical.
  auto loose = ParseMorphisms("  deepen( 2 , k3 ) ;widen(1, x2.0)  ");
  ASSERT_TRUE(loose.ok()) << loose.status();
  EXPECT_EQ(MorphismsToText(*loose), "deepen(2,k3); widen(1,x2)");
}

TEST(MorphismTextTest, EmptyTextIsTheEmptyList) {
  auto list = ParseMorphisms(" ");
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  EXPECT_EQ(MorphismsToText({}), "");
}

TEST(MorphismTextTest, ErrorsNameTheItemAndTheRule) {
  auto error = [](const std::string& text) {
    auto list = ParseMorphisms(text);
    EXPECT_EQ(list.status().code(), absl::StatusCode::kInvalidArgument) << text;
    return std::string(list.status().message());
  };
  EXPECT_THAT(error("deepen(2,k4)"),
              HasSubstr("morphism 0 'deepen(2,k4)': deepen(2,k4): kernel size "
                        "must be 1, 3 or 5"));
  EXPECT_THAT(error("deepen(1,k3); widen(1,x0.5)"),
              HasSubstr("morphism 1 'widen(1,x0.5)': widen(1,x0.5): factor "
                        "must be in (1, 4]"));
  EXPECT_THAT(error("widen(1,x1.2345678)"),
              HasSubstr("at most six significant digits"));
  EXPECT_THAT(error("widen(1,xnan)"), HasSubstr("factor must be in (1, 4]"));
  EXPECT_THAT(error("widen(1,x5)"), HasSubstr("factor must be in (1, 4]"));
  EXPECT_THAT(error("skip_add(-1,2)"), HasSubstr("layer indices must be >= 0"));
  EXPECT_THAT(error("skip_add(1)"),
              HasSubstr("morphism 0 'skip_add(1)': 'skip_add(1)': expected"));
  EXPECT_THAT(error("grow(1,2)"),
              HasSubstr("expected deepen(<layer>,k<kernel>)"));
  EXPECT_THAT(error("deepen(1,k3);;widen(1,x2)"), HasSubstr("morphism 1 '': "));
  EXPECT_THAT(error("deepen(1,3)"), HasSubstr("expected"));
}

TEST(ApplyToGenomeTest, DeepenInsertsAnIdentityWidthLayerAndReindexesSkips) {
  EXPECT_EQ(Applied("conv3x8 pool conv3x16 pool conv3x32", "deepen(0,k5)"),
            "conv3x8 conv5x8 pool conv3x16 pool conv3x32");
  EXPECT_EQ(Applied("conv3x8 pool conv3x16 pool conv3x32", "deepen(4,k1)"),
            "conv3x8 pool conv3x16 pool conv3x32 conv1x32");
  // Skips from the deepened layer keep their source; targets above it move.
  EXPECT_EQ(
      Applied("conv3x8 conv3x8 conv3x8 add(0,2) concat(1,3)", "deepen(1,k1)"),
      "conv3x8 conv3x8 conv1x8 conv3x8 add(0,3) concat(1,4)");
  EXPECT_EQ(
      Applied("conv3x8 conv3x8 conv3x8 add(0,2) concat(1,3)", "deepen(0,k3)"),
      "conv3x8 conv3x8 conv3x8 conv3x8 add(0,3) concat(2,4)");
}

TEST(ApplyToGenomeTest, DeepenOnlyAfterAConvAndBelowTheLayerCap) {
  EXPECT_THAT(
      Applied("conv3x8 pool conv3x16", "deepen(1,k3)"),
      HasSubstr("morphism deepen(1,k3) does not apply: layer is not a conv"));
  EXPECT_THAT(Applied("conv3x8 pool conv3x16", "deepen(3,k3)"),
              HasSubstr("not a conv"));
  std::string full;
  for (int i = 0; i < kMaxConvNetLayers; ++i) full += "conv1x2 ";
  EXPECT_THAT(Applied(full, "deepen(0,k3)"),
              HasSubstr("already has 64 layers"));
}

TEST(ApplyToGenomeTest, WidenMultipliesAndRoundsUp) {
  EXPECT_EQ(Applied("conv3x8 pool conv3x16 pool conv3x32", "widen(2,x1.5)"),
            "conv3x8 pool conv3x24 pool conv3x32");
  EXPECT_EQ(Applied("conv3x3 conv3x8", "widen(0,x1.5)"), "conv3x5 conv3x8");
  EXPECT_EQ(Applied("conv3x8 conv3x8 concat(0,2)", "widen(0,x2)"),
            "conv3x16 conv3x8 concat(0,2)");
  EXPECT_THAT(Applied("conv3x600 conv3x8", "widen(0,x2)"),
              HasSubstr("width would exceed 1024"));
  EXPECT_THAT(Applied("conv3x8 pool", "widen(1,x2)"),
              HasSubstr("layer is not a conv"));
}

TEST(ApplyToGenomeTest, WidenIsRefusedWhereAnAddTiesTheChannels) {
  EXPECT_THAT(
      Applied("conv3x8 conv3x8 conv3x8 add(0,2)", "widen(0,x2)"),
      HasSubstr("widen(0,x2) does not apply: skip add(0,2): adds 16 channels"));
  EXPECT_THAT(Applied("conv3x8 conv3x8 conv3x8 add(0,2)", "widen(1,x2)"),
              HasSubstr("skip add(0,2)"));
  EXPECT_EQ(Applied("conv3x8 conv3x8 conv3x8 add(0,2)", "widen(2,x2)"),
            "conv3x8 conv3x8 conv3x16 add(0,2)");
}

TEST(ApplyToGenomeTest, SkipsMustMatchResolutionChannelsAndBeNew) {
  const std::string g = "conv3x8 conv3x8 pool conv3x16 conv3x16";
  EXPECT_EQ(Applied(g, "skip_add(0,2)"), g + " add(0,2)");
  EXPECT_EQ(Applied(g, "skip_concat(3,5)"), g + " concat(3,5)");
  EXPECT_EQ(Applied(g + " add(0,2)", "skip_concat(0,2)"),
            g + " add(0,2) concat(0,2)");
  EXPECT_THAT(Applied(g, "skip_add(0,3)"), HasSubstr("crosses a pool"));
  EXPECT_THAT(Applied(g, "skip_add(2,4)"),
              HasSubstr("adds 8 channels (layer 2) to 16"));
  EXPECT_THAT(Applied(g, "skip_add(0,1)"), HasSubstr("from + 2 <= to"));
  EXPECT_THAT(Applied(g + " add(0,2)", "skip_add(0,2)"),
              HasSubstr("appears twice"));
}

TEST(ApplyToGenomeTest, ConcatIntoAPoolMayBreakAnAddBelowIt) {
  // The pool passes its extra channels on, so add(2,4) would mismatch.
  EXPECT_THAT(Applied("conv3x8 conv3x8 pool conv3x8 conv3x8 add(2,4)",
                      "skip_concat(0,2)"),
              HasSubstr("skip add(2,4): adds 16 channels"));
}

TEST(ApplyToGenomeTest, ApplyAllNamesTheFailingItem) {
  auto list = ParseMorphisms("deepen(0,k3); deepen(2,k3)");
  ASSERT_TRUE(list.ok());
  auto child = ApplyAllToGenome(G("conv3x8 pool conv3x8"), *list);
  EXPECT_THAT(std::string(child.status().message()),
              HasSubstr("morphism 1: morphism deepen(2,k3) does not apply"));
  auto invalid_parent = ApplyToGenome(ConvNetGenome{}, Deepen(0, 3));
  EXPECT_THAT(std::string(invalid_parent.status().message()),
              HasSubstr("the parent genome is invalid"));
}

TEST(RandomMorphismTest, AlwaysAppliesAndCoversEveryKindKernelAndFactor) {
  std::set<std::string> seen;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    SeededRandom rng(seed);
    ConvNetGenome g = DefaultNashStart();
    for (int step = 0; step < 6; ++step) {
      const Morphism m = RandomMorphism(g, rng);
      auto child = ApplyToGenome(g, m);
      ASSERT_TRUE(child.ok()) << ConvNetGenomeToText(g) << " + "
                              << MorphismToText(m) << ": " << child.status();
      const std::string text = MorphismToText(m);
      seen.insert(text.substr(0, text.find('(')));
      if (m.kind == MorphismKind::kDeepen)
        seen.insert("k" + std::to_string(m.kernel_size));
      if (m.kind == MorphismKind::kWiden)
        seen.insert(text.substr(text.find(",x")));
      g = *child;
    }
  }
  for (const char* expected : {"deepen", "widen", "skip_add", "skip_concat",
                               "k1", "k3", "k5", ",x1.5)", ",x2)"}) {
    EXPECT_EQ(seen.count(expected), 1u) << expected;
  }
}

TEST(RandomMorphismTest, SameSeedSameListAndTheListApplies) {
  SeededRandom a(42), b(42), c(43);
  const std::vector<Morphism> la = RandomMorphisms(DefaultNashStart(), 5, a);
  const std::vector<Morphism> lb = RandomMorphisms(DefaultNashStart(), 5, b);
  const std::vector<Morphism> lc = RandomMorphisms(DefaultNashStart(), 5, c);
  ASSERT_EQ(la.size(), 5u);
  EXPECT_EQ(MorphismsToText(la), MorphismsToText(lb));
  EXPECT_NE(MorphismsToText(la), MorphismsToText(lc));
  EXPECT_TRUE(ApplyAllToGenome(DefaultNashStart(), la).ok());
  auto reparsed = ParseMorphisms(MorphismsToText(la));
  ASSERT_TRUE(reparsed.ok());
  EXPECT_EQ(*reparsed, la);
}

TEST(RandomMorphismTest, KeepsFindingMorphismsUpToTheCaps) {
  // Long enough to hit the layer cap (each family is drawn about a third of
  // the time), so draws near the caps are exercised too.
  SeededRandom rng(7);
  const std::vector<Morphism> list =
      RandomMorphisms(DefaultNashStart(), 250, rng);
  EXPECT_EQ(list.size(), 250u);
  auto grown = ApplyAllToGenome(DefaultNashStart(), list);
  ASSERT_TRUE(grown.ok()) << grown.status();
  EXPECT_EQ(grown->num_layers(), kMaxConvNetLayers);
}

// The candidate search takes shortcuts; they must agree with trying every
// morphism through ApplyToGenome.
TEST(RandomMorphismTest, ApplicableMorphismsAreExactlyThoseThatApply) {
  for (uint64_t seed = 0; seed < 60; ++seed) {
    SeededRandom rng(seed);
    auto g = ApplyAllToGenome(
        DefaultNashStart(),
        RandomMorphisms(DefaultNashStart(), rng.Uniform(25), rng));
    ASSERT_TRUE(g.ok());
    std::set<std::string> brute_force;
    const int n = g->num_layers();
    for (int i = 0; i <= n; ++i) {
      std::vector<Morphism> tries = {Deepen(i, 1), Deepen(i, 3), Deepen(i, 5),
                                     Widen(i, 1.5), Widen(i, 2)};
      for (int to = 0; to <= n + 1; ++to) {
        tries.push_back(SkipAdd(i, to));
        tries.push_back(SkipConcat(i, to));
      }
      for (const Morphism& m : tries) {
        if (ApplyToGenome(*g, m).ok()) brute_force.insert(MorphismToText(m));
      }
    }
    std::set<std::string> found;
    for (const Morphism& m : ApplicableMorphisms(*g))
      found.insert(MorphismToText(m));
    EXPECT_EQ(found, brute_force) << ConvNetGenomeToText(*g);
  }
}

TEST(RandomMorphismTest, AGenomeWithNoApplicableMorphismGivesAnEmptyList) {
  // 64 layers (no deepen), the only conv at the width cap (no widen), and a
  // pool between any two skip ends.
  std::string text = "conv3x1024";
  for (int i = 1; i < kMaxConvNetLayers; ++i) text += " pool";
  const ConvNetGenome g = G(text);
  EXPECT_FALSE(HasApplicableMorphism(g));
  SeededRandom rng(1);
  EXPECT_TRUE(RandomMorphisms(g, 3, rng).empty());
  EXPECT_FALSE(ApplyToGenome(g, RandomMorphism(g, rng)).ok());
  EXPECT_TRUE(HasApplicableMorphism(DefaultNashStart()));
}

}  // namespace
}  // namespace nas
