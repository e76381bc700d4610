#include "controller/cli/command_line.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace nas {

const std::vector<CommandInfo>& Commands() {
  static const auto* commands = new std::vector<CommandInfo>{
      {"submit", ArgumentKind::kSpecPath, "SPEC.textproto [--watch] [--request_id=ID]",
       "create a search from a text-format SearchSpec; retried with the same request id when the "
       "answer is lost, so it never creates two; --watch then watches it",
       false},
      {"watch", ArgumentKind::kSearchId, "SEARCH_ID",
       "live progress line (and each supernet epoch) until the search ends, then the best", false},
      {"get", ArgumentKind::kSearchId, "SEARCH_ID",
       "progress, what the search is for (TF-NAS: latency target and latencies) and its spec",
       true},
      {"list", ArgumentKind::kNone, "", "every search, newest first", true},
      {"best", ArgumentKind::kSearchId, "SEARCH_ID",
       "the best individual: fitness, parameters, genome (TF-NAS: latencies)", true},
      {"individuals", ArgumentKind::kSearchId, "SEARCH_ID",
       "every individual in birth order (csv: one column per metric)", true},
      {"front", ArgumentKind::kSearchId, "SEARCH_ID",
       "the Pareto front: evaluated individuals no other dominates by the search's objectives, "
       "one column per objective",
       true},
      {"lineage", ArgumentKind::kIndividualId, "INDIVIDUAL_ID",
       "an individual and its ancestors, child first", true},
      {"epochs", ArgumentKind::kSearchId, "SEARCH_ID",
       "every epoch a supernet or TF-NAS search reported", true},
      {"workers", ArgumentKind::kNone, "[--seen_within_seconds=N]",
       "workers heard from: device, slots, the jobs they run with progress, last heartbeat", true},
      {"logs", ArgumentKind::kSearchId, "SEARCH_ID [--individual=ID] [--follow]",
       "log lines workers sent for the search's jobs; --follow polls until the search ends", true},
      {"cancel", ArgumentKind::kSearchId, "SEARCH_ID", "cancel a search", true},
      {"extend", ArgumentKind::kSearchId, "SEARCH_ID --budget=N",
       "raise a search's budget to N evaluations; a finished search runs on", true},
      {"resume", ArgumentKind::kSearchId, "SEARCH_ID",
       "run a cancelled search again from where it stopped", true},
      {"retry", ArgumentKind::kIndividualId, "INDIVIDUAL_ID",
       "evaluate a failed individual again, with fresh attempts", true},
      {"plot", ArgumentKind::kSearchId, "SEARCH_ID [--out=fitness.svg]",
       "fitness per evaluation and best so far, as SVG", false},
      {"export", ArgumentKind::kNone, "--search=SEARCH_ID [--individual=ID] --out=model.pt",
       "the best (or the named) individual's trained network as TorchScript", false},
  };
  return *commands;
}

std::string UsageText() {
  std::string out = "usage: nasctl [--controller=HOST:PORT] [--format=text|json|csv] COMMAND ...\n";
  for (const CommandInfo& c : Commands()) {
    absl::StrAppend(&out, "  nasctl ", c.name, c.synopsis.empty() ? "" : " ", c.synopsis, "\n",
                    "      ", c.help, "\n");
  }
  std::vector<std::string> formatted;
  for (const CommandInfo& c : Commands()) {
    if (c.takes_format) formatted.push_back(c.name);
  }
  absl::StrAppend(&out, "--format=json (protobuf's JSON mapping of the answer) and --format=csv ",
                  "apply to ", absl::StrJoin(formatted, ", "), ".\n");
  return out;
}

namespace {

std::string CommandNames() {
  std::vector<std::string> names;
  for (const CommandInfo& c : Commands()) names.push_back(c.name);
  return absl::StrJoin(names, ", ");
}

}  // namespace

absl::StatusOr<Invocation> ParseInvocation(const std::vector<std::string>& words,
                                           OutputFormat format) {
  if (words.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no command; commands: ", CommandNames(), " (nasctl --help says more)"));
  }
  Invocation invocation;
  for (const CommandInfo& c : Commands()) {
    if (c.name == words[0]) invocation.command = &c;
  }
  if (invocation.command == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown command '", words[0], "'; commands: ",
                                                   CommandNames(), " (nasctl --help says more)"));
  }
  const CommandInfo& c = *invocation.command;
  const size_t wanted = c.argument == ArgumentKind::kNone ? 1 : 2;
  if (words.size() != wanted) {
    return absl::InvalidArgumentError(absl::StrCat(
        c.name, " takes ", wanted == 1 ? "no argument" : "one argument", ", not ", words.size() - 1,
        ": nasctl ", c.name, c.synopsis.empty() ? "" : " ", c.synopsis));
  }
  if (format != OutputFormat::kText && !c.takes_format) {
    return absl::InvalidArgumentError(
        absl::StrCat("--format: ", c.name, " prints text only; json and csv are for the read ",
                     "commands (nasctl --help lists them)"));
  }
  if (c.argument == ArgumentKind::kSpecPath) invocation.path = words[1];
  if (c.argument == ArgumentKind::kSearchId || c.argument == ArgumentKind::kIndividualId) {
    const char* what = c.argument == ArgumentKind::kSearchId ? "SEARCH_ID" : "INDIVIDUAL_ID";
    if (!absl::SimpleAtoi(words[1], &invocation.id) || invocation.id <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": '", words[1], "' is not a positive integer"));
    }
  }
  return invocation;
}

}  // namespace nas
