// The job runners a worker binary can run, keyed by job kind. Each runner
// registers itself from its own .cc with a JobRunnerRegistrar; the binary
// links them in through one deps list (//worker:all_runners), so a new job
// kind is a new folder and one line there, and nas_worker names no kind.
#ifndef NAS_WORKER_RUNTIME_JOB_RUNNER_REGISTRY_H_
#define NAS_WORKER_RUNTIME_JOB_RUNNER_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "proto/worker_service.pb.h"
#include "worker/runtime/job_runner.h"

namespace nas {

class ControllerClient;
class DatasetCache;

// What the worker process lends its runners. The pointers outlive every
// runner made from them.
struct JobRunnerContext {
  // The resolved device (torch::Device::str(), e.g. "cpu" or "cuda:0"): kept
  // as text so that runners without LibTorch (table lookup) need none.
  std::string device = "cpu";
  DatasetCache* datasets = nullptr;
  ControllerClient* client = nullptr;
};

using JobRunnerFactory = std::function<std::unique_ptr<JobRunner>(const JobRunnerContext&)>;

struct JobRunnerRegistration {
  v1::JobKind kind = v1::JOB_KIND_UNSPECIFIED;
  std::string name;         // In --job_kinds, e.g. "train_candidate".
  std::string description;  // One line, for --list_job_kinds and --help.
  JobRunnerFactory factory;
};

using JobRunners = std::map<v1::JobKind, std::unique_ptr<JobRunner>>;

// Thread-safe.
class JobRunnerRegistry {
 public:
  // The registry JobRunnerRegistrar fills; complete once main() starts.
  static JobRunnerRegistry& Global();

  // ALREADY_EXISTS if the kind or the name is registered already;
  // INVALID_ARGUMENT for an unspecified kind, an empty name or no factory.
  absl::Status Register(JobRunnerRegistration registration);

  // Every registration, in job kind order.
  std::vector<JobRunnerRegistration> List() const;

  // The registered names in job kind order, joined by ", ".
  std::string Names() const;

  // One line per kind, "  name  description".
  std::string Describe() const;

  // A runner of each kind `job_kinds` names (comma-separated; "all" = every
  // registered kind), made with `context`. INVALID_ARGUMENT naming the
  // registered kinds for an unknown name, or if no kind is named.
  absl::StatusOr<JobRunners> Make(absl::string_view job_kinds,
                                  const JobRunnerContext& context) const;

 private:
  mutable absl::Mutex mu_;
  std::map<v1::JobKind, JobRunnerRegistration> by_kind_ ABSL_GUARDED_BY(mu_);
};

// Registers a runner with JobRunnerRegistry::Global() when constructed; a
// runner's .cc defines one at namespace scope:
//   const JobRunnerRegistrar kRegistrar({v1::TABLE_LOOKUP, "table_lookup",
//                                        "fitness from a lookup table", Factory});
// and its cc_library sets alwayslink = 1 so the linker keeps it. A clash
// with an earlier registration is a build mistake: it aborts the program.
class JobRunnerRegistrar {
 public:
  explicit JobRunnerRegistrar(JobRunnerRegistration registration);
};

}  // namespace nas

#endif  // NAS_WORKER_RUNTIME_JOB_RUNNER_REGISTRY_H_
