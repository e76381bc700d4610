// The NAS-Bench-201 cell genome: 4 nodes, 6 edges (node j sums op(node i)
// over i < j), each edge one of 5 ops.
//
// Text form (the benchmark's own): "|op~0|+|op~0|op~1|+|op~0|op~1|op~2|",
// the groups being nodes 1, 2, 3 and `~i` the source node. Canonical: exactly
// that form with no whitespace.
#ifndef NAS_COMMON_GENOME_NASBENCH201_GENOME_H_
#define NAS_COMMON_GENOME_NASBENCH201_GENOME_H_

#include <array>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nas {

enum class Nb201Op { kNone = 0, kSkipConnect, kNorConv1x1, kNorConv3x3, kAvgPool3x3 };
inline constexpr int kNumNb201Ops = 5;
inline constexpr int kNumNb201Edges = 6;

absl::string_view Nb201OpName(Nb201Op op);

// Edges in text order: 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2.
struct Nb201Genome {
  std::array<Nb201Op, kNumNb201Edges> edges{};

  bool operator==(const Nb201Genome& o) const { return edges == o.edges; }
};

// INVALID_ARGUMENT naming the group/edge and the rule on malformed text or
// an unknown op.
absl::StatusOr<Nb201Genome> ParseNb201Genome(absl::string_view text);
std::string Nb201GenomeToText(const Nb201Genome& genome);

}  // namespace nas

#endif  // NAS_COMMON_GENOME_NASBENCH201_GENOME_H_
