// A whole gradient-based architecture search (DARTS or PC-DARTS) on one
// device: supernet training with alternating architecture and weight steps,
// then derivation of the discrete genotype.
#ifndef NAS_WORKER_SUPERNET_SEARCH_H_
#define NAS_WORKER_SUPERNET_SEARCH_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "common/genome/darts_genome.h"
#include "torch/torch.h"
#include "worker/data/image_dataset.h"
#include "worker/supernet/architect.h"
#include "worker/supernet/supernet.h"
#include "worker/training/augmentation.h"

namespace nas {

struct SupernetProgress {
  int epoch = 0;                              // 1-based, the epoch just finished.
  double train_loss = 0, train_accuracy = 0;  // Means over the epoch's weight batches.
  double valid_loss = 0, valid_accuracy = 0;  // On data.validation, eval mode.
  std::string genotype;                       // DartsGenomeToText of the current derivation.
  // The architecture parameters after the epoch (CPU copies): alphas, and
  // PC-DARTS's edge betas (undefined for DARTS).
  torch::Tensor alpha_normal, alpha_reduce, beta_normal, beta_reduce;
  // With SupernetSearchOptions::save_resume_state, after every epoch but the
  // last: the state to resume the search from after this epoch
  // (worker/training/search_state.h). Empty otherwise.
  std::string resume_state;
};

struct SupernetSearchOptions {
  // method, partial_k, nodes, cells, init_channels; in_channels and
  // num_classes are taken from the data.
  SupernetOptions supernet;
  ArchitectOrder order = ArchitectOrder::kFirst;
  torch::Device device = torch::kCPU;
  int epochs = 50;                          // >= 1.
  int batch_size = 64;                      // >= 1.
  double weight_learning_rate = 0.025;      // Cosine schedule from here ...
  double weight_learning_rate_min = 0.001;  // ... to here, per epoch.
  double weight_momentum = 0.9;
  double weight_decay = 3e-4;
  double grad_clip = 5.0;
  double arch_learning_rate = 3e-4;
  double arch_weight_decay = 1e-3;
  // Epochs of weight steps only before the first architecture step
  // (PC-DARTS's warm-up). 0..epochs-1.
  int arch_warmup_epochs = 0;
  uint64_t seed = 0;
  // Done to the weight and the architecture batches of every step (each with
  // its own draws, seeded by (seed, step)), as DARTS transforms both halves of
  // the training data; never to data.validation. Default: nothing.
  Augmentation augmentation;
  // After every epoch; returning false stops the search with CANCELLED. May be empty.
  std::function<bool(const SupernetProgress&)> on_epoch;
  // After every step, with the fraction of the whole search done; returning
  // false stops the search with CANCELLED at once rather than at the end of a
  // long epoch (a lost lease, a cancelled search, a worker shutting down).
  // May be empty.
  std::function<bool(double fraction_done)> on_step;
  // Take a resume state after every epoch but the last (into
  // SupernetProgress::resume_state).
  bool save_resume_state = false;
  // An earlier run's resume state (SupernetProgress::resume_state, of a
  // search with the same data, options and seed): the search goes on after
  // the epochs it holds, and on the CPU ends bit-equal to a run that was not
  // interrupted. Empty: from scratch.
  std::string resume_state;
};

struct SupernetOutcome {
  DartsGenome genome;  // Valid (ValidateDartsGenome), canonical.
  // Final architecture parameters on CPU; betas undefined for DARTS.
  torch::Tensor alpha_normal, alpha_reduce, beta_normal, beta_reduce;
  // torch::save of the defined tensors among {alpha_normal, alpha_reduce,
  // beta_normal, beta_reduce}, in that order (torch::load into a
  // std::vector<torch::Tensor> reads it back).
  std::string arch_bytes;
  double train_accuracy = 0, valid_accuracy = 0;  // Of the last epoch.
  double train_loss = 0, valid_loss = 0;
  double seconds = 0;
};

// Splits data.train in two halves (first half: weight steps, second half:
// architecture steps, as DARTS does), builds the supernet from options.seed
// and draws the epochs' orders from a generator of its own continuing that
// seed's stream (default_generator.h), and per step: one Architect step on an architecture batch
// (xi = the current weight learning rate), then one SGD step on a weight
// batch (momentum, weight decay, gradient norm clipped), both batches
// augmented as options.augmentation says. An epoch runs min(half sizes) /
// batch_size steps (the last batch may be smaller).
// data.validation is only measured, never trained on.
//
// With a resume state the epochs it holds are not run again (on_epoch is
// called for the later ones only).
//
// Never throws. Errors: INVALID_ARGUMENT bad options (named, a resume_state
// that is not one of this search's as "supernet_search.resume_state: ...") or data (fewer
// than 2 training examples, empty validation, non-finite loss); CANCELLED
// on_epoch or on_step returned false; RESOURCE_EXHAUSTED out of memory;
// INTERNAL other LibTorch errors.
absl::StatusOr<SupernetOutcome> RunSupernetSearch(const TrainValidationSplit& data,
                                                  const SupernetSearchOptions& options);

}  // namespace nas

#endif  // NAS_WORKER_SUPERNET_SEARCH_H_
