#include "worker/tfnas/latency_target.h"

#include <random>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

TfNasSpace SmallSpace() {
  TfNasSpaceOptions o;
  o.image_size = 8;
  o.width_multiplier = 0.25;
  o.max_layers_per_stage = 3;
  return *MakeTfNasSpace(o);
}

// A hand-made table: every block of the space, latency linear in width and
// growing with kernel size and input resolution; SE costs a little more.
LatencyTable HandMadeTable(const TfNasSpace& space) {
  LatencyTable t;
  t.base_ms = 2.0;
  for (size_t s = 0; s < space.stages.size(); ++s) {
    for (int l = 0; l < space.stages[s].max_layers; ++l) {
      const TfNasLayerShape shape = LayerShape(space, s, l);
      for (const TfNasOp& op : SpaceOps(space)) {
        auto& widths = t.blocks[BlockLatencyKey(shape, op)];
        const int k = op.kernel;
        for (int w = 1; w <= 8 * shape.in_channels; ++w) {
          widths[w] = 0.05 + 1e-3 * w * (k * k / 9.0 + 1) * shape.input_size + (op.se ? 0.02 : 0);
        }
      }
    }
  }
  return t;
}

ArchDistribution RandomDistribution(const TfNasSpace& space, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0.01, 1.0);
  auto normalised = [&](int n) {
    std::vector<double> p(n);
    double sum = 0;
    for (double& v : p) sum += v = u(rng);
    for (double& v : p) v /= sum;
    return p;
  };
  ArchDistribution d;
  for (const TfNasStageSpec& st : space.stages) {
    d.depth.push_back(normalised(st.max_layers));
    d.op.emplace_back();
    const int ops = static_cast<int>(SpaceOps(space).size());
    for (int l = 0; l < st.max_layers; ++l) d.op.back().push_back(normalised(ops));
  }
  return d;
}

std::vector<std::vector<std::vector<int>>> InitialWidths(const TfNasSpace& space) {
  std::vector<std::vector<std::vector<int>>> w;
  for (size_t s = 0; s < space.stages.size(); ++s) {
    w.emplace_back();
    for (int l = 0; l < space.stages[s].max_layers; ++l) {
      w[s].emplace_back();
      for (const TfNasOp& op : SpaceOps(space)) {
        w[s][l].push_back(
            MidChannelRange(LayerShape(space, s, l).in_channels, op.expansion).initial);
      }
    }
  }
  return w;
}

class LatencyTargetTest : public ::testing::Test {
 protected:
  LatencyTargetTest()
      : space_(SmallSpace()),
        table_(HandMadeTable(space_)),
        latencies_(*SpaceLatencies::Create(space_, table_)) {}

  TfNasSpace space_;
  LatencyTable table_;
  SpaceLatencies latencies_;
};

TEST_F(LatencyTargetTest, FastestAndSlowestBoundTheSpace) {
  const double min_ms = latencies_.Predict(latencies_.Fastest());
  const double max_ms = latencies_.Predict(latencies_.Slowest());
  EXPECT_LT(min_ms, max_ms);
  EXPECT_TRUE(ValidateGenomeInSpace(space_, latencies_.Fastest()).ok());
  EXPECT_TRUE(ValidateGenomeInSpace(space_, latencies_.Slowest()).ok());
  std::mt19937 rng(1);
  for (int i = 0; i < 20; ++i) {
    const TfNasGenome g =
        DeriveArgmax(space_, RandomDistribution(space_, rng), InitialWidths(space_));
    ASSERT_TRUE(ValidateGenomeInSpace(space_, g).ok()) << TfNasGenomeToText(g);
    EXPECT_GE(latencies_.Predict(g), min_ms);
    EXPECT_LE(latencies_.Predict(g), max_ms);
    EXPECT_DOUBLE_EQ(latencies_.Predict(g), *PredictLatency(table_, space_, g));
  }
}

TEST_F(LatencyTargetTest, DerivationMeetsSeveralTargetsStrictly) {
  const double min_ms = latencies_.Predict(latencies_.Fastest());
  const double max_ms = latencies_.Predict(latencies_.Slowest());
  std::mt19937 rng(5);
  for (int trial = 0; trial < 10; ++trial) {
    const ArchDistribution dist = RandomDistribution(space_, rng);
    // The widest version of the plain derivation: usually far over target.
    TfNasGenome plain = DeriveArgmax(space_, dist, InitialWidths(space_));
    plain = FitWidths(latencies_, plain, 1e9, MaxWidths(latencies_, plain));
    for (double fraction : {0.05, 0.3, 0.6, 0.9}) {
      const double target = min_ms + fraction * (max_ms - min_ms);
      auto d = MeetLatencyTarget(latencies_, dist, plain, target);
      ASSERT_TRUE(d.ok()) << d.status();
      EXPECT_TRUE(ValidateGenomeInSpace(space_, d->genome).ok());
      EXPECT_LE(d->predicted_ms, target) << TfNasGenomeToText(d->genome);
      EXPECT_DOUBLE_EQ(d->predicted_ms, *PredictLatency(table_, space_, d->genome));
      EXPECT_DOUBLE_EQ(d->plain_ms, latencies_.Predict(plain));
      if (d->plain_ms <= target) {
        EXPECT_EQ(d->genome, plain);
        EXPECT_TRUE(d->repairs.empty());
      } else {
        EXPECT_FALSE(d->repairs.empty());
        // Not needlessly small: within a few width steps of the target.
        EXPECT_GT(d->predicted_ms, target - 0.2 * (max_ms - min_ms))
            << TfNasGenomeToText(d->genome);
      }
    }
  }
}

TEST_F(LatencyTargetTest, TargetBelowTheMinimumFailsNamingBoth) {
  const double min_ms = latencies_.Predict(latencies_.Fastest());
  std::mt19937 rng(2);
  const ArchDistribution dist = RandomDistribution(space_, rng);
  const TfNasGenome plain = DeriveArgmax(space_, dist, InitialWidths(space_));
  auto d = MeetLatencyTarget(latencies_, dist, plain, min_ms - 0.01);
  ASSERT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(d.status().message()),
              HasSubstr(absl::StrFormat("latency target %.4f ms is below the minimum achievable "
                                        "%.4f ms",
                                        min_ms - 0.01, min_ms)));
  // Exactly the minimum is achievable.
  d = MeetLatencyTarget(latencies_, dist, plain, min_ms);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_LE(d->predicted_ms, min_ms);
}

TEST_F(LatencyTargetTest, RepairDropsTheLeastProbableDepthFirst) {
  std::mt19937 rng(3);
  ArchDistribution dist = RandomDistribution(space_, rng);
  // Full depth everywhere; stage 2's third layer barely beats two layers, so
  // dropping it costs least architecture weight.
  for (auto& d : dist.depth) std::fill(d.begin(), d.end(), 0.0), d.back() = 1.0;
  for (auto& stage : dist.op) {
    for (auto& p : stage) std::fill(p.begin(), p.end(), 0.0), p[0] = 1.0;  // All k3e3.
  }
  dist.depth[1] = {0.1, 0.44, 0.46};
  TfNasGenome plain = DeriveArgmax(space_, dist, InitialWidths(space_));
  TfNasGenome narrow = plain;
  narrow = FitWidths(latencies_, narrow, 0, MaxWidths(latencies_, narrow));  // All at minimum.
  const double target = latencies_.Predict(narrow) - 0.01;
  auto d = MeetLatencyTarget(latencies_, dist, plain, target);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_GE(d->repairs.size(), 2u);
  EXPECT_EQ(d->repairs[0], "widths fitted");
  EXPECT_EQ(d->repairs[1], "stage 2: depth 3 -> 2");
  EXPECT_EQ(d->genome.stages[1].layers.size(), 2u);
  EXPECT_LE(d->predicted_ms, target);
}

TEST_F(LatencyTargetTest, FitWidthsWidensUpToTheTarget) {
  std::mt19937 rng(4);
  const ArchDistribution dist = RandomDistribution(space_, rng);
  const TfNasGenome g = DeriveArgmax(space_, dist, InitialWidths(space_));
  const double start = latencies_.Predict(g);
  const TfNasGenome wider = FitWidths(latencies_, g, start + 0.5, MaxWidths(latencies_, g));
  EXPECT_GT(latencies_.Predict(wider), start);
  EXPECT_LE(latencies_.Predict(wider), start + 0.5);
  const TfNasGenome narrower = FitWidths(latencies_, g, start - 0.5, MaxWidths(latencies_, g));
  EXPECT_LE(latencies_.Predict(narrower), start - 0.5);
  EXPECT_TRUE(ValidateGenomeInSpace(space_, narrower).ok());
}

TEST_F(LatencyTargetTest, MissingTableEntryIsNotFound) {
  LatencyTable t = table_;
  t.blocks.erase(t.blocks.begin());
  auto latencies = SpaceLatencies::Create(space_, t);
  EXPECT_EQ(latencies.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(latencies.status().message()), HasSubstr("MBInvertedResBlock_"));
}

TEST_F(LatencyTargetTest, SeOpsReadTheirOwnEntries) {
  // SE costs 0.02 ms more per layer in the table: the fastest network has
  // none, the slowest SE everywhere, and a network's prediction counts them.
  for (const TfNasStage& stage : latencies_.Fastest().stages) {
    for (const TfNasLayer& l : stage.layers) EXPECT_FALSE(l.se);
  }
  for (const TfNasStage& stage : latencies_.Slowest().stages) {
    for (const TfNasLayer& l : stage.layers) EXPECT_TRUE(l.se);
  }
  TfNasGenome g = latencies_.Fastest();
  const double plain = latencies_.Predict(g);
  g.stages[0].layers[0].se = true;
  EXPECT_NEAR(latencies_.Predict(g), plain + 0.02, 1e-9);
  EXPECT_DOUBLE_EQ(latencies_.Predict(g), *PredictLatency(table_, space_, g));
}

TEST_F(LatencyTargetTest, DerivationKeepsTheMostProbableSeOp) {
  std::mt19937 rng(6);
  ArchDistribution dist = RandomDistribution(space_, rng);
  const int k5e6se = OpIndex(space_, 5, 6, /*se=*/true);
  ASSERT_GE(k5e6se, 0);
  for (auto& stage : dist.op) {
    for (auto& p : stage) p[k5e6se] = 10.0;  // Dominant (need not sum to 1 for argmax).
  }
  const TfNasGenome g = DeriveArgmax(space_, dist, InitialWidths(space_));
  for (size_t s = 0; s < g.stages.size(); ++s) {
    for (size_t l = 0; l < g.stages[s].layers.size(); ++l) {
      const TfNasLayer& layer = g.stages[s].layers[l];
      EXPECT_EQ(layer, (TfNasLayer{5, 6, InitialWidths(space_)[s][l][k5e6se], true}));
    }
  }
  EXPECT_THAT(TfNasGenomeToText(g), HasSubstr("k5e6sew"));
  EXPECT_DOUBLE_EQ(latencies_.Predict(g), *PredictLatency(table_, space_, g));
}

TEST_F(LatencyTargetTest, TableWithoutSeEntriesIsRefusedForAnSeSpace) {
  // A table of the same space without SE, as tables were before SE existed.
  TfNasSpaceOptions o;
  o.image_size = 8;
  o.width_multiplier = 0.25;
  o.max_layers_per_stage = 3;
  o.squeeze_excitation = {false};
  const TfNasSpace plain_space = *MakeTfNasSpace(o);
  const LatencyTable old = HandMadeTable(plain_space);
  EXPECT_TRUE(SpaceLatencies::Create(plain_space, old).ok());
  auto latencies = SpaceLatencies::Create(space_, old);
  ASSERT_EQ(latencies.status().code(), absl::StatusCode::kNotFound);
  // Stage 1 reads 4 channels at 8x8: k3e3se has 4 SE channels.
  EXPECT_THAT(std::string(latencies.status().message()),
              HasSubstr("latency table has no block 'MBInvertedResBlock_8_4_4_8_k3_s2_relu' for op "
                        "k3e3se at stage 1, layer 1: the space has squeeze-and-excitation ops"));
}

}  // namespace
}  // namespace nas
