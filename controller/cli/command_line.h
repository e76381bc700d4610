// nasctl's commands: their names, arguments and one-line help, the usage text
// built from them (--help, and the error for a wrong command), and the
// parsing of the words after the flags into a command and its argument.
#ifndef NAS_CONTROLLER_CLI_COMMAND_LINE_H_
#define NAS_CONTROLLER_CLI_COMMAND_LINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/cli/output_format.h"

namespace nas {

enum class ArgumentKind { kNone, kSpecPath, kSearchId, kIndividualId };

struct CommandInfo {
  std::string name;
  ArgumentKind argument;
  std::string synopsis;  // The arguments and flags after the name.
  std::string help;
  bool takes_format;  // Prints with --format (text, json, csv).
};

// Every command, in the order the usage lists them.
const std::vector<CommandInfo>& Commands();

// "usage: nasctl [FLAGS] COMMAND ...", one line per command with its
// arguments and help, then the common flags.
std::string UsageText();

struct Invocation {
  const CommandInfo* command = nullptr;
  std::string path;  // kSpecPath.
  int64_t id = 0;    // kSearchId, kIndividualId.
};

// `words` are the arguments left after the flags (argv[0] excluded).
// INVALID_ARGUMENT, a usage error, for no command, an unknown one (the
// message lists every command), a wrong number of arguments, an id that is
// not a positive integer, or a --format other than text for a command that
// prints only text.
absl::StatusOr<Invocation> ParseInvocation(const std::vector<std::string>& words,
                                           OutputFormat format);

}  // namespace nas

#endif  // NAS_CONTROLLER_CLI_COMMAND_LINE_H_
