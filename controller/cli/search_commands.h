// nasctl's commands that change or follow a search: submit, watch, cancel.
#ifndef NAS_CONTROLLER_CLI_SEARCH_COMMANDS_H_
#define NAS_CONTROLLER_CLI_SEARCH_COMMANDS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "controller/cli/command_env.h"

namespace nas {

struct SubmitOptions {
  std::string spec_path;   // A text-format nas.v1.SearchSpec.
  std::string request_id;  // Empty = a fresh random one.
  bool watch = false;      // Then watch the search until it ends.
};

// Creates the search and prints "created search N". The request is retried
// (3 attempts) with the same request id when the answer is lost
// (UNAVAILABLE, DEADLINE_EXCEEDED), so it never creates two searches; giving
// up names the request id to rerun with. NOT_FOUND / INVALID_ARGUMENT for a
// spec file that cannot be read or parsed.
absl::Status SubmitCommand(const CommandEnv& env, const SubmitOptions& options);

// A live progress line (redrawn on a terminal, a new line on change or every
// 30 s otherwise) and each supernet epoch as it is reported, until the search
// ends; then the best architecture if it succeeded.
absl::Status WatchCommand(const CommandEnv& env, int64_t search_id);

// Cancels the search and prints its progress line (JSON / CSV: the Search).
absl::Status CancelCommand(const CommandEnv& env, int64_t search_id);
// ExtendSearch, ResumeSearch, RetryIndividual; each prints what it answers.
absl::Status ExtendCommand(const CommandEnv& env, int64_t search_id, int budget);
absl::Status ResumeCommand(const CommandEnv& env, int64_t search_id);
absl::Status RetryCommand(const CommandEnv& env, int64_t individual_id);

}  // namespace nas

#endif  // NAS_CONTROLLER_CLI_SEARCH_COMMANDS_H_
