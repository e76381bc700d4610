#include "common/genome/convnet_genome.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status/status_macros.h"

namespace nas {
namespace {

bool ValidKernel(int k) { return k == 1 || k == 3 || k == 5; }

absl::Status ValidateLayers(const ConvNetGenome& g) {
  if (g.layers.empty() || g.num_layers() > kMaxConvNetLayers) {
    return absl::InvalidArgumentError(
        absl::StrFormat("genome: has %d layers; must have 1..%d",
                        g.num_layers(), kMaxConvNetLayers));
  }
  if (g.layers[0].kind != ConvNetLayerKind::kConv) {
    return absl::InvalidArgumentError(
        "layer 0: must be a conv (the stem that adapts the data's channels)");
  }
  for (int i = 0; i < g.num_layers(); ++i) {
    const ConvNetLayer& l = g.layers[i];
    if (l.kind == ConvNetLayerKind::kPool) continue;
    if (l.kind != ConvNetLayerKind::kConv) {
      return absl::InvalidArgumentError(
          absl::StrFormat("layer %d: unknown kind", i));
    }
    if (!ValidKernel(l.kernel_size)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("layer %d (%s): kernel size %d must be 1, 3 or 5", i,
                          ConvNetLayerToText(l), l.kernel_size));
    }
    if (l.width < 1 || l.width > kMaxConvNetWidth) {
      return absl::InvalidArgumentError(
          absl::StrFormat("layer %d (%s): width %d must be in 1..%d", i,
                          ConvNetLayerToText(l), l.width, kMaxConvNetWidth));
    }
  }
  return absl::OkStatus();
}

// Range, resolution and uniqueness: everything ComputeChannels relies on.
absl::Status ValidateSkipPlacement(const ConvNetGenome& g) {
  const int n = g.num_layers();
  // pools[i]: pools among layers 0 .. i-1, for O(1) resolution checks.
  std::vector<int> pools(n + 1, 0);
  for (int i = 0; i < n; ++i) {
    pools[i + 1] = pools[i] + (g.layers[i].kind == ConvNetLayerKind::kPool);
  }
  for (size_t s = 0; s < g.skips.size(); ++s) {
    const ConvNetSkip& k = g.skips[s];
    if (k.kind != ConvNetSkipKind::kAdd && k.kind != ConvNetSkipKind::kConcat) {
      return absl::InvalidArgumentError(
          absl::StrFormat("skip %d: unknown kind", s));
    }
    if (k.from < 0 || k.to < k.from + 2 || k.to > n) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "skip %s: needs 0 <= from and from + 2 <= to <= %d (layers, then "
          "%d = the head)",
          ConvNetSkipToText(k), n, n));
    }
    if (pools[k.to] != pools[k.from + 1]) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "skip %s: crosses a pool; both ends must have the same resolution",
          ConvNetSkipToText(k)));
    }
  }
  // Sorted, duplicates are neighbours (keeps large genomes cheap to check).
  std::vector<ConvNetSkip> sorted = Canonicalize(g).skips;
  auto twice = std::adjacent_find(sorted.begin(), sorted.end());
  if (twice != sorted.end()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("skip %s: appears twice", ConvNetSkipToText(*twice)));
  }
  return absl::OkStatus();
}

absl::Status ValidateSkipChannels(const ConvNetGenome& g,
                                  const ConvNetChannels& c) {
  for (size_t j = 0; j < c.in.size(); ++j) {
    if (c.in[j] > kMaxConvNetChannels) {
      const std::string consumer = j + 1 == c.in.size()
                                       ? std::string("the head")
                                       : absl::StrCat("layer ", j);
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: reads more than %d channels (concatenated skips add up)",
          consumer, kMaxConvNetChannels));
    }
  }
  for (const ConvNetSkip& k : g.skips) {
    if (k.kind != ConvNetSkipKind::kAdd) continue;
    if (c.out[k.from] != c.out[k.to - 1]) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "skip %s: adds %d channels (layer %d) to %d (layer %d); an add "
          "needs equal channel counts",
          ConvNetSkipToText(k), c.out[k.from], k.from, c.out[k.to - 1],
          k.to - 1));
    }
  }
  return absl::OkStatus();
}

// Tokens split at whitespace outside parentheses.
std::vector<std::string> Tokenize(absl::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  int depth = 0;
  for (char ch : text) {
    if (ch == '(') ++depth;
    if (ch == ')') --depth;
    if (absl::ascii_isspace(static_cast<unsigned char>(ch))) {
      if (depth <= 0 && !current.empty()) tokens.push_back(std::move(current));
      if (depth <= 0) current.clear();
      continue;
    }
    current.push_back(ch);
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

// "conv<k>x<w>" (after the "conv" prefix was consumed).
absl::StatusOr<ConvNetLayer> ParseConv(absl::string_view rest,
                                       absl::string_view where) {
  const size_t x = rest.find('x');
  ConvNetLayer layer;
  if (x == absl::string_view::npos ||
      !absl::SimpleAtoi(rest.substr(0, x), &layer.kernel_size) ||
      !absl::SimpleAtoi(rest.substr(x + 1), &layer.width)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": expected conv<kernel>x<width>, e.g. conv3x16"));
  }
  return layer;
}

// "(<from>,<to>)" (after the "add"/"concat" prefix was consumed).
absl::StatusOr<ConvNetSkip> ParseSkip(absl::string_view rest,
                                      ConvNetSkipKind kind,
                                      absl::string_view where) {
  ConvNetSkip skip;
  skip.kind = kind;
  bool ok = absl::ConsumePrefix(&rest, "(") && absl::ConsumeSuffix(&rest, ")");
  const size_t comma = rest.find(',');
  ok = ok && comma != absl::string_view::npos &&
       absl::SimpleAtoi(rest.substr(0, comma), &skip.from) &&
       absl::SimpleAtoi(rest.substr(comma + 1), &skip.to);
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat(where,
                     ": expected add(<from>,<to>) or concat(<from>,<to>) with "
                     "integer layer indices"));
  }
  return skip;
}

absl::Status ParseToken(absl::string_view token, int index,
                        ConvNetGenome* genome) {
  const std::string where = absl::StrCat("token ", index, " '", token, "'");
  absl::string_view rest = token;
  if (token == "pool") {
    genome->layers.push_back({ConvNetLayerKind::kPool, 0, 0});
  } else if (absl::ConsumePrefix(&rest, "conv")) {
    ASSIGN_OR_RETURN(ConvNetLayer layer, ParseConv(rest, where));
    genome->layers.push_back(layer);
  } else if (absl::ConsumePrefix(&rest, "add")) {
    ASSIGN_OR_RETURN(ConvNetSkip s,
                     ParseSkip(rest, ConvNetSkipKind::kAdd, where));
    genome->skips.push_back(s);
  } else if (absl::ConsumePrefix(&rest, "concat")) {
    ASSIGN_OR_RETURN(ConvNetSkip s,
                     ParseSkip(rest, ConvNetSkipKind::kConcat, where));
    genome->skips.push_back(s);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(where,
                     ": unknown; expected conv<k>x<w>, pool, add(i,j) or "
                     "concat(i,j)"));
  }
  return absl::OkStatus();
}

}  // namespace

bool ConvNetLayer::operator==(const ConvNetLayer& o) const {
  if (kind != o.kind) return false;
  // A pool's kernel and width fields mean nothing.
  return kind == ConvNetLayerKind::kPool ||
         (kernel_size == o.kernel_size && width == o.width);
}

absl::Status ValidateConvNetGenome(const ConvNetGenome& genome) {
  RETURN_IF_ERROR(ValidateLayers(genome));
  RETURN_IF_ERROR(ValidateSkipPlacement(genome));
  // Layer 0 is a conv, so the data's channel count changes nothing below.
  return ValidateSkipChannels(genome, ComputeChannels(genome, 1));
}

absl::StatusOr<ConvNetGenome> ParseConvNetGenome(absl::string_view text) {
  ConvNetGenome genome;
  const std::vector<std::string> tokens = Tokenize(text);
  for (size_t t = 0; t < tokens.size(); ++t) {
    RETURN_IF_ERROR(ParseToken(tokens[t], static_cast<int>(t), &genome));
  }
  RETURN_IF_ERROR(ValidateConvNetGenome(genome));
  return Canonicalize(std::move(genome));
}

ConvNetGenome Canonicalize(ConvNetGenome genome) {
  for (ConvNetLayer& l : genome.layers) {
    if (l.kind == ConvNetLayerKind::kPool) l.kernel_size = l.width = 0;
  }
  std::sort(genome.skips.begin(), genome.skips.end(),
            [](const ConvNetSkip& a, const ConvNetSkip& b) {
              return std::make_tuple(a.to, a.from, static_cast<int>(a.kind)) <
                     std::make_tuple(b.to, b.from, static_cast<int>(b.kind));
            });
  return genome;
}

std::string ConvNetLayerToText(const ConvNetLayer& layer) {
  if (layer.kind == ConvNetLayerKind::kPool) return "pool";
  return absl::StrCat("conv", layer.kernel_size, "x", layer.width);
}

std::string ConvNetSkipToText(const ConvNetSkip& skip) {
  return absl::StrCat(skip.kind == ConvNetSkipKind::kAdd ? "add" : "concat",
                      "(", skip.from, ",", skip.to, ")");
}

std::string ConvNetGenomeToText(const ConvNetGenome& genome) {
  const ConvNetGenome c = Canonicalize(genome);
  std::vector<std::string> tokens;
  for (const ConvNetLayer& l : c.layers)
    tokens.push_back(ConvNetLayerToText(l));
  for (const ConvNetSkip& s : c.skips) tokens.push_back(ConvNetSkipToText(s));
  return absl::StrJoin(tokens, " ");
}

ConvNetChannels ComputeChannels(const ConvNetGenome& genome,
                                int input_channels) {
  const int n = genome.num_layers();
  std::vector<std::vector<int>> concat_targets(n);  // By source layer.
  for (const ConvNetSkip& s : genome.skips) {
    if (s.kind == ConvNetSkipKind::kConcat)
      concat_targets[s.from].push_back(s.to);
  }
  ConvNetChannels c;
  c.in.assign(n + 1, 0);  // Concatenated channels first, then the main path.
  c.out.assign(n, 0);
  for (int j = 0; j <= n; ++j) {
    // Saturates so that hostile genomes cannot overflow; validation rejects
    // anything above the cap anyway.
    c.in[j] = std::min(c.in[j] + (j == 0 ? input_channels : c.out[j - 1]),
                       kMaxConvNetChannels + 1);
    if (j == n) break;
    const ConvNetLayer& l = genome.layers[j];
    c.out[j] = l.kind == ConvNetLayerKind::kConv ? l.width : c.in[j];
    for (int to : concat_targets[j]) {
      c.in[to] = std::min(c.in[to] + c.out[j], kMaxConvNetChannels + 1);
    }
  }
  return c;
}

bool SameResolution(const ConvNetGenome& genome, int from, int to) {
  for (int i = std::max(from + 1, 0); i < to && i < genome.num_layers(); ++i) {
    if (genome.layers[i].kind == ConvNetLayerKind::kPool) return false;
  }
  return true;
}

ConvNetGenome DefaultNashStart() {
  ConvNetGenome g;
  g.layers = {{ConvNetLayerKind::kConv, 3, 8},
              {ConvNetLayerKind::kPool, 0, 0},
              {ConvNetLayerKind::kConv, 3, 16},
              {ConvNetLayerKind::kPool, 0, 0},
              {ConvNetLayerKind::kConv, 3, 32}};
  return g;
}

}  // namespace nas
