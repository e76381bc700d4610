#include "worker/model/darts_ops.h"

namespace nas {
namespace {

namespace nn = torch::nn;

nn::Conv2d Conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t padding,
                int64_t dilation = 1, int64_t groups = 1) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k)
                        .stride(stride)
                        .padding(padding)
                        .dilation(dilation)
                        .groups(groups)
                        .bias(false));
}

nn::BatchNorm2d BatchNorm(int64_t c, bool affine) {
  return nn::BatchNorm2d(nn::BatchNorm2dOptions(c).affine(affine));
}

// ReLU -> depthwise k x k (dilated) -> pointwise 1x1 -> BN.
nn::Sequential DilConv(int64_t c_in, int64_t c_out, int64_t k, int64_t stride, int64_t padding,
                       int64_t dilation, bool affine) {
  return nn::Sequential(nn::ReLU(), Conv(c_in, c_in, k, stride, padding, dilation, c_in),
                        Conv(c_in, c_out, 1, 1, 0), BatchNorm(c_out, affine));
}

// Two stacked DilConv blocks without dilation, the first carrying the stride.
nn::Sequential SepConv(int64_t c, int64_t k, int64_t stride, int64_t padding, bool affine) {
  nn::Sequential s;
  s->extend(*DilConv(c, c, k, stride, padding, 1, affine));
  s->extend(*DilConv(c, c, k, 1, padding, 1, affine));
  return s;
}

// AnyModule cannot hold a Sequential (its forward is a template): wrap it.
struct OpSequenceImpl : nn::Module {
  explicit OpSequenceImpl(nn::Sequential s) : body(register_module("body", s)) {}
  torch::Tensor forward(torch::Tensor x) { return body->forward(x); }
  nn::Sequential body;
};
TORCH_MODULE(OpSequence);

struct IdentityImpl : nn::Module {
  torch::Tensor forward(torch::Tensor x) { return x; }
};
TORCH_MODULE(Identity);

}  // namespace

ReluConvBnImpl::ReluConvBnImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                               int64_t padding, bool affine) {
  body = register_module("body", nn::Sequential(nn::ReLU(), Conv(in, out, kernel, stride, padding),
                                                BatchNorm(out, affine)));
}

torch::Tensor ReluConvBnImpl::forward(torch::Tensor x) { return body->forward(x); }

FactorizedReduceImpl::FactorizedReduceImpl(int64_t in, int64_t out, bool affine) {
  conv1 = register_module("conv1", Conv(in, out / 2, 1, 2, 0));
  conv2 = register_module("conv2", Conv(in, out - out / 2, 1, 2, 0));
  bn = register_module("bn", BatchNorm(out, affine));
}

torch::Tensor FactorizedReduceImpl::forward(torch::Tensor x) {
  x = torch::relu(x);
  // The second path sees the grid shifted by one pixel; pad odd sizes so both
  // paths produce the same shape.
  auto shifted = torch::constant_pad_nd(x.slice(2, 1).slice(3, 1), {0, 1, 0, 1});
  return bn->forward(torch::cat({conv1->forward(x), conv2->forward(shifted)}, 1));
}

torch::nn::AnyModule MakeDartsOp(DartsOp op, int64_t c, int64_t stride, DartsOpForm form) {
  const bool affine = form == DartsOpForm::kEvaluation;
  // The search form normalises a pool's output like every other op's.
  const auto pool = [&](auto module) {
    return affine ? nn::AnyModule(module)
                  : nn::AnyModule(OpSequence(nn::Sequential(module, BatchNorm(c, false))));
  };
  switch (op) {
    case DartsOp::kSepConv3x3:
      return nn::AnyModule(OpSequence(SepConv(c, 3, stride, 1, affine)));
    case DartsOp::kSepConv5x5:
      return nn::AnyModule(OpSequence(SepConv(c, 5, stride, 2, affine)));
    case DartsOp::kDilConv3x3:
      return nn::AnyModule(OpSequence(DilConv(c, c, 3, stride, 2, 2, affine)));
    case DartsOp::kDilConv5x5:
      return nn::AnyModule(OpSequence(DilConv(c, c, 5, stride, 4, 2, affine)));
    case DartsOp::kMaxPool3x3:
      return pool(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(stride).padding(1)));
    case DartsOp::kAvgPool3x3:
      return pool(nn::AvgPool2d(
          nn::AvgPool2dOptions(3).stride(stride).padding(1).count_include_pad(false)));
    case DartsOp::kSkipConnect:
      return stride == 1 ? nn::AnyModule(Identity())
                         : nn::AnyModule(FactorizedReduce(c, c, affine));
  }
  return nn::AnyModule(Identity());
}

}  // namespace nas
