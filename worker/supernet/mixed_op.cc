#include "worker/supernet/mixed_op.h"

#include <string>

#include "worker/model/darts_ops.h"

namespace nas {

torch::Tensor ChannelShuffle(const torch::Tensor& x, int64_t groups) {
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  return x.view({n, groups, c / groups, h, w}).transpose(1, 2).contiguous().view({n, c, h, w});
}

torch::Tensor ChannelUnshuffle(const torch::Tensor& x, int64_t groups) {
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  return x.view({n, c / groups, groups, h, w}).transpose(1, 2).contiguous().view({n, c, h, w});
}

MixedOpImpl::MixedOpImpl(int64_t channels_in, int64_t stride_in, int64_t k)
    : channels(channels_in), stride(stride_in), partial_k(k) {
  TORCH_CHECK(k >= 1 && channels % k == 0, "MixedOp: channels (", channels,
              ") must be divisible by K (", k, ")");
  TORCH_CHECK(stride == 1 || stride == 2, "MixedOp: stride must be 1 or 2, got ", stride);
  for (int o = 0; o < kNumDartsOps; ++o) {
    ops.push_back(MakeDartsOp(static_cast<DartsOp>(o), channels / k, stride, DartsOpForm::kSearch));
    register_module(std::string(DartsOpName(static_cast<DartsOp>(o))), ops.back().ptr());
  }
}

torch::Tensor MixedOpImpl::WeightedSum(const torch::Tensor& x, const torch::Tensor& weights) {
  // `none` contributes w_none * 0 = 0 to the sum (and nothing to any
  // gradient), so it is not materialised; a zero start keeps the output
  // shape right even when every other weight is 0.
  const int64_t h = (x.size(2) + stride - 1) / stride, w = (x.size(3) + stride - 1) / stride;
  torch::Tensor sum = torch::zeros({x.size(0), x.size(1), h, w}, x.options());
  for (int o = 0; o < kNumDartsOps; ++o) {
    sum = sum + weights[1 + o] * ops[o].forward(x);
  }
  return sum;
}

torch::Tensor MixedOpImpl::forward(torch::Tensor x, torch::Tensor weights) {
  if (partial_k == 1) return WeightedSum(x, weights);
  const int64_t part = channels / partial_k;
  torch::Tensor through = x.slice(1, 0, part);
  torch::Tensor bypass = x.slice(1, part);
  if (stride == 2) {
    // ceil_mode matches the ops' ceil(H / 2) on odd sizes.
    bypass = torch::max_pool2d(bypass, {2, 2}, {2, 2}, {0, 0}, {1, 1}, /*ceil_mode=*/true);
  }
  return ChannelShuffle(torch::cat({WeightedSum(through, weights), bypass}, 1), partial_k);
}

}  // namespace nas
