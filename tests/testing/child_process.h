// Starts a program as a child process for cross-process tests, with its
// output going to a log file, and stops or kills it.
#ifndef NAS_TESTS_TESTING_CHILD_PROCESS_H_
#define NAS_TESTS_TESTING_CHILD_PROCESS_H_

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

namespace nas::testing {

class ChildProcess {
 public:
  // Starts `argv[0]` with `argv`; stdout and stderr go to `log_path`. A
  // program that cannot be executed exits with status 127.
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
  // How the process ended ("exited with status 1", "killed by signal 9"), or
  // "still running".
  std::string DescribeExit();
  // The log so far.
  std::string Log() const;
  // Its last `max_bytes` bytes, for failure messages.
  std::string LogTail(size_t max_bytes = 4000) const;

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

// Waits until `path` holds a complete first line (one that ends in '\n');
// returns it without the newline, or "" on timeout. A line still being
// written is never returned; writers that replace a file should still write
// PATH.tmp and rename it, as the controller does with --port_file.
std::string WaitForFile(const std::string& path, int timeout_ms);

// Waits until the file at `path` (e.g. a log) contains `needle`. Returns its
// whole content then, or on timeout what it held last (so a failed
// expectation shows it).
std::string WaitForFileContaining(const std::string& path, const std::string& needle,
                                  int timeout_ms);

}  // namespace nas::testing

#endif  // NAS_TESTS_TESTING_CHILD_PROCESS_H_
