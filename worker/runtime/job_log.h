// The log of one running job: the lines its code writes (the start, each
// epoch's summary, the failure reason), printed on the worker's stderr at
// once and kept until the job's next heartbeat or its report takes them to
// the controller (HeartbeatRequest.log_lines, ReportResultRequest.log_lines;
// read back with SearchService.ListJobLogs). Each slot's job has its own.
#ifndef NAS_WORKER_RUNTIME_JOB_LOG_H_
#define NAS_WORKER_RUNTIME_JOB_LOG_H_

#include <cstdint>
#include <deque>
#include <ostream>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace nas {

// Thread-safe: the job's thread writes while the heartbeat thread takes.
class JobLog {
 public:
  // Lines waiting to be sent; past this the oldest waiting line is dropped
  // (and counted), so that one Take always fits one request together with
  // its note of the dropped (kMaxLogLinesPerRequest, common/rpc/log_lines.h).
  static const int kMaxPendingLines;

  // Each line is printed on `err` (not owned; may be null) as
  // "<prefix>: <line>", e.g. "w1 slot 0: job 12 attempt 1: epoch 2/5: ...".
  explicit JobLog(std::string prefix, std::ostream* err);

  // Prints `line` and keeps it, cleaned (CleanLogLine: one line, valid
  // UTF-8, at most kMaxLogLineBytes).
  void Add(absl::string_view line);

  // The waiting lines, oldest first, and no longer waiting: at most
  // kMaxLogLinesPerRequest, the first of them a note saying how many lines
  // were dropped since the last Take if any were.
  std::vector<std::string> Take();

 private:
  const std::string prefix_;
  std::ostream* const err_;
  absl::Mutex mu_;
  std::deque<std::string> pending_ ABSL_GUARDED_BY(mu_);
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace nas

#endif  // NAS_WORKER_RUNTIME_JOB_LOG_H_
