#include "common/genome/morphism.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status/status_macros.h"

namespace nas {
namespace {

constexpr int kKernelChoices[] = {1, 3, 5};
constexpr double kFactorChoices[] = {1.5, 2.0};

bool IsConv(const ConvNetGenome& g, int i) {
  return i >= 0 && i < g.num_layers() &&
         g.layers[i].kind == ConvNetLayerKind::kConv;
}

// True iff `f` survives the trip through its six-significant-digit text.
bool ExactInText(double f) {
  double back = 0;
  return absl::SimpleAtod(absl::StrCat(f), &back) && back == f;
}

absl::Status NotApplicable(const Morphism& m, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("morphism ", MorphismToText(m), " does not apply: ", why));
}

ConvNetGenome InsertLayerAfter(ConvNetGenome g, int layer, ConvNetLayer l) {
  g.layers.insert(g.layers.begin() + layer + 1, l);
  // The new layer sits between out[layer] and everything that read it, so
  // indices above `layer` move up; a skip from `layer` keeps its source.
  for (ConvNetSkip& s : g.skips) {
    if (s.from > layer) ++s.from;
    if (s.to > layer) ++s.to;
  }
  return g;
}

absl::StatusOr<ConvNetGenome> ApplyUnvalidated(const ConvNetGenome& g,
                                               const Morphism& m) {
  switch (m.kind) {
    case MorphismKind::kDeepen: {
      if (!IsConv(g, m.layer)) {
        return NotApplicable(m,
                             "layer is not a conv (the inserted ReLU is "
                             "the identity only after a ReLU)");
      }
      if (g.num_layers() >= kMaxConvNetLayers) {
        return NotApplicable(m, absl::StrCat("the genome already has ",
                                             kMaxConvNetLayers, " layers"));
      }
      const ConvNetLayer l{ConvNetLayerKind::kConv, m.kernel_size,
                           g.layers[m.layer].width};
      return InsertLayerAfter(g, m.layer, l);
    }
    case MorphismKind::kWiden: {
      if (!IsConv(g, m.layer)) return NotApplicable(m, "layer is not a conv");
      ConvNetGenome child = g;
      const double wider = std::ceil(g.layers[m.layer].width * m.factor);
      if (!(wider <= kMaxConvNetWidth)) {
        return NotApplicable(
            m, absl::StrCat("the width would exceed ", kMaxConvNetWidth));
      }
      child.layers[m.layer].width = static_cast<int>(wider);
      return child;
    }
    case MorphismKind::kSkipAdd:
    case MorphismKind::kSkipConcat: {
      ConvNetGenome child = g;
      child.skips.push_back({m.kind == MorphismKind::kSkipAdd
                                 ? ConvNetSkipKind::kAdd
                                 : ConvNetSkipKind::kConcat,
                             m.from, m.to});
      return child;
    }
  }
  return NotApplicable(m, "unknown kind");
}

absl::Status ValidateMorphism(const Morphism& m) {
  const std::string text = MorphismToText(m);
  if (m.kind == MorphismKind::kDeepen) {
    if (m.kernel_size != 1 && m.kernel_size != 3 && m.kernel_size != 5) {
      return absl::InvalidArgumentError(
          absl::StrCat(text, ": kernel size must be 1, 3 or 5"));
    }
  }
  if (m.kind == MorphismKind::kWiden &&
      !(m.factor > 1 && m.factor <= kMaxWidenFactor && ExactInText(m.factor))) {
    return absl::InvalidArgumentError(
        absl::StrCat(text, ": factor must be in (1, ", kMaxWidenFactor,
                     "] with at most six significant digits"));
  }
  const bool skip =
      m.kind == MorphismKind::kSkipAdd || m.kind == MorphismKind::kSkipConcat;
  if ((skip && (m.from < 0 || m.to < 0)) || (!skip && m.layer < 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(text, ": layer indices must be >= 0"));
  }
  return absl::OkStatus();
}

// Splits "name(a,b)" (no whitespace) into name and its two arguments.
bool SplitCall(absl::string_view text, absl::string_view* name,
               absl::string_view* a, absl::string_view* b) {
  const size_t open = text.find('(');
  if (open == absl::string_view::npos || text.back() != ')') return false;
  *name = text.substr(0, open);
  std::vector<absl::string_view> args =
      absl::StrSplit(text.substr(open + 1, text.size() - open - 2), ',');
  if (args.size() != 2) return false;
  *a = args[0];
  *b = args[1];
  return true;
}

// What RandomMorphism may draw from, per family.
struct Candidates {
  std::vector<int> deepen_layers;
  std::vector<std::pair<int, std::vector<double>>> widen;  // Layer, factors.
  std::vector<Morphism> skip_add, skip_concat;
};

// Whether `m` applies to `g`, which is known to be valid.
bool AppliesToValid(const ConvNetGenome& g, const Morphism& m) {
  auto child = ApplyUnvalidated(g, m);
  return child.ok() && ValidateConvNetGenome(*child).ok();
}

// Exact checks without building each child where the effect is local: an
// add changes no channel count; a concat into a conv or the head changes
// only that consumer's. A concat into a pool changes the pool's output and
// everything downstream of it, so that child is validated in full.
void AddSkipCandidates(const ConvNetGenome& g, Candidates* c) {
  const int n = g.num_layers();
  const ConvNetChannels ch = ComputeChannels(g, 1);
  std::set<std::tuple<int, int, int>> present;
  for (const ConvNetSkip& s : g.skips) {
    present.insert({static_cast<int>(s.kind), s.from, s.to});
  }
  for (int from = 0; from < n; ++from) {
    for (int to = from + 2; to <= n; ++to) {
      if (!SameResolution(g, from, to)) break;  // Farther `to` cross it too.
      if (present.count({static_cast<int>(ConvNetSkipKind::kAdd), from, to}) ==
              0 &&
          ch.out[from] == ch.out[to - 1]) {
        c->skip_add.push_back(SkipAdd(from, to));
      }
      if (present.count(
              {static_cast<int>(ConvNetSkipKind::kConcat), from, to}) > 0)
        continue;
      const bool into_pool =
          to < n && g.layers[to].kind == ConvNetLayerKind::kPool;
      if (into_pool ? AppliesToValid(g, SkipConcat(from, to))
                    : ch.in[to] + ch.out[from] <= kMaxConvNetChannels) {
        c->skip_concat.push_back(SkipConcat(from, to));
      }
    }
  }
}

// `g` must be valid.
Candidates FindCandidates(const ConvNetGenome& g) {
  Candidates c;
  for (int i = 0; i < g.num_layers(); ++i) {
    if (!IsConv(g, i)) continue;
    // Inserting a layer of layer i's width changes no channel count and no
    // resolution, so only the layer cap can stop a deepen.
    if (g.num_layers() < kMaxConvNetLayers) c.deepen_layers.push_back(i);
    std::vector<double> factors;
    for (double f : kFactorChoices) {
      if (AppliesToValid(g, Widen(i, f))) factors.push_back(f);
    }
    if (!factors.empty()) c.widen.push_back({i, factors});
  }
  AddSkipCandidates(g, &c);
  return c;
}

}  // namespace

bool Morphism::operator==(const Morphism& o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case MorphismKind::kDeepen:
      return layer == o.layer && kernel_size == o.kernel_size;
    case MorphismKind::kWiden:
      return layer == o.layer && factor == o.factor;
    default:
      return from == o.from && to == o.to;
  }
}

Morphism Deepen(int layer, int kernel_size) {
  Morphism m;
  m.kind = MorphismKind::kDeepen;
  m.layer = layer;
  m.kernel_size = kernel_size;
  return m;
}

Morphism Widen(int layer, double factor) {
  Morphism m;
  m.kind = MorphismKind::kWiden;
  m.layer = layer;
  m.factor = factor;
  return m;
}

Morphism SkipAdd(int from, int to) {
  Morphism m;
  m.kind = MorphismKind::kSkipAdd;
  m.from = from;
  m.to = to;
  return m;
}

Morphism SkipConcat(int from, int to) {
  Morphism m = SkipAdd(from, to);
  m.kind = MorphismKind::kSkipConcat;
  return m;
}

std::string MorphismToText(const Morphism& m) {
  switch (m.kind) {
    case MorphismKind::kDeepen:
      return absl::StrCat("deepen(", m.layer, ",k", m.kernel_size, ")");
    case MorphismKind::kWiden:
      return absl::StrCat("widen(", m.layer, ",x", m.factor, ")");
    case MorphismKind::kSkipAdd:
      return absl::StrCat("skip_add(", m.from, ",", m.to, ")");
    case MorphismKind::kSkipConcat:
      return absl::StrCat("skip_concat(", m.from, ",", m.to, ")");
  }
  return "unknown_morphism";
}

std::string MorphismsToText(const std::vector<Morphism>& list) {
  return absl::StrJoin(list, "; ", [](std::string* out, const Morphism& m) {
    out->append(MorphismToText(m));
  });
}

absl::StatusOr<Morphism> ParseMorphism(absl::string_view text) {
  std::string compact(text);
  compact.erase(
      std::remove_if(compact.begin(), compact.end(),
                     [](unsigned char ch) { return absl::ascii_isspace(ch); }),
      compact.end());
  absl::string_view name, a, b;
  const absl::Status malformed = absl::InvalidArgumentError(absl::StrCat(
      "'", text,
      "': expected deepen(<layer>,k<kernel>), widen(<layer>,x<factor>), "
      "skip_add(<from>,<to>) or skip_concat(<from>,<to>)"));
  if (!SplitCall(compact, &name, &a, &b)) return malformed;
  Morphism m;
  bool ok = false;
  if (name == "deepen") {
    m.kind = MorphismKind::kDeepen;
    ok = absl::SimpleAtoi(a, &m.layer) && absl::ConsumePrefix(&b, "k") &&
         absl::SimpleAtoi(b, &m.kernel_size);
  } else if (name == "widen") {
    m.kind = MorphismKind::kWiden;
    ok = absl::SimpleAtoi(a, &m.layer) && absl::ConsumePrefix(&b, "x") &&
         absl::SimpleAtod(b, &m.factor);
  } else if (name == "skip_add" || name == "skip_concat") {
    m.kind =
        name == "skip_add" ? MorphismKind::kSkipAdd : MorphismKind::kSkipConcat;
    ok = absl::SimpleAtoi(a, &m.from) && absl::SimpleAtoi(b, &m.to);
  }
  if (!ok) return malformed;
  RETURN_IF_ERROR(ValidateMorphism(m));
  return m;
}

absl::StatusOr<std::vector<Morphism>> ParseMorphisms(absl::string_view text) {
  std::vector<Morphism> list;
  if (absl::StripAsciiWhitespace(text).empty()) return list;
  int index = 0;
  for (absl::string_view item : absl::StrSplit(text, ';')) {
    item = absl::StripAsciiWhitespace(item);
    auto m = ParseMorphism(item);
    if (!m.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "morphism ", index, " '", item, "': ", m.status().message()));
    }
    list.push_back(*m);
    ++index;
  }
  return list;
}

absl::StatusOr<ConvNetGenome> ApplyToGenome(const ConvNetGenome& genome,
                                            const Morphism& m) {
  RETURN_IF_ERROR(ValidateMorphism(m));
  const absl::Status parent_valid = ValidateConvNetGenome(genome);
  if (!parent_valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "morphism ", MorphismToText(m),
        ": the parent genome is invalid: ", parent_valid.message()));
  }
  ASSIGN_OR_RETURN(ConvNetGenome child, ApplyUnvalidated(genome, m));
  const absl::Status valid = ValidateConvNetGenome(child);
  if (!valid.ok()) return NotApplicable(m, valid.message());
  return Canonicalize(std::move(child));
}

absl::StatusOr<ConvNetGenome> ApplyAllToGenome(
    const ConvNetGenome& genome, const std::vector<Morphism>& list) {
  ConvNetGenome g = genome;
  for (size_t i = 0; i < list.size(); ++i) {
    auto child = ApplyToGenome(g, list[i]);
    if (!child.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("morphism ", i, ": ", child.status().message()));
    }
    g = *std::move(child);
  }
  return g;
}

bool HasApplicableMorphism(const ConvNetGenome& genome) {
  if (!ValidateConvNetGenome(genome).ok()) return false;
  if (genome.num_layers() < kMaxConvNetLayers) return true;
  const Candidates c = FindCandidates(genome);
  return !c.deepen_layers.empty() || !c.widen.empty() || !c.skip_add.empty() ||
         !c.skip_concat.empty();
}

std::vector<Morphism> ApplicableMorphisms(const ConvNetGenome& genome) {
  std::vector<Morphism> all;
  if (!ValidateConvNetGenome(genome).ok()) return all;
  const Candidates c = FindCandidates(genome);
  for (int layer : c.deepen_layers) {
    for (int k : kKernelChoices) all.push_back(Deepen(layer, k));
  }
  for (const auto& [layer, factors] : c.widen) {
    for (double f : factors) all.push_back(Widen(layer, f));
  }
  all.insert(all.end(), c.skip_add.begin(), c.skip_add.end());
  all.insert(all.end(), c.skip_concat.begin(), c.skip_concat.end());
  return all;
}

Morphism RandomMorphism(const ConvNetGenome& genome, SeededRandom& rng) {
  if (!ValidateConvNetGenome(genome).ok()) return Deepen(0, 3);
  const Candidates c = FindCandidates(genome);
  enum Family { kDeepenFamily, kWidenFamily, kSkipFamily };
  std::vector<Family> families;
  if (!c.deepen_layers.empty()) families.push_back(kDeepenFamily);
  if (!c.widen.empty()) families.push_back(kWidenFamily);
  if (!c.skip_add.empty() || !c.skip_concat.empty())
    families.push_back(kSkipFamily);
  if (families.empty()) return Deepen(0, 3);
  switch (families[rng.Uniform(static_cast<int>(families.size()))]) {
    case kDeepenFamily: {
      const int layer = c.deepen_layers[rng.Uniform(
          static_cast<int>(c.deepen_layers.size()))];
      return Deepen(layer, kKernelChoices[rng.Uniform(3)]);
    }
    case kWidenFamily: {
      const auto& [layer, factors] =
          c.widen[rng.Uniform(static_cast<int>(c.widen.size()))];
      return Widen(layer,
                   factors[rng.Uniform(static_cast<int>(factors.size()))]);
    }
    case kSkipFamily: {
      std::vector<const std::vector<Morphism>*> kinds;
      if (!c.skip_add.empty()) kinds.push_back(&c.skip_add);
      if (!c.skip_concat.empty()) kinds.push_back(&c.skip_concat);
      const std::vector<Morphism>& pairs =
          *kinds[rng.Uniform(static_cast<int>(kinds.size()))];
      return pairs[rng.Uniform(static_cast<int>(pairs.size()))];
    }
  }
  return Deepen(0, 3);
}

std::vector<Morphism> RandomMorphisms(const ConvNetGenome& genome, int n,
                                      SeededRandom& rng) {
  std::vector<Morphism> list;
  ConvNetGenome g = genome;
  for (int i = 0; i < n && HasApplicableMorphism(g); ++i) {
    list.push_back(RandomMorphism(g, rng));
    auto child = ApplyToGenome(g, list.back());
    if (!child.ok()) {  // Cannot happen: every candidate was applied once.
      list.pop_back();
      break;
    }
    g = *std::move(child);
  }
  return list;
}

}  // namespace nas
