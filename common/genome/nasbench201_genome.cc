#include "common/genome/nasbench201_genome.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace nas {
namespace {

constexpr absl::string_view kOpNames[kNumNb201Ops] = {
    "none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"};

}  // namespace

absl::string_view Nb201OpName(Nb201Op op) {
  const int i = static_cast<int>(op);
  return (i >= 0 && i < kNumNb201Ops) ? kOpNames[i] : "unknown_op";
}

absl::StatusOr<Nb201Genome> ParseNb201Genome(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  std::vector<absl::string_view> groups = absl::StrSplit(text, '+');
  if (groups.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "genome: expected 3 node groups joined by '+' "
        "(|op~0|+|op~0|op~1|+|op~0|op~1|op~2|); got ", groups.size()));
  }
  Nb201Genome genome;
  int edge = 0;
  for (int node = 1; node <= 3; ++node) {
    absl::string_view g = absl::StripAsciiWhitespace(groups[node - 1]);
    if (!absl::ConsumePrefix(&g, "|") || !absl::ConsumeSuffix(&g, "|")) {
      return absl::InvalidArgumentError(
          absl::StrCat("genome: node ", node, " group must start and end with '|'"));
    }
    std::vector<absl::string_view> terms = absl::StrSplit(g, '|');
    if (static_cast<int>(terms.size()) != node) {
      return absl::InvalidArgumentError(absl::StrCat(
          "genome: node ", node, " must have ", node, " edges; got ", terms.size()));
    }
    for (int source = 0; source < node; ++source, ++edge) {
      std::vector<absl::string_view> parts = absl::StrSplit(terms[source], '~');
      const std::string where = absl::StrCat("genome: node ", node, " edge ", source);
      if (parts.size() != 2 || parts[1] != absl::StrCat(source)) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": expected 'op~", source, "'; got '", terms[source], "'"));
      }
      int op = -1;
      for (int i = 0; i < kNumNb201Ops; ++i) {
        if (kOpNames[i] == parts[0]) op = i;
      }
      if (op < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": unknown op '", parts[0], "'; known ops: ",
            absl::StrJoin(kOpNames, kOpNames + kNumNb201Ops, ", ")));
      }
      genome.edges[edge] = static_cast<Nb201Op>(op);
    }
  }
  return genome;
}

std::string Nb201GenomeToText(const Nb201Genome& genome) {
  std::string out;
  int edge = 0;
  for (int node = 1; node <= 3; ++node) {
    if (node > 1) out += "+";
    out += "|";
    for (int source = 0; source < node; ++source, ++edge) {
      absl::StrAppend(&out, Nb201OpName(genome.edges[edge]), "~", source, "|");
    }
  }
  return out;
}

}  // namespace nas
