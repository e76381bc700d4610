// The architecture step of DARTS's bilevel optimisation:
//   min_alpha L_val(w*(alpha), alpha)  s.t.  w*(alpha) = argmin_w L_train(w, alpha).
// First order treats w* as independent of alpha (grad_alpha L_val(w, alpha)).
// Second order approximates w* by one virtual SGD step
//   w' = w - xi * (grad_w L_train(w, alpha) + weight_decay * w)
// and uses
//   grad_alpha L_val(w', alpha) - xi * H v,   v = grad_w' L_val(w', alpha),
// with the Hessian-vector product H v = grad^2_{alpha,w} L_train v taken by a
// central finite difference: (grad_alpha L_train(w + eps v) -
// grad_alpha L_train(w - eps v)) / (2 eps), eps = 0.01 / ||v||.
// Simplification against DARTS's code: the virtual step leaves out the SGD
// momentum term (DARTS adds momentum * buffer); it is a constant shift of w'
// that does not depend on alpha, and its omission keeps this step
// independent of the weight optimiser's internals.
#ifndef NAS_WORKER_SUPERNET_ARCHITECT_H_
#define NAS_WORKER_SUPERNET_ARCHITECT_H_

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "torch/torch.h"
#include "worker/data/batch.h"
#include "worker/supernet/supernet.h"

namespace nas {

enum class ArchitectOrder { kFirst, kSecond };

struct ArchitectOptions {
  ArchitectOrder order = ArchitectOrder::kFirst;
  double xi = 0.025;  // Virtual learning rate (second order); DARTS uses the current weight lr.
  double weight_decay = 3e-4;        // Of the weights, used in the virtual step.
  double arch_learning_rate = 3e-4;  // Adam, betas (0.5, 0.999).
  double arch_weight_decay = 1e-3;
};

// A bilevel problem in the abstract, so that the gradient can be tested on
// hand-made models: `loss(batch)` evaluates the loss at the current values of
// `weights` and `arch` (leaf tensors requiring grad, changed in place).
struct BilevelProblem {
  std::vector<torch::Tensor> weights;
  std::vector<torch::Tensor> arch;
  std::function<torch::Tensor(const Batch&)> loss;
};

// The architecture gradient (one tensor per `arch` entry) by `options.order`.
// On return the weights hold exactly their values on entry, and no .grad is
// touched. Throws c10::Error (internal helper; Architect maps it).
std::vector<torch::Tensor> ArchitectureGradient(const BilevelProblem& problem, const Batch& train,
                                                const Batch& valid,
                                                const ArchitectOptions& options);

// Owns the Adam optimiser of a supernet's arch_parameters(). Not thread-safe.
class Architect {
 public:
  Architect(Supernet net, const ArchitectOptions& options);

  // One Adam step on alpha (and beta) with ArchitectureGradient. Leaves the
  // weights' values as they were (their .grad is zeroed). Errors:
  // RESOURCE_EXHAUSTED out of memory, INTERNAL other LibTorch errors.
  absl::Status Step(const Batch& train, const Batch& valid);

  // DARTS ties xi to the (cosine-scheduled) weight learning rate.
  void set_xi(double xi) { options_.xi = xi; }

  // The Adam optimiser of the architecture parameters, to save its state
  // (moments, step counts) and load it back when a search resumes.
  torch::optim::Adam& optimizer() { return optimizer_; }

 private:
  Supernet net_;
  ArchitectOptions options_;
  torch::optim::Adam optimizer_;
};

}  // namespace nas

#endif  // NAS_WORKER_SUPERNET_ARCHITECT_H_
