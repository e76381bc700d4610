#include "worker/tfnas/small_test_network.h"

#include "common/status/status_macros.h"

namespace nas {

absl::StatusOr<TfNasNetwork> SmallTestTfNasNetwork(absl::string_view genome) {
  TfNasSpaceOptions options;
  options.image_size = 8;
  options.width_multiplier = 0.25;
  options.max_layers_per_stage = 2;
  options.kernels = {3, 5, 7};  // Every op: kernel 7 too, with and without SE.
  ASSIGN_OR_RETURN(const TfNasSpace space, MakeTfNasSpace(options));
  ASSIGN_OR_RETURN(const TfNasGenome parsed, ParseTfNasGenome(genome));
  return BuildTfNasNetwork(space, parsed);
}

}  // namespace nas
