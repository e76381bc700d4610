// nasctl's views of the workers and their jobs: `workers` (ListWorkers) and
// `logs` (ListJobLogs).
#ifndef NAS_CONTROLLER_CLI_CLUSTER_COMMANDS_H_
#define NAS_CONTROLLER_CLI_CLUSTER_COMMANDS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "controller/cli/command_env.h"

namespace nas {

// The workers heard from within `seen_within_seconds` (0 = the controller's
// default, a day): id, host, device and model, slots, the jobs each holds
// with their progress, and how long ago each was last heard from.
absl::Status WorkersCommand(const CommandEnv& env, int seen_within_seconds);

struct LogsOptions {
  int64_t search_id = 0;
  int64_t individual_id = 0;  // 0 = every job of the search.
  // Keep polling (every env.poll) for new lines until the search ends, then
  // print the last ones and return.
  bool follow = false;
};

// The log lines workers sent for the search's jobs, oldest first, every page
// (ListJobLogs answers at most 1000 lines a call; `skip` pages on). Text:
// one line each; CSV: csv_tables.h, rows appended as they come with
// --follow; JSON: one ListJobLogsResponse of every line, printed at the end.
absl::Status LogsCommand(const CommandEnv& env, const LogsOptions& options);

}  // namespace nas

#endif  // NAS_CONTROLLER_CLI_CLUSTER_COMMANDS_H_
