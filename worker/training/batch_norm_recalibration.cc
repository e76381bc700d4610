#include "worker/training/batch_norm_recalibration.h"

#include <algorithm>
#include <vector>

#include "worker/training/torch_compat.h"

namespace nas {
namespace {

// A BatchNorm's momentum, and where it lives, to put back afterwards.
struct SavedMomentum {
  TorchOptional<double>* momentum;
  TorchOptional<double> value;
};

// If `m` is a BatchNorm of dimension D that tracks running statistics:
// resets them, switches it to a cumulative average and saves its momentum.
template <typename Impl>
bool ResetForRecalibration(torch::nn::Module& m, std::vector<SavedMomentum>& saved) {
  auto* bn = dynamic_cast<Impl*>(&m);
  if (bn == nullptr || !bn->options.track_running_stats()) return false;
  saved.push_back({&bn->options.momentum(), bn->options.momentum()});
  bn->reset_running_stats();
  bn->options.momentum(TorchOptional<double>());
  return true;
}

// Puts the momenta and the mode back whatever happens in between.
class Restorer {
 public:
  explicit Restorer(torch::nn::Module& module)
      : module_(module), was_training_(module.is_training()) {}
  ~Restorer() {
    for (const SavedMomentum& s : saved_) *s.momentum = s.value;
    module_.train(was_training_);
  }
  std::vector<SavedMomentum>& saved() { return saved_; }

 private:
  torch::nn::Module& module_;
  const bool was_training_;
  std::vector<SavedMomentum> saved_;
};

}  // namespace

int64_t RecalibrateBatchNorm(torch::nn::Module& module,
                             const std::function<torch::Tensor(const torch::Tensor&)>& forward,
                             const torch::Tensor& images, const BatchNormRecalibration& options) {
  if (options.batches <= 0 || !images.defined() || images.dim() == 0) return 0;
  const int64_t batch = std::max<int64_t>(1, options.batch_size);
  int64_t end = std::min(images.size(0), options.batches * batch);
  if (end % batch == 1) --end;  // Nothing to normalise a single example by.
  if (end == 0) return 0;
  Restorer restore(module);
  for (const std::shared_ptr<torch::nn::Module>& m : module.modules(/*include_self=*/true)) {
    ResetForRecalibration<torch::nn::BatchNorm1dImpl>(*m, restore.saved()) ||
        ResetForRecalibration<torch::nn::BatchNorm2dImpl>(*m, restore.saved()) ||
        ResetForRecalibration<torch::nn::BatchNorm3dImpl>(*m, restore.saved());
  }
  if (restore.saved().empty()) return 0;
  torch::NoGradGuard no_grad;
  module.train();
  int64_t run = 0;
  for (int64_t begin = 0; begin < end; begin += batch, ++run) {
    const torch::Tensor x = images.slice(0, begin, std::min(end, begin + batch));
    forward(options.dtype ? x.to(options.device, *options.dtype) : x.to(options.device));
  }
  return run;
}

}  // namespace nas
