#include "tests/testing/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace nas::testing {

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, std::string log_path)
    : log_path_(std::move(log_path)) {
  // Everything the child needs is built before fork(): in a multithreaded
  // parent (gRPC's threads) the child may only make async-signal-safe calls.
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const char* log = log_path_.c_str();
  pid_ = fork();
  if (pid_ == 0) {
    const int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execv(args[0], args.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (running()) Kill();
}

bool ChildProcess::running() {
  if (pid_ <= 0 || exit_status_ != -1) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_status_ = status;
    return false;
  }
  return r == 0;
}

void ChildProcess::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, &exit_status_, 0);
}

int ChildProcess::Stop(int grace_ms) {
  if (!running()) return exit_status_;
  kill(pid_, SIGTERM);
  for (int waited = 0; waited < grace_ms; waited += 20) {
    if (!running()) return exit_status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill();
  return exit_status_;
}

std::string ChildProcess::DescribeExit() {
  if (running()) return "still running";
  if (exit_status_ == -1) return "never started";
  if (WIFEXITED(exit_status_)) {
    const int code = WEXITSTATUS(exit_status_);
    return "exited with status " + std::to_string(code) +
           (code == 127 ? " (could not be executed)" : "");
  }
  if (WIFSIGNALED(exit_status_))
    return "killed by signal " + std::to_string(WTERMSIG(exit_status_));
  return "ended with wait status " + std::to_string(exit_status_);
}

std::string ChildProcess::Log() const { return ReadAll(log_path_); }

std::string ChildProcess::LogTail(size_t max_bytes) const {
  const std::string log = Log();
  if (log.size() <= max_bytes) return log;
  return "[...]" + log.substr(log.size() - max_bytes);
}

std::string RunfilePath(const std::string& workspace_relative) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr) return workspace_relative;
  return std::string(srcdir) + "/" + (workspace ? workspace : "nas") + "/" + workspace_relative;
}

std::string WaitForFile(const std::string& path, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    const std::string content = ReadAll(path);
    const size_t newline = content.find('\n');
    if (newline != std::string::npos && newline > 0) return content.substr(0, newline);
    if (std::chrono::steady_clock::now() >= deadline) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string WaitForFileContaining(const std::string& path, const std::string& needle,
                                  int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    const std::string content = ReadAll(path);
    if (content.find(needle) != std::string::npos || std::chrono::steady_clock::now() >= deadline) {
      return content;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    result.output = "cannot run: " + command;
    return result;
  }
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace nas::testing
