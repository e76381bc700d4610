#include "common/search_space/search_space.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/genome/convnet_genome.h"
#include "common/genome/morphism.h"
#include "common/genome/nasbench201_genome.h"
#include "common/genome/tfnas_genome.h"
#include "common/search_space/darts_space.h"
#include "common/search_space/tfnas_space_spec.h"
#include "common/status/status_macros.h"

namespace nas {
namespace {

class DartsCellSearchSpace : public SearchSpace {
 public:
  explicit DartsCellSearchSpace(int nodes) : nodes_(nodes) {}

  absl::StatusOr<std::string> Canonicalize(absl::string_view text) const override {
    ASSIGN_OR_RETURN(DartsGenome genome, ParseDartsGenome(text));
    if (static_cast<int>(genome.normal.nodes.size()) != nodes_) {
      return absl::InvalidArgumentError(absl::StrCat("genome: has ", genome.normal.nodes.size(),
                                                     " nodes per cell; this search space has ",
                                                     nodes_));
    }
    return DartsGenomeToText(genome);
  }

  std::string RandomGenome(SeededRandom& rng) const override {
    return DartsGenomeToText(RandomDartsGenome(nodes_, rng));
  }

  absl::StatusOr<GenomeMutation> Mutate(absl::string_view text, SeededRandom& rng) const override {
    ASSIGN_OR_RETURN(DartsGenome parent, ParseDartsGenome(text));
    DartsMutation m = MutateDartsGenome(parent, rng);
    return GenomeMutation{DartsGenomeToText(m.child), std::move(m.description)};
  }

  std::string Readable(absl::string_view text) const override {
    auto genome = ParseDartsGenome(text);
    return genome.ok() ? DartsGenomeToReadableText(*genome) : std::string(text);
  }

 private:
  const int nodes_;
};

// One random edge gets a different op (NAS-Bench-201's mutation).
class NasBench201SearchSpace : public SearchSpace {
 public:
  absl::StatusOr<std::string> Canonicalize(absl::string_view text) const override {
    ASSIGN_OR_RETURN(Nb201Genome genome, ParseNb201Genome(text));
    return Nb201GenomeToText(genome);
  }

  std::string RandomGenome(SeededRandom& rng) const override {
    Nb201Genome g;
    for (auto& e : g.edges) e = static_cast<Nb201Op>(rng.Uniform(kNumNb201Ops));
    return Nb201GenomeToText(g);
  }

  absl::StatusOr<GenomeMutation> Mutate(absl::string_view text, SeededRandom& rng) const override {
    ASSIGN_OR_RETURN(Nb201Genome g, ParseNb201Genome(text));
    const int edge = rng.Uniform(kNumNb201Edges);
    const Nb201Op old_op = g.edges[edge];
    int op = rng.Uniform(kNumNb201Ops - 1);
    if (op >= static_cast<int>(old_op)) ++op;
    g.edges[edge] = static_cast<Nb201Op>(op);
    return GenomeMutation{Nb201GenomeToText(g),
                          absl::StrFormat("op edge %d: %s -> %s", edge, Nb201OpName(old_op),
                                          Nb201OpName(g.edges[edge]))};
  }

  std::string Readable(absl::string_view text) const override { return std::string(text); }
};

// NASH's space: no uniform sampling, only growth from a start net by
// function-preserving morphisms.
class ConvNetSearchSpace : public SearchSpace {
 public:
  explicit ConvNetSearchSpace(ConvNetGenome start) : start_(std::move(start)) {}

  absl::StatusOr<std::string> Canonicalize(absl::string_view text) const override {
    ASSIGN_OR_RETURN(ConvNetGenome genome, ParseConvNetGenome(text));
    return ConvNetGenomeToText(genome);
  }

  // The start network: the space has no meaningful uniform distribution.
  std::string RandomGenome(SeededRandom&) const override { return ConvNetGenomeToText(start_); }

  absl::StatusOr<GenomeMutation> Mutate(absl::string_view text, SeededRandom& rng) const override {
    ASSIGN_OR_RETURN(ConvNetGenome genome, ParseConvNetGenome(text));
    const Morphism m = RandomMorphism(genome, rng);
    ASSIGN_OR_RETURN(ConvNetGenome child, ApplyToGenome(genome, m));
    return GenomeMutation{ConvNetGenomeToText(child), MorphismToText(m), MorphismToText(m)};
  }

  std::string Readable(absl::string_view text) const override { return std::string(text); }
  bool InheritsWeights() const override { return true; }

 private:
  const ConvNetGenome start_;
};

// TF-NAS's space. Its searches derive genomes by gradient descent; random
// genomes and mutations exist for baselines and keep every layer at the
// width its expansion implies.
class TfNasSearchSpace : public SearchSpace {
 public:
  explicit TfNasSearchSpace(TfNasSpace space) : space_(std::move(space)) {}

  absl::StatusOr<std::string> Canonicalize(absl::string_view text) const override {
    ASSIGN_OR_RETURN(TfNasGenome genome, ParseTfNasGenome(text));
    RETURN_IF_ERROR(ValidateGenomeInSpace(space_, genome));
    return TfNasGenomeToText(genome);
  }

  std::string RandomGenome(SeededRandom& rng) const override {
    TfNasGenome genome;
    for (size_t s = 0; s < space_.stages.size(); ++s) {
      TfNasStage stage;
      const int depth = 1 + rng.Uniform(space_.stages[s].max_layers);
      for (int l = 0; l < depth; ++l) stage.layers.push_back(RandomLayer(s, l, rng));
      genome.stages.push_back(std::move(stage));
    }
    return TfNasGenomeToText(genome);
  }

  // One layer gets a new random operator.
  absl::StatusOr<GenomeMutation> Mutate(absl::string_view text, SeededRandom& rng) const override {
    ASSIGN_OR_RETURN(TfNasGenome genome, ParseTfNasGenome(text));
    RETURN_IF_ERROR(ValidateGenomeInSpace(space_, genome));
    const int s = rng.Uniform(static_cast<int>(genome.stages.size()));
    const int l = rng.Uniform(static_cast<int>(genome.stages[s].layers.size()));
    TfNasLayer& layer = genome.stages[s].layers[l];
    const TfNasLayer old = layer;
    layer = RandomLayer(s, l, rng);
    return GenomeMutation{TfNasGenomeToText(genome),
                          absl::StrFormat("op stage %d layer %d: %s -> %s", s + 1, l + 1,
                                          OpName({old.kernel, old.expansion, old.se}),
                                          OpName({layer.kernel, layer.expansion, layer.se}))};
  }

  std::string Readable(absl::string_view text) const override { return std::string(text); }

 private:
  TfNasLayer RandomLayer(int stage, int layer, SeededRandom& rng) const {
    TfNasLayer out;
    out.kernel = space_.kernels[rng.Uniform(static_cast<int>(space_.kernels.size()))];
    out.expansion = rng.Uniform(2) == 0 ? 3 : 6;
    const auto& se = space_.squeeze_excitation;
    out.se = se[rng.Uniform(static_cast<int>(se.size()))];
    out.mid_channels =
        MidChannelRange(LayerShape(space_, stage, layer).in_channels, out.expansion).initial;
    return out;
  }

  const TfNasSpace space_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SearchSpace>> MakeSearchSpace(const v1::SearchSpace& space) {
  switch (space.kind_case()) {
    case v1::SearchSpace::kDartsCell: {
      const int nodes = space.darts_cell().nodes() == 0 ? 4 : space.darts_cell().nodes();
      if (nodes < 1 || nodes > kMaxDartsNodes) {
        return absl::InvalidArgumentError(absl::StrCat("space.darts_cell.nodes: ", nodes,
                                                       " is out of range 1..", kMaxDartsNodes));
      }
      return std::make_unique<DartsCellSearchSpace>(nodes);
    }
    case v1::SearchSpace::kNasbench201:
      return std::make_unique<NasBench201SearchSpace>();
    case v1::SearchSpace::kConvnet: {
      if (space.convnet().start().empty()) {
        return std::make_unique<ConvNetSearchSpace>(DefaultNashStart());
      }
      auto start = ParseConvNetGenome(space.convnet().start());
      if (!start.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("space.convnet.start: ", start.status().message()));
      }
      return std::make_unique<ConvNetSearchSpace>(*std::move(start));
    }
    case v1::SearchSpace::kTfnas: {
      ASSIGN_OR_RETURN(TfNasSpace tfnas, TfNasSpaceFromSpec(space.tfnas()));
      return std::make_unique<TfNasSearchSpace>(std::move(tfnas));
    }
    default:
      return absl::InvalidArgumentError(
          "space: must be set (darts_cell, nasbench201, convnet or tfnas)");
  }
}

}  // namespace nas
