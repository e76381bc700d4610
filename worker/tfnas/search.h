// A whole TF-NAS search on one device: supernet training with bi-sampled
// weight steps and Gumbel-softmax architecture steps under a latency loss,
// elastic width scaling after each epoch, and a derivation that meets the
// latency target strictly by the table.
#ifndef NAS_WORKER_TFNAS_SEARCH_H_
#define NAS_WORKER_TFNAS_SEARCH_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/genome/tfnas_genome.h"
#include "common/genome/tfnas_space.h"
#include "torch/torch.h"
#include "worker/data/image_dataset.h"
#include "worker/tfnas/latency_measure.h"
#include "worker/tfnas/latency_table.h"
#include "worker/tfnas/latency_target.h"
#include "worker/training/augmentation.h"

namespace nas {

struct TfNasProgress {
  int epoch = 0;                              // 1-based, the epoch just finished.
  double train_loss = 0, train_accuracy = 0;  // Means over the epoch's bi-sampled weight steps.
  double valid_loss = 0, valid_accuracy = 0;  // Argmax path of the supernet, batch statistics.
  std::string genome;                         // TfNasGenomeToText of the current strict derivation.
  double predicted_ms = 0;                    // Its latency by the table (<= target).
  double expected_ms = 0;         // The supernet's expected latency (the latency loss's input).
  double temperature = 0;         // Gumbel-softmax temperature used in the epoch.
  ArchDistribution distribution;  // Op and depth probabilities after the epoch.
  // With TfNasSearchOptions::save_resume_state, after every epoch but the
  // last: the state to resume the search from after this epoch
  // (worker/training/search_state.h, with the next epoch's temperature).
  // Empty otherwise.
  std::string resume_state;
};

struct TfNasSearchOptions {
  // width_multiplier, max_layers_per_stage, kernels, squeeze_excitation;
  // image size, channels and classes are taken from the data.
  TfNasSpaceOptions space;
  // Must cover every block of the space (SpaceLatencies::Create).
  LatencyTable latency_table;
  double target_ms = 0;         // > 0.
  double latency_weight = 0.1;  // lambda of lambda * |expected / target - 1|.
  torch::Device device = torch::kCPU;
  int epochs = 90;                      // >= 1.
  int warmup_epochs = 10;               // First epochs train weights only; in [0, epochs).
  int batch_size = 32;                  // >= 1.
  double weight_learning_rate = 0.025;  // Cosine schedule per epoch down to 0.
  double weight_momentum = 0.9;
  double weight_decay = 1e-5;
  double grad_clip = 5.0;
  double arch_learning_rate = 1e-2;  // Adam, betas (0.5, 0.999), as the paper.
  double arch_weight_decay = 5e-4;
  int arch_step_every = 2;           // One architecture step per this many weight steps.
  double initial_temperature = 5.0;  // Of the first epoch after warm-up ...
  double temperature_decay = 0.96;   // ... times this after each later epoch.
  // Measuring the derived network on the device (batch size, repeats).
  LatencyMeasureOptions measure;
  uint64_t seed = 0;
  // Done to the weight batches (seeded by (seed, step)); the architecture
  // batches and data.validation are used as they are. Default: nothing.
  Augmentation augmentation;
  // After every epoch; returning false stops the search with CANCELLED. May be empty.
  std::function<bool(const TfNasProgress&)> on_epoch;
  // After every weight step, with the fraction of the whole search done;
  // returning false stops the search with CANCELLED at once rather than at
  // the end of a long epoch. May be empty.
  std::function<bool(double fraction_done)> on_step;
  // Take a resume state after every epoch but the last (into
  // TfNasProgress::resume_state).
  bool save_resume_state = false;
  // An earlier run's resume state (TfNasProgress::resume_state, of a search
  // with the same data, options and seed): the search goes on after the
  // epochs it holds, and on the CPU ends bit-equal to a run that was not
  // interrupted (on_epoch is called for the later epochs only). Empty: from
  // scratch.
  std::string resume_state;
};

struct TfNasOutcome {
  TfNasSpace space;                  // The space searched (sizes from the data).
  TfNasGenome genome;                // ValidateGenomeInSpace OK; predicted_ms <= target_ms.
  double predicted_ms = 0;           // By the table.
  double plain_predicted_ms = 0;     // Of the argmax derivation before repair.
  std::vector<std::string> repairs;  // See MeetLatencyTarget; empty when none was needed.
  double measured_ms = 0;            // Median of the plain network on options.device.
  // torch::save of the final architecture parameters on CPU: every layer's
  // log_alphas (stage by stage, [ops] each, op order of SpaceOps), then every
  // stage's betas ([max_layers]); torch::load into std::vector<torch::Tensor>.
  std::string arch_bytes;
  double train_accuracy = 0, valid_accuracy = 0;  // Of the last epoch.
  double train_loss = 0, valid_loss = 0;
  double seconds = 0;
};

// Splits data.train in two halves (weights, architecture), builds the
// supernet from options.seed and draws its samples from a generator of its
// own continuing that seed's stream (default_generator.h), so other slots'
// draws change nothing. Per step: a weight step on the sum of
// the losses of the two bi-sampled paths (SGD, momentum, clipped; the batch
// augmented as options.augmentation says); after
// warm-up, every arch_step_every steps an Adam step on an architecture batch
// of cross-entropy of the mixture + latency loss. After each post-warm-up
// epoch the argmax architecture's widths are fitted to the target
// (FitWidths) and its ops' masks follow.
//
// Never throws. Errors: INVALID_ARGUMENT bad options (named; a resume_state
// that is not one of this search's as "tfnas_search.resume_state: ...") or data,
// non-finite loss; NOT_FOUND the table lacks a block of the space;
// FAILED_PRECONDITION (before training) the target is below the minimum
// achievable latency, naming both; CANCELLED on_epoch or on_step
// returned false;
// RESOURCE_EXHAUSTED out of memory; INTERNAL other LibTorch errors.
absl::StatusOr<TfNasOutcome> RunTfNasSearch(const TrainValidationSplit& data,
                                            const TfNasSearchOptions& options);

}  // namespace nas

#endif  // NAS_WORKER_TFNAS_SEARCH_H_
