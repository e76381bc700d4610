#include "worker/tfnas/latency_target.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/status_macros.h"

namespace nas {
namespace {

int Argmax(const std::vector<double>& v) {
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

int Step(const WidthRange& r) { return std::max(1, r.initial / 32); }

std::string LayerOpName(const TfNasLayer& l) { return OpName({l.kernel, l.expansion, l.se}); }

TfNasLayer LayerOf(const TfNasOp& op, int width) { return {op.kernel, op.expansion, width, op.se}; }

}  // namespace

absl::StatusOr<SpaceLatencies> SpaceLatencies::Create(const TfNasSpace& space,
                                                      const LatencyTable& table) {
  RETURN_IF_ERROR(ValidateTfNasSpace(space));
  SpaceLatencies out;
  out.space_ = space;
  out.base_ms_ = table.base_ms;
  out.ops_ = SpaceOps(space);
  for (size_t s = 0; s < space.stages.size(); ++s) {
    out.ranges_.emplace_back();
    out.ms_.emplace_back();
    for (int l = 0; l < space.stages[s].max_layers; ++l) {
      const TfNasLayerShape shape = LayerShape(space, s, l);
      out.ranges_[s].emplace_back();
      out.ms_[s].emplace_back();
      for (const TfNasOp& op : out.ops_) {
        const WidthRange r = MidChannelRange(shape.in_channels, op.expansion);
        const std::string key = BlockLatencyKey(shape, op);
        if (op.se && table.blocks.count(key) == 0) {
          // Tables measured before SE existed (or for a space without it)
          // have only the _0_ keys: say why rather than just which key.
          return absl::NotFoundError(absl::StrCat(
              "latency table has no block '", key, "' for op ", OpName(op), " at stage ", s + 1,
              ", layer ", l + 1,
              ": the space has squeeze-and-excitation ops and the table has no SE entries for "
              "them; measure a table for this space or set squeeze_excitation: [false]"));
        }
        std::vector<double> ms;
        for (int w = r.min; w <= r.max; ++w) {
          ASSIGN_OR_RETURN(const double v, BlockLatency(table, key, w));
          ms.push_back(v);
        }
        out.ranges_[s][l].push_back(r);
        out.ms_[s][l].push_back(std::move(ms));
      }
    }
  }
  return out;
}

double SpaceLatencies::LayerMs(int stage, int layer, int op, int width) const {
  return ms_[stage][layer][op][width - ranges_[stage][layer][op].min];
}

int SpaceLatencies::FastestWidth(int stage, int layer, int op) const {
  const std::vector<double>& ms = ms_[stage][layer][op];
  return ranges_[stage][layer][op].min +
         static_cast<int>(std::min_element(ms.begin(), ms.end()) - ms.begin());
}

double SpaceLatencies::FastestMs(int stage, int layer, int op) const {
  return LayerMs(stage, layer, op, FastestWidth(stage, layer, op));
}

double SpaceLatencies::Predict(const TfNasGenome& genome) const {
  double ms = base_ms_;
  for (size_t s = 0; s < genome.stages.size(); ++s) {
    const auto& layers = genome.stages[s].layers;
    for (size_t l = 0; l < layers.size(); ++l) {
      ms += LayerMs(s, l, OpIndex(space_, layers[l]), layers[l].mid_channels);
    }
  }
  return ms;
}

TfNasGenome SpaceLatencies::Fastest() const {
  TfNasGenome g;
  for (size_t s = 0; s < space_.stages.size(); ++s) {
    int best = 0;
    for (size_t op = 1; op < ops_.size(); ++op) {
      if (FastestMs(s, 0, op) < FastestMs(s, 0, best)) best = op;
    }
    g.stages.push_back({{LayerOf(ops_[best], FastestWidth(s, 0, best))}});
  }
  return g;
}

TfNasGenome SpaceLatencies::Slowest() const {
  TfNasGenome g;
  for (size_t s = 0; s < space_.stages.size(); ++s) {
    TfNasStage stage;
    for (int l = 0; l < space_.stages[s].max_layers; ++l) {
      TfNasLayer slowest;
      double slowest_ms = -std::numeric_limits<double>::infinity();
      for (size_t op = 0; op < ops_.size(); ++op) {
        const WidthRange& r = ranges_[s][l][op];
        for (int w = r.min; w <= r.max; ++w) {
          if (LayerMs(s, l, op, w) > slowest_ms) {
            slowest_ms = LayerMs(s, l, op, w);
            slowest = LayerOf(ops_[op], w);
          }
        }
      }
      stage.layers.push_back(slowest);
    }
    g.stages.push_back(stage);
  }
  return g;
}

TfNasGenome DeriveArgmax(const TfNasSpace& space, const ArchDistribution& dist,
                         const std::vector<std::vector<std::vector<int>>>& widths) {
  const std::vector<TfNasOp> ops = SpaceOps(space);
  TfNasGenome g;
  for (size_t s = 0; s < space.stages.size(); ++s) {
    TfNasStage stage;
    const int depth = Argmax(dist.depth[s]) + 1;
    for (int l = 0; l < depth; ++l) {
      const int op = Argmax(dist.op[s][l]);
      stage.layers.push_back(LayerOf(ops[op], widths[s][l][op]));
    }
    g.stages.push_back(stage);
  }
  return g;
}

std::vector<std::vector<int>> MaxWidths(const SpaceLatencies& latencies,
                                        const TfNasGenome& genome) {
  std::vector<std::vector<int>> upper;
  for (size_t s = 0; s < genome.stages.size(); ++s) {
    upper.emplace_back();
    for (size_t l = 0; l < genome.stages[s].layers.size(); ++l) {
      const TfNasLayer& layer = genome.stages[s].layers[l];
      const int op = OpIndex(latencies.space(), layer);
      upper[s].push_back(latencies.Range(s, l, op).max);
    }
  }
  return upper;
}

TfNasGenome FitWidths(const SpaceLatencies& latencies, TfNasGenome genome, double target_ms,
                      const std::vector<std::vector<int>>& upper) {
  const TfNasSpace& space = latencies.space();
  auto range = [&](size_t s, size_t l) -> const WidthRange& {
    const TfNasLayer& layer = genome.stages[s].layers[l];
    return latencies.Range(s, l, OpIndex(space, layer));
  };
  double ms = latencies.Predict(genome);
  bool narrowed = true;
  while (ms > target_ms && narrowed) {
    narrowed = false;
    for (size_t s = 0; s < genome.stages.size(); ++s) {
      for (size_t l = 0; l < genome.stages[s].layers.size(); ++l) {
        int& w = genome.stages[s].layers[l].mid_channels;
        const int narrower = std::max(range(s, l).min, w - Step(range(s, l)));
        narrowed |= narrower != w;
        w = narrower;
      }
    }
    ms = latencies.Predict(genome);
  }
  if (ms > target_ms) return genome;
  bool widened = true;
  while (widened) {
    widened = false;
    for (size_t s = 0; s < genome.stages.size(); ++s) {
      for (size_t l = 0; l < genome.stages[s].layers.size(); ++l) {
        int& w = genome.stages[s].layers[l].mid_channels;
        const int bound = std::min(range(s, l).max, upper[s][l]);
        if (w >= bound) continue;
        const int before = w;
        w = std::min(bound, w + Step(range(s, l)));
        const double wider_ms = latencies.Predict(genome);
        if (wider_ms <= target_ms) {
          ms = wider_ms;
          widened = true;
        } else {
          w = before;
        }
      }
    }
  }
  return genome;
}

namespace {

struct Move {
  double cost = std::numeric_limits<double>::infinity();
  double saving = 0;
  int stage = -1, layer = -1, op = -1;  // op < 0: drop the stage's last layer.
};

bool Better(const Move& a, const Move& b) {
  return a.cost < b.cost || (a.cost == b.cost && a.saving > b.saving);
}

Move CheapestStructuralMove(const SpaceLatencies& lat, const ArchDistribution& dist,
                            const TfNasGenome& g) {
  const TfNasSpace& space = lat.space();
  const std::vector<TfNasOp> ops = SpaceOps(space);
  Move best;
  for (size_t s = 0; s < g.stages.size(); ++s) {
    const auto& layers = g.stages[s].layers;
    const int depth = static_cast<int>(layers.size());
    if (depth > 1) {
      const TfNasLayer& last = layers.back();
      Move drop;
      drop.cost = dist.depth[s][depth - 1] - dist.depth[s][depth - 2];
      drop.saving = lat.LayerMs(s, depth - 1, OpIndex(space, last), last.mid_channels);
      drop.stage = s;
      if (Better(drop, best)) best = drop;
    }
    for (int l = 0; l < depth; ++l) {
      const int current = OpIndex(space, layers[l]);
      for (size_t op = 0; op < ops.size(); ++op) {
        const double saving = lat.FastestMs(s, l, current) - lat.FastestMs(s, l, op);
        if (saving <= 0) continue;
        Move swap{dist.op[s][l][current] - dist.op[s][l][op], saving, static_cast<int>(s), l,
                  static_cast<int>(op)};
        if (Better(swap, best)) best = swap;
      }
    }
  }
  return best;
}

// Applies `move`, keeping `upper` (the widths repair may grow back to) in step.
std::string Apply(const SpaceLatencies& lat, const Move& move, TfNasGenome& g,
                  std::vector<std::vector<int>>& upper) {
  auto& layers = g.stages[move.stage].layers;
  if (move.op < 0) {
    layers.pop_back();
    upper[move.stage].pop_back();
    return absl::StrFormat("stage %d: depth %d -> %d", move.stage + 1, layers.size() + 1,
                           layers.size());
  }
  TfNasLayer& layer = layers[move.layer];
  const std::string before = LayerOpName(layer);
  const TfNasOp op = SpaceOps(lat.space())[move.op];
  const WidthRange& r = lat.Range(move.stage, move.layer, move.op);
  layer.kernel = op.kernel;
  layer.expansion = op.expansion;
  layer.se = op.se;
  layer.mid_channels = std::clamp(layer.mid_channels, r.min, r.max);
  upper[move.stage][move.layer] = std::clamp(upper[move.stage][move.layer], r.min, r.max);
  return absl::StrFormat("stage %d, layer %d: %s -> %s", move.stage + 1, move.layer + 1, before,
                         LayerOpName(layer));
}

}  // namespace

absl::StatusOr<StrictDerivation> MeetLatencyTarget(const SpaceLatencies& latencies,
                                                   const ArchDistribution& dist,
                                                   const TfNasGenome& plain, double target_ms) {
  if (!std::isfinite(target_ms)) {
    return absl::InvalidArgumentError("latency target must be a finite number of ms");
  }
  RETURN_IF_ERROR(ValidateGenomeInSpace(latencies.space(), plain));
  StrictDerivation out;
  out.genome = plain;
  out.plain_ms = latencies.Predict(plain);
  out.predicted_ms = out.plain_ms;
  if (out.plain_ms <= target_ms) return out;
  const TfNasGenome fastest = latencies.Fastest();
  const double minimum_ms = latencies.Predict(fastest);
  if (minimum_ms > target_ms) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "latency target %.4f ms is below the minimum achievable %.4f ms (%s) of this space "
        "and latency table",
        target_ms, minimum_ms, TfNasGenomeToText(fastest)));
  }
  std::vector<std::vector<int>> upper;
  for (const TfNasStage& stage : plain.stages) {
    upper.emplace_back();
    for (const TfNasLayer& l : stage.layers) upper.back().push_back(l.mid_channels);
  }
  TfNasGenome g = FitWidths(latencies, plain, target_ms, upper);
  out.repairs.push_back("widths fitted");
  while (latencies.Predict(g) > target_ms) {
    const Move move = CheapestStructuralMove(latencies, dist, g);
    if (move.stage < 0) break;
    out.repairs.push_back(Apply(latencies, move, g, upper));
    g = FitWidths(latencies, g, target_ms, upper);
  }
  if (latencies.Predict(g) > target_ms) {
    g = fastest;
    out.repairs.push_back("replaced by the fastest network");
  }
  out.genome = g;
  out.predicted_ms = latencies.Predict(g);
  return out;
}

}  // namespace nas
