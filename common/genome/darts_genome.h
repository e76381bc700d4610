// The DARTS/NASNet cell-space genome: a normal and a reduction cell, each a
// list of intermediate nodes; a node sums two (input, op) pairs.
//
// Inputs are numbered 0 = c_{k-2}, 1 = c_{k-1}, 2 + n = intermediate node n,
// and node n may only read inputs < 2 + n. The cell's output concatenates all
// intermediate nodes.
//
// Canonical text (what ToText writes and Parse reads, whitespace-tolerant):
//   "normal: sep_conv_3x3(0)+skip_connect(1) | max_pool_3x3(0)+dil_conv_3x3(2) ; reduce: ..."
// In canonical form the two pairs of each node are ordered by (input, op), so
// two genomes that compute the same function text and hash the same.
#ifndef NAS_COMMON_GENOME_DARTS_GENOME_H_
#define NAS_COMMON_GENOME_DARTS_GENOME_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nas {

enum class DartsOp {
  kSepConv3x3 = 0,
  kSepConv5x5,
  kDilConv3x3,
  kDilConv5x5,
  kMaxPool3x3,
  kAvgPool3x3,
  kSkipConnect,
};
inline constexpr int kNumDartsOps = 7;

// "sep_conv_3x3", ... as in the DARTS paper and code.
absl::string_view DartsOpName(DartsOp op);
// INVALID_ARGUMENT naming the unknown op.
absl::StatusOr<DartsOp> DartsOpFromName(absl::string_view name);

struct DartsEdge {
  int input = 0;  // 0 = c_{k-2}, 1 = c_{k-1}, 2 + n = node n.
  DartsOp op = DartsOp::kSkipConnect;

  bool operator==(const DartsEdge& o) const {
    return input == o.input && op == o.op;
  }
};

struct DartsCell {
  std::vector<std::array<DartsEdge, 2>> nodes;

  bool operator==(const DartsCell& o) const { return nodes == o.nodes; }
};

struct DartsGenome {
  DartsCell normal;
  DartsCell reduce;

  bool operator==(const DartsGenome& o) const {
    return normal == o.normal && reduce == o.reduce;
  }
};

inline constexpr int kMaxDartsNodes = 8;

// OK iff both cells have the same node count in 1..kMaxDartsNodes and every
// input is in range. Errors name the cell, node and edge.
absl::Status ValidateDartsGenome(const DartsGenome& genome);

// Parses canonical (or any whitespace/pair-order variant of) text and
// validates it. The result is in canonical order.
absl::StatusOr<DartsGenome> ParseDartsGenome(absl::string_view text);

// Orders each node's two pairs by (input, op).
DartsGenome Canonicalize(DartsGenome genome);

// Canonical one-line text of a valid genome.
std::string DartsGenomeToText(const DartsGenome& genome);

// Multi-line text for people, e.g. "  node 2 = sep_conv_3x3(c_{k-2}) + ...".
std::string DartsGenomeToReadableText(const DartsGenome& genome);

}  // namespace nas

#endif  // NAS_COMMON_GENOME_DARTS_GENOME_H_
