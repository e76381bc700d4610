#include "controller/cli/export_tool.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/text_format.h"

extern char** environ;

namespace nas {
namespace {

constexpr char kTool[] = "nas_export";

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::string Directory(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Where this program was started from: its resolved file, and the path it
// was invoked by when that has a directory (a runfiles tree keeps its
// symlinks there, which resolving would leave).
std::vector<std::string> ProgramDirectories() {
  std::vector<std::string> dirs;
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) dirs.push_back(Directory(std::string(exe, n)));
  const std::string invoked = program_invocation_name;
  if (invoked.find('/') != std::string::npos &&
      (dirs.empty() || Directory(invoked) != dirs.front())) {
    dirs.push_back(Directory(invoked));
  }
  return dirs;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Status WriteFile(const std::string& path, absl::string_view bytes) {
  std::ofstream file(path, std::ios::binary);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!file.flush()) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// A fresh directory under $TMPDIR (or /tmp), removed with what it holds.
class TempDir {
 public:
  static absl::StatusOr<TempDir> Create() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp", "/nasctl-export.XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::UnavailableError(
          absl::StrCat("cannot create a temporary directory ", pattern, ": ", strerror(errno)));
    }
    return TempDir(pattern);
  }
  TempDir(TempDir&& other) : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }

  std::string File(absl::string_view name) const { return absl::StrCat(path_, "/", name); }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Runs `argv` with its standard output and error in `stdout_path` and
// `stderr_path`; the raw wait status.
absl::StatusOr<int> Spawn(const std::vector<std::string>& argv, const std::string& stdout_path,
                          const std::string& stderr_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int error = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot run ", argv[0], ": ", strerror(error)));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return absl::InternalError(absl::StrCat("waitpid: ", strerror(errno)));
  }
  return status;
}

}  // namespace

absl::StatusOr<std::string> FindExportTool(const std::string& flag) {
  if (!flag.empty()) {
    if (IsExecutableFile(flag)) return flag;
    return absl::FailedPreconditionError(
        absl::StrCat("--export_tool=", flag, " is not an executable file (it should be ", kTool,
                     ", built by `bazel build //worker/export:nas_export`)"));
  }
  std::vector<std::string> looked;
  for (const std::string& dir : ProgramDirectories()) {
    looked.push_back(absl::StrCat(dir, "/", kTool));
    looked.push_back(absl::StrCat(dir, "/../../worker/export/", kTool));
  }
  const char* path = std::getenv("PATH");
  for (absl::string_view dir :
       absl::StrSplit(path != nullptr ? path : "", ':', absl::SkipEmpty())) {
    looked.push_back(absl::StrCat(dir, "/", kTool));
  }
  for (const std::string& candidate : looked) {
    if (IsExecutableFile(candidate)) return candidate;
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "export needs ", kTool,
      ", the program that writes TorchScript (it links LibTorch, nasctl "
      "does not), and found none beside nasctl, in its Bazel output tree or on PATH; build it "
      "with `bazel build //worker/export:nas_export`, then install it beside nasctl or pass "
      "--export_tool=PATH (looked for: ",
      absl::StrJoin(looked, ", "), ")"));
}

absl::StatusOr<ExportSummary> RunExportTool(const std::string& tool, absl::string_view architecture,
                                            absl::string_view checkpoint, const std::string& out,
                                            const v1::DataDescription* data) {
  absl::StatusOr<TempDir> dir = TempDir::Create();
  if (!dir.ok()) return dir.status();
  const std::string checkpoint_path = dir->File("checkpoint");
  if (absl::Status written = WriteFile(checkpoint_path, checkpoint); !written.ok()) return written;
  std::vector<std::string> argv = {tool, "--checkpoint=" + checkpoint_path,
                                   absl::StrCat("--architecture=", architecture), "--out=" + out};
  if (data != nullptr) {
    const std::string data_path = dir->File("data_description.txt");
    std::string text;
    google::protobuf::TextFormat::PrintToString(*data, &text);
    if (absl::Status written = WriteFile(data_path, text); !written.ok()) return written;
    argv.push_back("--data_description=" + data_path);
  }
  const std::string stdout_path = dir->File("stdout");
  const std::string stderr_path = dir->File("stderr");
  const absl::StatusOr<int> status = Spawn(argv, stdout_path, stderr_path);
  if (!status.ok()) return status.status();
  const std::string errors(absl::StripAsciiWhitespace(ReadAll(stderr_path)));
  if (WIFSIGNALED(*status)) {
    return absl::InternalError(absl::StrCat(tool, " was killed by signal ", WTERMSIG(*status),
                                            errors.empty() ? "" : ": ", errors));
  }
  const int code = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  if (code != 0) {
    const bool known = code >= 1 && code <= static_cast<int>(absl::StatusCode::kUnauthenticated);
    return absl::Status(known ? static_cast<absl::StatusCode>(code) : absl::StatusCode::kUnknown,
                        errors.empty() ? absl::StrCat(tool, " exited with status ", code) : errors);
  }
  return ParseExportSummary(ReadAll(stdout_path));
}

}  // namespace nas
