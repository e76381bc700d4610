// What a lease carries of its search's spec: one payload per job kind
// (v1::Job.payload), only what that kind's runner reads. The kinds that
// evaluate proposed candidates (TRAIN_CANDIDATE, TRAIN_MORPHED, TABLE_LOOKUP)
// have a default here; a strategy fills its own kinds, or adds to a default,
// through its registration's fill_payload (strategy_registry.h).
#ifndef NAS_CONTROLLER_SEARCH_JOB_PAYLOAD_H_
#define NAS_CONTROLLER_SEARCH_JOB_PAYLOAD_H_

#include <string>

#include "absl/status/status.h"
#include "proto/search.pb.h"
#include "proto/worker_service.pb.h"

namespace nas {

// The split every training job of `spec` draws: the spec's dataset, with the
// search's seed (not the job's), so that all of a search's individuals are
// validated on the same examples.
v1::DataSplit DataSplitForSpec(const v1::SearchSpec& spec);

// The default payload of TRAIN_CANDIDATE and TRAIN_MORPHED jobs: the space,
// the training recipe and the split; no SGDR schedule.
v1::TrainPayload TrainPayloadForSpec(const v1::SearchSpec& spec);

// Sets `job`'s payload for a job of `kind` of the search with the normalized
// (stored) spec `normalized`: the strategy's fill_payload when it takes the
// kind, else the default for the candidate kinds. INVALID_ARGUMENT when the
// spec's strategy is not registered in this binary, FAILED_PRECONDITION when
// nothing fills `kind`; `job`'s payload is then unset.
absl::Status FillJobPayload(const v1::SearchSpec& normalized, v1::JobKind kind, v1::Job* job);

// Sets DataSplit.expected_fingerprint of `job`'s payload, whichever kind
// carries a split (train, supernet, tfnas with data), to the fingerprint the
// search recorded; nothing when `fingerprint` is empty (none recorded yet).
void SetExpectedFingerprint(const std::string& fingerprint, v1::Job* job);

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_JOB_PAYLOAD_H_
