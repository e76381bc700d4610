#include "worker/runtime/job_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/rpc/log_lines.h"

namespace nas {

const int JobLog::kMaxPendingLines = kMaxLogLinesPerRequest - 1;

JobLog::JobLog(std::string prefix, std::ostream* err) : prefix_(std::move(prefix)), err_(err) {}

void JobLog::Add(absl::string_view line) {
  std::string clean = CleanLogLine(line);
  absl::MutexLock lock(&mu_);
  // Printed under the lock: lines of one job reach stderr in their order.
  if (err_ != nullptr) *err_ << prefix_ << ": " << clean << std::endl;
  if (static_cast<int>(pending_.size()) == kMaxPendingLines) {
    // Heartbeats fell behind: keep the newest lines, which say how it ends.
    pending_.pop_front();
    ++dropped_;
  }
  pending_.push_back(std::move(clean));
}

std::vector<std::string> JobLog::Take() {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  out.reserve(pending_.size() + 1);
  if (dropped_ > 0) {
    out.push_back(absl::StrCat("[", dropped_, " line(s) dropped on the worker: more than ",
                               kMaxPendingLines, " waited for one heartbeat]"));
    dropped_ = 0;
  }
  for (std::string& line : pending_) out.push_back(std::move(line));
  pending_.clear();
  return out;
}

}  // namespace nas
