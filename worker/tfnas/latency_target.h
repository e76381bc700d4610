// Meeting a latency target with a table: TF-NAS's elastic width scaling
// (FitWidths), the argmax derivation and the strict repair that guarantees
// the derived network's predicted latency is <= the target.
//
// No LibTorch: architecture weights come in as plain probabilities.
#ifndef NAS_WORKER_TFNAS_LATENCY_TARGET_H_
#define NAS_WORKER_TFNAS_LATENCY_TARGET_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/genome/tfnas_genome.h"
#include "common/genome/tfnas_space.h"
#include "worker/tfnas/latency_table.h"

namespace nas {

// Every (stage, layer, op, width) latency of a space, looked up once.
class SpaceLatencies {
 public:
  // NOT_FOUND names the first missing block key or width;
  // INVALID_ARGUMENT a bad space.
  static absl::StatusOr<SpaceLatencies> Create(const TfNasSpace& space, const LatencyTable& table);

  const TfNasSpace& space() const { return space_; }
  double base_ms() const { return base_ms_; }
  const WidthRange& Range(int stage, int layer, int op) const { return ranges_[stage][layer][op]; }
  // `width` must lie in Range(stage, layer, op).
  double LayerMs(int stage, int layer, int op, int width) const;
  // The fastest width of an op at a layer position and its latency.
  int FastestWidth(int stage, int layer, int op) const;
  double FastestMs(int stage, int layer, int op) const;

  // base + the layers; the genome must pass ValidateGenomeInSpace.
  double Predict(const TfNasGenome& genome) const;
  // The fastest network of the space: depth 1 everywhere, each first layer
  // at its fastest op and width. Its latency is the minimum achievable.
  TfNasGenome Fastest() const;
  // Full depth everywhere, each layer at its slowest op and width.
  TfNasGenome Slowest() const;

 private:
  SpaceLatencies() = default;

  TfNasSpace space_;
  double base_ms_ = 0;
  std::vector<TfNasOp> ops_;
  std::vector<std::vector<std::vector<WidthRange>>> ranges_;       // [stage][layer][op]
  std::vector<std::vector<std::vector<std::vector<double>>>> ms_;  // ... [width - min]
};

// Architecture weights as probabilities (softmax of the parameters).
struct ArchDistribution {
  std::vector<std::vector<std::vector<double>>> op;  // [stage][layer][op index of SpaceOps]
  std::vector<std::vector<double>> depth;            // [stage][depth - 1]
};

// Per stage the most probable depth, per kept layer the most probable op
// (first on ties) with width widths[stage][layer][op].
TfNasGenome DeriveArgmax(const TfNasSpace& space, const ArchDistribution& dist,
                         const std::vector<std::vector<std::vector<int>>>& widths);

// Per layer of `genome`, the largest width its op allows.
std::vector<std::vector<int>> MaxWidths(const SpaceLatencies& latencies, const TfNasGenome& genome);

// Elastic width scaling with the genome's ops and depths fixed. While the
// predicted latency exceeds the target, every layer narrows by its step
// (1/32 of its initial width, at least 1 channel) down to its minimum; then,
// layer by layer in rounds, a layer widens by its step (up to
// upper[stage][layer]) whenever the result stays <= target. So the result
// is <= target whenever the narrowest widths are, and then as wide as the
// steps allow. The genome must lie in the space.
TfNasGenome FitWidths(const SpaceLatencies& latencies, TfNasGenome genome, double target_ms,
                      const std::vector<std::vector<int>>& upper);

struct StrictDerivation {
  TfNasGenome genome;                // Predicted latency <= target.
  double predicted_ms = 0;           // Of genome, by the table.
  double plain_ms = 0;               // Of the plain derivation, before any repair.
  std::vector<std::string> repairs;  // What the repair changed, in order; empty if nothing.
};

// Returns `plain` unchanged when it meets the target. Otherwise repairs it
// greedily: (1) FitWidths (never wider than `plain`); (2) while still above
// target, the structural change with the least loss in architecture weight:
// dropping a stage's last layer (loss: depth probability of the current
// depth minus that of one less) or switching a layer to an op whose fastest
// latency is below the current op's (loss: probability of the current op
// minus the new one's), ties to the larger saving; then (1) again. Should
// that end above target (possible only for a table whose latency falls with
// width), the space's fastest network is returned.
// FAILED_PRECONDITION names the target and the minimum achievable latency
// when even the fastest network exceeds it; INVALID_ARGUMENT for a plain
// genome outside the space or a non-finite target.
absl::StatusOr<StrictDerivation> MeetLatencyTarget(const SpaceLatencies& latencies,
                                                   const ArchDistribution& dist,
                                                   const TfNasGenome& plain, double target_ms);

}  // namespace nas

#endif  // NAS_WORKER_TFNAS_LATENCY_TARGET_H_
