// The continuous relaxation of one DARTS cell edge: a weighted sum of all
// candidate ops (DARTS, Liu et al. 2019), optionally over a partial channel
// connection (PC-DARTS, Xu et al. 2020).
#ifndef NAS_WORKER_SUPERNET_MIXED_OP_H_
#define NAS_WORKER_SUPERNET_MIXED_OP_H_

#include <cstdint>
#include <vector>

#include "common/genome/darts_genome.h"
#include "torch/torch.h"

namespace nas {

// The search op set: index 0 is `none` (a zero tensor, which lets the search
// say "this edge does not matter"), index 1 + o is DartsOp o. Architecture
// weights have this many columns.
inline constexpr int kNumMixedOps = 1 + kNumDartsOps;
inline constexpr int kNoneOpIndex = 0;

// Index of DartsOp `op` in the search op set.
inline int MixedOpIndex(DartsOp op) { return 1 + static_cast<int>(op); }

// PC-DARTS's channel shuffle: views the C channels as [groups, C / groups],
// transposes and flattens, so channel g * (C / groups) + j moves to
// j * groups + g. C must be divisible by `groups`.
torch::Tensor ChannelShuffle(const torch::Tensor& x, int64_t groups);

// The inverse permutation of ChannelShuffle(x, groups).
torch::Tensor ChannelUnshuffle(const torch::Tensor& x, int64_t groups);

// One edge of a search cell. With partial_k == 1 (DARTS) every channel goes
// through all candidate ops. With partial_k = K > 1 (PC-DARTS) only the first
// channels / K channels do (the ops are built for channels / K channels); the
// rest bypass the ops (max-pooled 2x2, rounding up, at stride 2, so that the
// shapes agree) and the two parts are concatenated and channel-shuffled with
// K groups, which lets the next edge see a different channel subset.
//
// Shapes: x [N, channels, H, W], weights [kNumMixedOps] (already normalised,
// e.g. a softmax row) -> [N, channels, ceil(H / stride), ceil(W / stride)].
// `channels` must be divisible by partial_k; the constructor throws
// c10::Error otherwise. The ops' BatchNorms are affine (MakeDartsOp's
// evaluation ops): their scales are ordinary weights, trained by SGD.
struct MixedOpImpl : torch::nn::Module {
  MixedOpImpl(int64_t channels, int64_t stride, int64_t partial_k = 1);
  torch::Tensor forward(torch::Tensor x, torch::Tensor weights);

  int64_t channels = 0;
  int64_t stride = 1;
  int64_t partial_k = 1;
  std::vector<torch::nn::AnyModule> ops;  // kNumDartsOps, in DartsOp order.

 private:
  torch::Tensor WeightedSum(const torch::Tensor& x, const torch::Tensor& weights);
};
TORCH_MODULE(MixedOp);

}  // namespace nas

#endif  // NAS_WORKER_SUPERNET_MIXED_OP_H_
