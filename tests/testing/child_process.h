// Starts a program as a child process for cross-process tests, with its
// output going to a log file, and stops or kills it.
#ifndef NAS_TESTS_TESTING_CHILD_PROCESS_H_
#define NAS_TESTS_TESTING_CHILD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace nas::testing {

class ChildProcess {
 public:
  // Starts `argv[0]` with `argv`; stdout and stderr go to `log_path`.
  ChildProcess(std::vector<std::string> argv, std::string log_path);
  // Kills the process if it still runs.
  ~ChildProcess();

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // SIGKILL and reap: a crash, as far as the process can tell.
  void Kill();
  // SIGTERM, then SIGKILL after `grace_ms`. Returns the exit status.
  int Stop(int grace_ms = 5000);
  // The log so far.
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  int exit_status_ = -1;
  std::string log_path_;
};

// Absolute path of a binary built by Bazel and listed in the test's `data`,
// e.g. RunfilePath("controller/nas_controller").
std::string RunfilePath(const std::string& workspace_relative);

struct CommandResult {
  int exit_status = -1;
  std::string output;  // stdout and stderr.
};

// Runs `command` with /bin/sh and waits for it.
CommandResult RunCommand(const std::string& command);

// Waits until `path` exists with content; returns it ("" on timeout).
std::string WaitForFile(const std::string& path, int timeout_ms);

}  // namespace nas::testing

#endif  // NAS_TESTS_TESTING_CHILD_PROCESS_H_
