#include "common/search_space/darts_space.h"

#include "absl/strings/str_format.h"

namespace nas {
namespace {

DartsCell RandomCell(int nodes, SeededRandom& rng) {
  DartsCell cell;
  for (int n = 0; n < nodes; ++n) {
    std::array<DartsEdge, 2> edges;
    for (auto& e : edges) {
      e.input = rng.Uniform(n + 2);
      e.op = static_cast<DartsOp>(rng.Uniform(kNumDartsOps));
    }
    cell.nodes.push_back(edges);
  }
  return cell;
}

}  // namespace

DartsGenome RandomDartsGenome(int nodes, SeededRandom& rng) {
  DartsGenome g;
  g.normal = RandomCell(nodes, rng);
  g.reduce = RandomCell(nodes, rng);
  return Canonicalize(std::move(g));
}

DartsMutation MutateDartsGenome(const DartsGenome& parent, SeededRandom& rng) {
  DartsMutation m{parent, "identity"};
  const int kind = rng.Uniform(3);  // 0 = identity, 1 = hidden state, 2 = op.
  if (kind == 0) return m;

  const bool normal = rng.Uniform(2) == 0;
  DartsCell& cell = normal ? m.child.normal : m.child.reduce;
  const int node = rng.Uniform(static_cast<int>(cell.nodes.size()));
  const int edge_index = rng.Uniform(2);
  DartsEdge& edge = cell.nodes[node][edge_index];
  const char* cell_name = normal ? "normal" : "reduce";

  if (kind == 1) {
    // Node `node` reads inputs 0..node+1; choose a different one. Node 0 has
    // two candidates, so there is always an alternative.
    const int old_input = edge.input;
    int input = rng.Uniform(node + 1);
    if (input >= old_input) ++input;
    edge.input = input;
    m.description = absl::StrFormat("hidden_state %s node %d edge %d: %d -> %d", cell_name, node,
                                    edge_index, old_input, input);
  } else {
    const DartsOp old_op = edge.op;
    int op = rng.Uniform(kNumDartsOps - 1);
    if (op >= static_cast<int>(old_op)) ++op;
    edge.op = static_cast<DartsOp>(op);
    m.description = absl::StrFormat("op %s node %d edge %d: %s -> %s", cell_name, node, edge_index,
                                    DartsOpName(old_op), DartsOpName(edge.op));
  }
  m.child = Canonicalize(std::move(m.child));
  return m;
}

}  // namespace nas
