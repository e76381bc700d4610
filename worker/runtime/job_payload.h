// Each job kind's runner reads only its kind's payload (v1::Job.payload);
// this is the one check that the lease carries it.
#ifndef NAS_WORKER_RUNTIME_JOB_PAYLOAD_H_
#define NAS_WORKER_RUNTIME_JOB_PAYLOAD_H_

#include "absl/status/status.h"
#include "proto/worker_service.pb.h"

namespace nas {

// OK when `job` carries the `expected` payload; else INVALID_ARGUMENT naming
// the field, e.g. "job.payload: a TRAIN_CANDIDATE job needs train, got
// table_lookup".
absl::Status CheckJobPayload(const v1::Job& job, v1::Job::PayloadCase expected);

}  // namespace nas

#endif  // NAS_WORKER_RUNTIME_JOB_PAYLOAD_H_
