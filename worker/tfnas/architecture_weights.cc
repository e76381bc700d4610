#include "worker/tfnas/architecture_weights.h"

#include "absl/strings/str_cat.h"

namespace nas {

std::vector<v1::ArchitectureWeights> TfNasArchitectureWeights(const TfNasSpace& space,
                                                              const ArchDistribution& dist) {
  std::vector<v1::ArchitectureWeights> out;
  const std::vector<TfNasOp> ops = SpaceOps(space);
  for (size_t s = 0; s < dist.op.size(); ++s) {
    v1::ArchitectureWeights& layers = out.emplace_back();
    layers.set_name(absl::StrCat("stage ", s + 1));
    for (const TfNasOp& op : ops) layers.add_columns(OpName(op));
    for (size_t l = 0; l < dist.op[s].size(); ++l) {
      layers.add_rows(absl::StrCat("layer ", l + 1));
      for (double p : dist.op[s][l]) layers.add_weights(p);
    }
    v1::ArchitectureWeights& depth = out.emplace_back();
    depth.set_name(absl::StrCat("stage ", s + 1, " depth"));
    depth.add_rows("depth");
    for (size_t d = 0; d < dist.depth[s].size(); ++d) {
      depth.add_columns(absl::StrCat(d + 1, d == 0 ? " layer" : " layers"));
      depth.add_weights(dist.depth[s][d]);
    }
  }
  return out;
}

}  // namespace nas
