// Early stopping's storage (SearchSpec.early_stopping), inside the caller's
// transaction: the decision at a heartbeat that carries an epoch, kept per
// attempt so that every later heartbeat of the attempt (and a retried one)
// gets the same answer, and its copy onto the individual when the attempt's
// result is recorded. The rule itself is controller/search/early_stopping.
// Internal to controller/store.
#ifndef NAS_CONTROLLER_STORE_EARLY_STOPPING_H_
#define NAS_CONTROLLER_STORE_EARLY_STOPPING_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "pqxx/pqxx"
#include "proto/search.pb.h"

namespace nas {

// Why the attempt must stop, or nothing. An attempt already stopped keeps
// its reason. Otherwise, when `epoch` is set (already recorded in
// job_epochs), the job is a TRAIN_CANDIDATE of a search with early stopping
// and the epoch has a valid_accuracy metric, the rule compares it with the
// valid_accuracy that the search's earlier-born candidates reported at the
// same epoch (each one's latest attempt that reported it); a stop is
// recorded on the attempt. The caller holds the job row's lock.
absl::StatusOr<std::optional<std::string>> EarlyStopAnswer(pqxx::work& txn, int64_t job_id,
                                                           int attempt,
                                                           const v1::EpochProgress* epoch);

// Copies the attempt's stop, if it was stopped, onto the individual it
// evaluated. Call after the attempt's result is recorded.
void RecordStopOnIndividual(pqxx::work& txn, int64_t job_id, int attempt, int64_t individual_id);

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_EARLY_STOPPING_H_
