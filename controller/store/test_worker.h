// For the store's tests: the worker that leases and reports their jobs.
#ifndef NAS_CONTROLLER_STORE_TEST_WORKER_H_
#define NAS_CONTROLLER_STORE_TEST_WORKER_H_

#include "proto/worker_service.pb.h"

namespace nas::testing {

// Worker "w1" on the CPU, running TRAIN_CANDIDATE jobs.
inline v1::WorkerInfo TrainCandidateWorker() {
  v1::WorkerInfo w;
  w.set_worker_id("w1");
  w.set_hostname("test");
  w.set_device("cpu");
  w.add_job_kinds(v1::TRAIN_CANDIDATE);
  return w;
}

}  // namespace nas::testing

#endif  // NAS_CONTROLLER_STORE_TEST_WORKER_H_
