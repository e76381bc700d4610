#include "worker/tfnas/blocks.h"

namespace nas {
namespace {

namespace F = torch::nn::functional;

torch::nn::Conv2d Conv(int in, int out, int kernel, int stride, int groups = 1) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                               .stride(stride)
                               .padding(kernel / 2)
                               .groups(groups)
                               .bias(false));
}

torch::Tensor Activate(const torch::Tensor& x, bool swish) {
  return swish ? F::silu(x) : torch::relu(x);
}

}  // namespace

MbConvImpl::MbConvImpl(const MbConvOptions& o) : options_(o) {
  if (!o.expand) options_.mid_channels = o.in_channels;
  const int mid = options_.mid_channels;
  if (o.expand) {
    expand_ = register_module("expand", Conv(o.in_channels, mid, 1, 1));
    expand_bn_ = register_module("expand_bn", torch::nn::BatchNorm2d(mid));
  }
  depthwise_ = register_module("depthwise", Conv(mid, mid, o.kernel, o.stride, mid));
  depthwise_bn_ = register_module("depthwise_bn", torch::nn::BatchNorm2d(mid));
  if (o.se_channels > 0) {
    auto with_bias = [](int in, int out) {
      return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).bias(true));
    };
    se_reduce_ = register_module("se_reduce", with_bias(mid, o.se_channels));
    se_expand_ = register_module("se_expand", with_bias(o.se_channels, mid));
  }
  project_ = register_module("project", Conv(mid, o.out_channels, 1, 1));
  project_bn_ = register_module("project_bn", torch::nn::BatchNorm2d(o.out_channels));
}

torch::Tensor MbConvImpl::forward(const torch::Tensor& x, const torch::Tensor& mid_mask) {
  const torch::Tensor mask =
      mid_mask.defined() ? mid_mask.view({1, -1, 1, 1}).to(x.dtype()) : torch::Tensor();
  torch::Tensor h = x;
  if (expand_) {
    h = Activate(expand_bn_(expand_(h)), options_.swish);
    if (mask.defined()) h = h * mask;
  }
  h = Activate(depthwise_bn_(depthwise_(h)), options_.swish);
  if (mask.defined()) h = h * mask;
  if (se_reduce_) {
    // Masked channels are zero, so they add nothing to the squeeze and stay
    // zero after the gate: the mask still computes the narrower block.
    const torch::Tensor squeezed = h.mean({2, 3}, /*keepdim=*/true);
    h = h * torch::sigmoid(se_expand_(Activate(se_reduce_(squeezed), options_.swish)));
  }
  h = project_bn_(project_(h));
  const bool residual = options_.stride == 1 && options_.in_channels == options_.out_channels;
  return residual ? h + x : h;
}

StemImpl::StemImpl(const TfNasSpace& space) {
  conv_ = register_module("conv",
                          Conv(space.image_channels, space.stem_channels, 3, space.stem_stride));
  bn_ = register_module("bn", torch::nn::BatchNorm2d(space.stem_channels));
  MbConvOptions o;
  o.in_channels = space.stem_channels;
  o.out_channels = space.first_block_channels;
  o.expand = false;
  block_ = register_module("block", MbConv(o));
}

torch::Tensor StemImpl::forward(const torch::Tensor& x) {
  return block_(torch::relu(bn_(conv_(x))));
}

HeadImpl::HeadImpl(const TfNasSpace& space) {
  conv_ =
      register_module("conv", Conv(space.stages.back().out_channels, space.head_channels, 1, 1));
  bn_ = register_module("bn", torch::nn::BatchNorm2d(space.head_channels));
  classifier_ =
      register_module("classifier", torch::nn::Linear(space.head_channels, space.num_classes));
}

torch::Tensor HeadImpl::forward(const torch::Tensor& x) {
  const torch::Tensor features = F::silu(bn_(conv_(x))).mean({2, 3});
  return classifier_(features);
}

MbConvOptions LayerBlockOptions(const TfNasSpace& space, int stage, int layer, const TfNasOp& op,
                                int mid_channels) {
  const TfNasLayerShape shape = LayerShape(space, stage, layer);
  MbConvOptions o;
  o.in_channels = shape.in_channels;
  o.mid_channels = mid_channels;
  o.out_channels = shape.out_channels;
  o.kernel = op.kernel;
  o.se_channels = SeChannels(shape.in_channels, op);
  o.stride = shape.stride;
  o.swish = shape.activation == "swish";
  return o;
}

}  // namespace nas
