// TF-NAS (Hu et al. 2020) as a strategy: a MEASURE_LATENCY job times every
// block of the space on a worker's device (unless the spec names a table
// file), then one TFNAS_SEARCH job trains the supernet under the latency
// target and derives an architecture that meets it by the table.
#ifndef NAS_CONTROLLER_SEARCH_TFNAS_TFNAS_STRATEGY_H_
#define NAS_CONTROLLER_SEARCH_TFNAS_TFNAS_STRATEGY_H_

#include <string>

#include "absl/status/status.h"
#include "controller/search/strategy.h"
#include "proto/search.pb.h"

namespace nas {

// `tfnas` with zero fields set to their defaults (see search.proto).
v1::TfNasSearch FillTfNasDefaults(v1::TfNasSearch tfnas);

// INVALID_ARGUMENT naming the field and the rule when `spec` (defaults
// filled) cannot run.
absl::Status ValidateTfNasSpec(const v1::SearchSpec& spec);

// One line, e.g. "TF-NAS, target 2.5 ms, 20 epochs".
std::string DescribeTfNas(const v1::TfNasSearch& tfnas);

class TfNasStrategy : public Strategy {
 public:
  explicit TfNasStrategy(v1::TfNasSearch tfnas) : tfnas_(std::move(tfnas)) {}

  // The measurement (unless a table file is given), then the search, then
  // the retrain if asked for.
  static int Budget(const v1::TfNasSearch& tfnas) {
    return (tfnas.latency_table_path().empty() ? 2 : 1) + (tfnas.retrain() ? 1 : 0);
  }

  int InitialJobs() const override { return 1; }
  int PopulationLimit() const override { return 0; }
  bool NeedsHistory() const override { return true; }
  bool Finished(const SearchView& view) const override;
  absl::StatusOr<std::optional<Proposal>> Propose(const SearchView& view, const SearchSpace& space,
                                                  SeededRandom& rng) const override;

 private:
  const v1::TfNasSearch tfnas_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_TFNAS_TFNAS_STRATEGY_H_
