// A controller and workers as real processes on loopback, over a fresh test
// database: the service as a user runs it, for cross-process tests.
#ifndef NAS_TESTS_TESTING_LOCAL_CLUSTER_H_
#define NAS_TESTS_TESTING_LOCAL_CLUSTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/search_service.grpc.pb.h"
#include "tests/testing/child_process.h"
#include "tests/testing/test_database.h"

namespace nas::testing {

// A loopback port that was free a moment ago, for a process that cannot
// report the port it bound (the controller's and the worker's metrics
// endpoints, Prometheus). It lies below the kernel's ephemeral range, so no
// port-0 bind or outgoing connection is handed it meanwhile; another process
// may still take it, and the one it was meant for then fails to start.
// Controllers need none: they bind port 0 and write the port to a file.
int FreePort();

class LocalCluster {
 public:
  explicit LocalCluster(std::string name);
  // On the PostgreSQL server `admin_dsn` names instead of the shared test server.
  LocalCluster(std::string name, std::string admin_dsn);
  ~LocalCluster();

  // Starts a controller on a port the kernel picks and waits until it serves
  // (it writes the port to a file once bound). Controllers are numbered 0, 1,
  // ... in the order they were started. An error naming how the process
  // ended and the tail of its log if it exits or does not serve within 60 s.
  absl::Status StartController(std::vector<std::string> extra_flags = {});
  // Kills controller `i` and starts it again on its old port (workers know it
  // by that address); waits until it serves, as StartController.
  absl::Status RestartController(int i);
  // Starts a worker against controller `controller_index`, with id `worker_id`.
  // Returns its index.
  int StartWorker(const std::string& worker_id, int controller_index = 0,
                  std::vector<std::string> extra_flags = {});
  // A worker that fails over between all controllers started so far.
  int StartWorkerOnAllControllers(const std::string& worker_id,
                                  std::vector<std::string> extra_flags = {});

  ChildProcess& controller(int i) { return *controllers_[i]; }
  ChildProcess& worker(int i) { return *workers_[i]; }
  // Replaces worker `i` (e.g. after it was killed) with a fresh process.
  void RestartWorker(int i);
  // The same under a new worker id, as a preempted worker comes back (a new
  // pod, a new host name): the new process holds none of the old one's leases.
  void RestartWorker(int i, const std::string& new_worker_id);
  // The index of the controller worker `i` holds a connection to (the one it
  // is using), or -1 if none.
  int ControllerUsedBy(int worker_index);
  std::string controller_address(int i) const;
  const std::string& dsn() const { return db_.dsn(); }

  // A stub for controller `i`.
  std::unique_ptr<v1::SearchService::Stub> SearchStub(int i = 0) const;
  // The bytes of a checkpoint, streamed from controller i.
  absl::StatusOr<std::string> DownloadCheckpoint(const std::string& digest, int i = 0) const;

  // Creates a search through controller `i`; returns its id, or the
  // controller's refusal (e.g. INVALID_ARGUMENT naming the field).
  absl::StatusOr<int64_t> CreateSearch(const v1::SearchSpec& spec, int i = 0) const;

  // Polls GetSearch until the search leaves RUNNING or `timeout` passes.
  absl::StatusOr<v1::Search> WaitForSearch(int64_t search_id, absl::Duration timeout,
                                           int controller_index = 0) const;

  // All process logs, for failure messages.
  std::string Logs();

 private:
  std::string name_;
  std::string dir_;
  TestDatabase db_;
  std::vector<std::unique_ptr<ChildProcess>> controllers_;
  std::vector<int> ports_;
  std::vector<std::vector<std::string>> controller_flags_;
  std::vector<std::unique_ptr<ChildProcess>> workers_;
  std::vector<std::vector<std::string>> worker_argv_;
  std::vector<std::string> worker_logs_;
  // Starts controller `index` listening on `port` (0: any) and waits until it
  // serves; records the port it bound.
  absl::Status LaunchController(int index, int port);
  int StartWorkerAt(const std::string& worker_id, const std::string& controllers,
                    std::vector<std::string> extra_flags);
};

}  // namespace nas::testing

#endif  // NAS_TESTS_TESTING_LOCAL_CLUSTER_H_
