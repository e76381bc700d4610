// The bounds of job log lines (HeartbeatRequest.log_lines,
// ReportResultRequest.log_lines), shared by the worker that sends them and the
// controller that stores them, and the one way a line is cut to fit.
#ifndef NAS_COMMON_RPC_LOG_LINES_H_
#define NAS_COMMON_RPC_LOG_LINES_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace nas {

// Lines one Heartbeat or ReportResult may carry; more is INVALID_ARGUMENT.
inline constexpr int kMaxLogLinesPerRequest = 200;
// Bytes a stored line keeps; longer lines are cut (not refused).
inline constexpr size_t kMaxLogLineBytes = 1000;
// Lines the controller keeps of one job attempt, in all. Heartbeats may fill
// all but kMaxLogLinesPerRequest + 1 of them: one is for the marker that
// counts the heartbeat lines dropped past that share, and the rest are kept
// for the attempt's report, so that the lines saying why a job failed are
// always stored.
inline constexpr int kMaxLogLinesPerAttempt = 1000;
inline constexpr int kMaxHeartbeatLogLinesPerAttempt =
    kMaxLogLinesPerAttempt - kMaxLogLinesPerRequest - 1;

// `line` as one printable log line of valid UTF-8: line breaks, tabs and
// other control characters (NUL included) become spaces, bytes that are not
// UTF-8 become '?', and a line longer than kMaxLogLineBytes is cut at the last
// character boundary before it.
std::string CleanLogLine(absl::string_view line);

}  // namespace nas

#endif  // NAS_COMMON_RPC_LOG_LINES_H_
