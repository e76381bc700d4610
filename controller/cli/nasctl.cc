// nasctl: the researcher's command line for nas.v1.SearchService.
//
//   nasctl [--controller=HOST:PORT] [--format=text|json|csv] COMMAND ...
//   nasctl submit SPEC.textproto [--watch] [--request_id=ID]
//                                 retried with the same request id when the
//                                 answer is lost, so never creates two searches
//   nasctl watch SEARCH_ID        live progress line until the search ends (and
//                                 each supernet epoch as it is reported)
//   nasctl get SEARCH_ID          progress, purpose, TF-NAS latencies, spec
//   nasctl list
//   nasctl best SEARCH_ID
//   nasctl individuals SEARCH_ID  (csv: one column per metric)
//   nasctl front SEARCH_ID        the Pareto front by the search's objectives
//   nasctl lineage INDIVIDUAL_ID
//   nasctl epochs SEARCH_ID       every epoch a supernet search reported
//   nasctl workers [--seen_within_seconds=N]
//                                 workers, their slots, jobs and last heartbeat
//   nasctl logs SEARCH_ID [--individual=ID] [--follow]
//                                 the lines workers logged for its jobs
//   nasctl cancel SEARCH_ID
//   nasctl plot SEARCH_ID [--out=fitness.svg]   fitness over time, best so far
//   nasctl export --search=SEARCH_ID [--individual=ID] --out=model.pt
//                                  the best (or the named) individual's trained
//                                  network as TorchScript
//
// --format applies to the read commands (get, list, best, individuals,
// front, lineage, epochs, workers, logs) and cancel: json is protobuf's JSON mapping
// of the answer (every page joined), csv one header line and a row per item.
// The commands live in read_commands, search_commands, cluster_commands and
// export_command; command_line holds their table and the usage text.
//
// Exit status: 0 done, 1 the call failed (the controller's error is printed),
// 2 a usage error (unknown command or --format, wrong arguments).
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "common/rpc/channel.h"
#include "controller/cli/cluster_commands.h"
#include "controller/cli/command_env.h"
#include "controller/cli/command_line.h"
#include "controller/cli/export_command.h"
#include "controller/cli/output_format.h"
#include "controller/cli/read_commands.h"
#include "controller/cli/search_commands.h"
#include "proto/search_service.grpc.pb.h"

ABSL_FLAG(std::string, controller, "127.0.0.1:50051", "controller host:port");
ABSL_FLAG(std::string, format, "text",
          "output of the read commands: text (for people), json (protobuf's JSON mapping of the "
          "answer, every page joined) or csv (a header line, a row per item)");
ABSL_FLAG(bool, watch, false, "with submit: watch the search until it ends");
ABSL_FLAG(std::string, request_id, "",
          "with submit: the request's id (default: a fresh random one); running submit again "
          "with the id it printed returns the search it created instead of creating another");
ABSL_FLAG(int, timeout_seconds, 30, "deadline of each call");
ABSL_FLAG(int, poll_ms, 1000, "with watch and logs --follow: how often to refresh");
ABSL_FLAG(std::string, out, "",
          "with plot: the SVG file to write (default fitness.svg); with export: the TorchScript "
          "file to write");
ABSL_FLAG(int64_t, search, 0, "with export: the search whose best individual is exported");
ABSL_FLAG(int64_t, individual, 0,
          "with export: export this individual instead of the best; with logs: only this "
          "individual's jobs");
ABSL_FLAG(int, budget, 0, "with extend: the search's new total budget");
ABSL_FLAG(bool, follow, false, "with logs: keep polling for new lines until the search ends");
ABSL_FLAG(int, seen_within_seconds, 0,
          "with workers: only those heard from within this many seconds (0: a day)");
ABSL_FLAG(std::string, export_tool, "",
          "with export: the nas_export program, which writes the TorchScript; default: nas_export "
          "beside nasctl, in its Bazel output tree, or on PATH");
ABSL_FLAG(std::string, tls_ca_file, "", "PEM CA of the controller's certificate; enables TLS");
ABSL_FLAG(std::string, token_file, "", "file holding a client bearer token (needs TLS)");
ABSL_FLAG(std::string, tls_server_name, "",
          "name the controller's TLS certificate carries, when --controller does not use it "
          "(kubectl port-forward to localhost, an IP address); needs --tls_ca_file");

namespace nas {
namespace {

absl::Status Run(const CommandEnv& env, const Invocation& invocation) {
  const std::string& name = invocation.command->name;
  const int64_t id = invocation.id;
  if (name == "submit") {
    return SubmitCommand(
        env, {invocation.path, absl::GetFlag(FLAGS_request_id), absl::GetFlag(FLAGS_watch)});
  }
  if (name == "watch") return WatchCommand(env, id);
  if (name == "get") return GetCommand(env, id);
  if (name == "list") return ListCommand(env);
  if (name == "best") return BestCommand(env, id);
  if (name == "individuals") return IndividualsCommand(env, id);
  if (name == "front") return FrontCommand(env, id);
  if (name == "lineage") return LineageCommand(env, id);
  if (name == "epochs") return EpochsCommand(env, id);
  if (name == "workers") return WorkersCommand(env, absl::GetFlag(FLAGS_seen_within_seconds));
  if (name == "logs") {
    return LogsCommand(env, {id, absl::GetFlag(FLAGS_individual), absl::GetFlag(FLAGS_follow)});
  }
  if (name == "cancel") return CancelCommand(env, id);
  if (name == "extend") return ExtendCommand(env, id, absl::GetFlag(FLAGS_budget));
  if (name == "resume") return ResumeCommand(env, id);
  if (name == "retry") return RetryCommand(env, id);
  if (name == "plot") return PlotCommand(env, id, absl::GetFlag(FLAGS_out));
  if (name == "export") {
    ExportOptions options;
    options.search_id = absl::GetFlag(FLAGS_search);
    options.individual_id = absl::GetFlag(FLAGS_individual);
    options.out = absl::GetFlag(FLAGS_out);
    options.export_tool = absl::GetFlag(FLAGS_export_tool);
    options.call_timeout = env.call_timeout;
    return ExportIndividual(*env.stub, options, *env.out);
  }
  return absl::InternalError(absl::StrCat("command '", name, "' has no implementation"));
}

int Fail(const absl::Status& status, int exit_status) {
  std::cerr << "nasctl: " << absl::StatusCodeToString(status.code()) << ": " << status.message()
            << std::endl;
  return exit_status;
}

}  // namespace
}  // namespace nas

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(nas::UsageText());
  const std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  // Usage errors (exit 2) are found before anything is sent.
  auto format = nas::ParseOutputFormat(absl::GetFlag(FLAGS_format));
  if (!format.ok()) return nas::Fail(format.status(), 2);
  auto invocation =
      nas::ParseInvocation(std::vector<std::string>(args.begin() + 1, args.end()), *format);
  if (!invocation.ok()) return nas::Fail(invocation.status(), 2);

  nas::ChannelOptions channel_options;
  channel_options.target = absl::GetFlag(FLAGS_controller);
  channel_options.tls_ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  channel_options.token_file = absl::GetFlag(FLAGS_token_file);
  channel_options.tls_server_name = absl::GetFlag(FLAGS_tls_server_name);
  auto channel = nas::MakeChannel(channel_options);
  if (!channel.ok()) return nas::Fail(channel.status(), 1);
  auto stub = nas::v1::SearchService::NewStub(*channel);
  nas::CommandEnv env;
  env.stub = stub.get();
  env.call_timeout = absl::Seconds(absl::GetFlag(FLAGS_timeout_seconds));
  env.poll = absl::Milliseconds(absl::GetFlag(FLAGS_poll_ms));
  env.format = *format;
  env.out = &std::cout;
  env.err = &std::cerr;
  const absl::Status status = nas::Run(env, *invocation);
  return status.ok() ? 0 : nas::Fail(status, 1);
}
