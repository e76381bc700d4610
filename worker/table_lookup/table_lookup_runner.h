// Runs TABLE_LOOKUP jobs: the fitness of a cell is its value in the table
// the job's table_lookup payload names. Tables are loaded once per (file,
// columns) and kept.
#ifndef NAS_WORKER_TABLE_LOOKUP_TABLE_LOOKUP_RUNNER_H_
#define NAS_WORKER_TABLE_LOOKUP_TABLE_LOOKUP_RUNNER_H_

#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "absl/synchronization/mutex.h"
#include "worker/runtime/job_runner.h"
#include "worker/table_lookup/lookup_table.h"

namespace nas {

class TableLookupRunner : public JobRunner {
 public:
  absl::StatusOr<v1::EvaluationResult> Run(const v1::Job& job,
                                           const ProgressFn& progress) override;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;
  absl::StatusOr<const LookupTable*> Table(const v1::TableLookup& spec);

  absl::Mutex mu_;
  std::map<Key, std::unique_ptr<LookupTable>> tables_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nas

#endif  // NAS_WORKER_TABLE_LOOKUP_TABLE_LOOKUP_RUNNER_H_
