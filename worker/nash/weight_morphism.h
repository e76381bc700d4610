// Network morphisms applied to the weights (NASH, Elsken et al. 2017): the
// child network inherits the parent's weights, transformed so that in eval
// mode child(x) == parent(x) for every x, up to float rounding.
//
// How each kind keeps the function (common/genome/morphism.h has the genome
// side):
//   deepen   the new conv is the identity (a centred one-hot kernel per
//            channel). The new BatchNorm undoes its own normalisation: its
//            running statistics are the mean and variance out[i] would have
//            if layer i's BN saw inputs matching its own running statistics
//            (a rectified Gaussian per channel), and weight = sqrt(var + eps),
//            bias = mean, so in eval mode it is exactly the identity and in
//            train mode close to it. Its ReLU sees out[i] >= 0 (post-ReLU), so
//            it is the identity too (NASH's type I + III).
//   widen    the widened conv's new units get fresh random incoming weights
//            and a fresh BatchNorm (weight 1, bias 0, mean 0, var 1); every
//            weight that reads a new unit (next convs, concats, classifier)
//            is zero (type II).
//   skip_add the new lambda is 0 (type IV).
//   skip_concat  the consumer's weights on the new channels are 0 (type II).
// Every other weight and buffer is copied, channel by channel, to wherever
// the same channel ends up in the child.
#ifndef NAS_WORKER_NASH_WEIGHT_MORPHISM_H_
#define NAS_WORKER_NASH_WEIGHT_MORPHISM_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "common/genome/convnet_genome.h"
#include "common/genome/morphism.h"
#include "common/random/seeded_random.h"
#include "torch/torch.h"
#include "worker/nash/convnet.h"

namespace nas {

// The child of `parent` under `m`: a new network (the parent is not
// modified) on the parent's device, with its dtype and its train/eval mode.
// New random weights come from `rng` only (one draw per morphism), so the
// same parent, morphism and rng state give the same child on every run;
// building the child still advances LibTorch's global generator.
//
// Errors (never throws):
//   INVALID_ARGUMENT   parent_genome, in_channels or num_classes differ from
//                      the parent's, or m does not apply (ApplyToGenome's
//                      message).
//   RESOURCE_EXHAUSTED the child does not fit in memory.
//   INTERNAL           any other LibTorch error.
absl::StatusOr<ConvNet> ApplyMorphismToNet(const ConvNetGenome& parent_genome, ConvNet& parent,
                                           const Morphism& m, int64_t in_channels,
                                           int64_t num_classes, SeededRandom& rng);

// Applies `list` in order (an empty list gives a copy of the parent); the
// error names the failing item. The child's genome is
// ApplyAllToGenome(parent_genome, list).
absl::StatusOr<ConvNet> ApplyMorphismsToNet(const ConvNetGenome& parent_genome, ConvNet& parent,
                                            const std::vector<Morphism>& list, int64_t in_channels,
                                            int64_t num_classes, SeededRandom& rng);

// max |a(x) - b(x)| / max |a(x)| with both nets in eval mode and no
// gradients; the nets' modes are restored afterwards. x is moved to a's
// device and dtype. 0 when both outputs are all zero; +infinity when a(x) is
// all zero but b(x) is not, or when either forward fails (e.g. the shapes do
// not fit x), so a check `<= tolerance` fails safely. Never throws.
double MaxRelativeDifference(ConvNet& a, ConvNet& b, const torch::Tensor& x);

}  // namespace nas

#endif  // NAS_WORKER_NASH_WEIGHT_MORPHISM_H_
