#include "common/genome/darts_genome.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status/status_macros.h"

namespace nas {
namespace {

constexpr absl::string_view kOpNames[kNumDartsOps] = {
    "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5",
    "max_pool_3x3", "avg_pool_3x3", "skip_connect",
};

absl::Status ValidateCell(const DartsCell& cell, absl::string_view cell_name) {
  const int n = static_cast<int>(cell.nodes.size());
  if (n < 1 || n > kMaxDartsNodes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s cell: has %d nodes; must have 1..%d", cell_name, n,
                        kMaxDartsNodes));
  }
  for (int node = 0; node < n; ++node) {
    for (int e = 0; e < 2; ++e) {
      const DartsEdge& edge = cell.nodes[node][e];
      if (edge.input < 0 || edge.input >= node + 2) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s cell, node %d, edge %d: input %d out of range; node %d may "
            "read inputs 0..%d (0 = c_{k-2}, 1 = c_{k-1}, 2+n = node n)",
            cell_name, node, e, edge.input, node, node + 1));
      }
      const int op = static_cast<int>(edge.op);
      if (op < 0 || op >= kNumDartsOps) {
        return absl::InvalidArgumentError(
            absl::StrFormat("%s cell, node %d, edge %d: op index %d unknown",
                            cell_name, node, e, op));
      }
    }
  }
  return absl::OkStatus();
}

// Parses "op(input)".
absl::StatusOr<DartsEdge> ParseEdge(absl::string_view text,
                                    absl::string_view where) {
  text = absl::StripAsciiWhitespace(text);
  const size_t open = text.find('(');
  if (open == absl::string_view::npos || text.back() != ')') {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": expected op(input), e.g. sep_conv_3x3(0); got '", text,
        "'"));
  }
  absl::string_view name = absl::StripAsciiWhitespace(text.substr(0, open));
  absl::string_view index =
      absl::StripAsciiWhitespace(text.substr(open + 1, text.size() - open - 2));
  DartsEdge edge;
  auto op = DartsOpFromName(name);
  if (!op.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", op.status().message()));
  }
  edge.op = *op;
  if (!absl::SimpleAtoi(index, &edge.input)) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": input '", index, "' is not an integer"));
  }
  return edge;
}

absl::StatusOr<DartsCell> ParseCell(absl::string_view text,
                                    absl::string_view cell_name) {
  DartsCell cell;
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(cell_name, " cell: has no nodes"));
  }
  int node_index = 0;
  for (absl::string_view node : absl::StrSplit(text, '|')) {
    const std::string where =
        absl::StrFormat("%s cell, node %d", cell_name, node_index);
    std::vector<absl::string_view> pairs = absl::StrSplit(node, '+');
    if (pairs.size() != 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": expected two op(input) terms joined by '+'; got '",
          absl::StripAsciiWhitespace(node), "'"));
    }
    std::array<DartsEdge, 2> edges;
    for (int e = 0; e < 2; ++e) {
      ASSIGN_OR_RETURN(edges[e], ParseEdge(pairs[e], where));
    }
    cell.nodes.push_back(edges);
    ++node_index;
  }
  return cell;
}

std::string CellToText(const DartsCell& cell) {
  return absl::StrJoin(
      cell.nodes, " | ", [](std::string* out, const std::array<DartsEdge, 2>& n) {
        absl::StrAppend(out, DartsOpName(n[0].op), "(", n[0].input, ")+",
                        DartsOpName(n[1].op), "(", n[1].input, ")");
      });
}

std::string InputName(int input) {
  if (input == 0) return "c_{k-2}";
  if (input == 1) return "c_{k-1}";
  return absl::StrCat("node ", input);
}

void AppendReadableCell(const DartsCell& cell, absl::string_view title,
                        std::string* out) {
  absl::StrAppend(out, title, " cell:\n");
  for (size_t i = 0; i < cell.nodes.size(); ++i) {
    const auto& n = cell.nodes[i];
    absl::StrAppend(out, "  node ", i + 2, " = ", DartsOpName(n[0].op), "(",
                    InputName(n[0].input), ") + ", DartsOpName(n[1].op), "(",
                    InputName(n[1].input), ")\n");
  }
  absl::StrAppend(out, "  output = concat(node 2 .. node ",
                  cell.nodes.size() + 1, ")\n");
}

void CanonicalizeCell(DartsCell* cell) {
  for (auto& node : cell->nodes) {
    auto key = [](const DartsEdge& e) {
      return std::make_tuple(e.input, static_cast<int>(e.op));
    };
    if (key(node[1]) < key(node[0])) std::swap(node[0], node[1]);
  }
}

}  // namespace

absl::string_view DartsOpName(DartsOp op) {
  const int i = static_cast<int>(op);
  if (i < 0 || i >= kNumDartsOps) return "unknown_op";
  return kOpNames[i];
}

absl::StatusOr<DartsOp> DartsOpFromName(absl::string_view name) {
  for (int i = 0; i < kNumDartsOps; ++i) {
    if (kOpNames[i] == name) return static_cast<DartsOp>(i);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown op '", name, "'; known ops: ",
                   absl::StrJoin(kOpNames, kOpNames + kNumDartsOps, ", ")));
}

absl::Status ValidateDartsGenome(const DartsGenome& genome) {
  RETURN_IF_ERROR(ValidateCell(genome.normal, "normal"));
  RETURN_IF_ERROR(ValidateCell(genome.reduce, "reduce"));
  if (genome.normal.nodes.size() != genome.reduce.nodes.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "reduce cell: has %d nodes but the normal cell has %d; both cells "
        "must have the same node count",
        genome.reduce.nodes.size(), genome.normal.nodes.size()));
  }
  return absl::OkStatus();
}

absl::StatusOr<DartsGenome> ParseDartsGenome(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ';');
  if (parts.size() != 2) {
    return absl::InvalidArgumentError(
        "genome: expected 'normal: ... ; reduce: ...' (two cells separated "
        "by ';')");
  }
  DartsGenome genome;
  const std::pair<absl::string_view, DartsCell*> cells[2] = {
      {"normal", &genome.normal}, {"reduce", &genome.reduce}};
  for (int i = 0; i < 2; ++i) {
    absl::string_view part = absl::StripAsciiWhitespace(parts[i]);
    const std::string prefix = absl::StrCat(cells[i].first, ":");
    if (!absl::ConsumePrefix(&part, prefix)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "genome: cell ", i + 1, " must start with '", prefix, "'"));
    }
    ASSIGN_OR_RETURN(*cells[i].second, ParseCell(part, cells[i].first));
  }
  RETURN_IF_ERROR(ValidateDartsGenome(genome));
  return Canonicalize(std::move(genome));
}

DartsGenome Canonicalize(DartsGenome genome) {
  CanonicalizeCell(&genome.normal);
  CanonicalizeCell(&genome.reduce);
  return genome;
}

std::string DartsGenomeToText(const DartsGenome& genome) {
  const DartsGenome canonical = Canonicalize(genome);
  return absl::StrCat("normal: ", CellToText(canonical.normal),
                      " ; reduce: ", CellToText(canonical.reduce));
}

std::string DartsGenomeToReadableText(const DartsGenome& genome) {
  const DartsGenome canonical = Canonicalize(genome);
  std::string out;
  AppendReadableCell(canonical.normal, "normal", &out);
  AppendReadableCell(canonical.reduce, "reduction", &out);
  return out;
}

}  // namespace nas
