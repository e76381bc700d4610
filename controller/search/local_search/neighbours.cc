#include "controller/search/local_search/neighbours.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/genome/darts_genome.h"
#include "common/genome/nasbench201_genome.h"

namespace nas {
namespace {

absl::StatusOr<std::vector<Neighbour>> Nb201Neighbours(absl::string_view text) {
  absl::StatusOr<Nb201Genome> genome = ParseNb201Genome(text);
  if (!genome.ok()) return genome.status();
  std::vector<Neighbour> out;
  for (int edge = 0; edge < kNumNb201Edges; ++edge) {
    for (int op = 0; op < kNumNb201Ops; ++op) {
      const Nb201Op from = genome->edges[edge];
      if (static_cast<int>(from) == op) continue;
      Nb201Genome child = *genome;
      child.edges[edge] = static_cast<Nb201Op>(op);
      out.push_back({Nb201GenomeToText(child),
                     absl::StrCat("edge ", edge, ": ", Nb201OpName(from), " -> ",
                                  Nb201OpName(child.edges[edge]))});
    }
  }
  return out;
}

// One edit of one edge of `cell` ("normal" or "reduce") of `genome`.
void DartsCellNeighbours(const DartsGenome& genome, bool normal, std::set<std::string>& seen,
                         std::vector<Neighbour>& out) {
  const DartsCell& cell = normal ? genome.normal : genome.reduce;
  const char* name = normal ? "normal" : "reduce";
  auto add = [&](const DartsGenome& child, std::string edit) {
    std::string text = DartsGenomeToText(Canonicalize(child));
    if (seen.insert(text).second) out.push_back({std::move(text), std::move(edit)});
  };
  for (size_t node = 0; node < cell.nodes.size(); ++node) {
    for (int e = 0; e < 2; ++e) {
      const DartsEdge edge = cell.nodes[node][e];
      for (int op = 0; op < kNumDartsOps; ++op) {
        if (static_cast<int>(edge.op) == op) continue;
        DartsGenome child = genome;
        (normal ? child.normal : child.reduce).nodes[node][e].op = static_cast<DartsOp>(op);
        add(child, absl::StrFormat("op %s node %d edge %d: %s -> %s", name, node, e,
                                   DartsOpName(edge.op), DartsOpName(static_cast<DartsOp>(op))));
      }
      for (int input = 0; input < static_cast<int>(node) + 2; ++input) {
        if (input == edge.input) continue;
        DartsGenome child = genome;
        (normal ? child.normal : child.reduce).nodes[node][e].input = input;
        add(child, absl::StrFormat("input %s node %d edge %d: %d -> %d", name, node, e,
                                   edge.input, input));
      }
    }
  }
}

absl::StatusOr<std::vector<Neighbour>> DartsNeighbours(absl::string_view text) {
  absl::StatusOr<DartsGenome> genome = ParseDartsGenome(text);
  if (!genome.ok()) return genome.status();
  // Edits that swap a node's two pairs give the same canonical genome.
  std::set<std::string> seen = {DartsGenomeToText(Canonicalize(*genome))};
  std::vector<Neighbour> out;
  DartsCellNeighbours(*genome, /*normal=*/true, seen, out);
  DartsCellNeighbours(*genome, /*normal=*/false, seen, out);
  return out;
}

}  // namespace

absl::StatusOr<std::vector<Neighbour>> Neighbours(const v1::SearchSpace& space,
                                                  absl::string_view genome) {
  if (space.has_nasbench201()) return Nb201Neighbours(genome);
  if (space.has_darts_cell()) return DartsNeighbours(genome);
  return absl::InvalidArgumentError(
      "strategy.local_search: needs the nasbench201 or darts_cell space");
}

}  // namespace nas
