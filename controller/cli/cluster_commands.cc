#include "controller/cli/cluster_commands.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "controller/cli/csv_tables.h"
#include "controller/cli/read_commands.h"
#include "controller/cli/text_output.h"

namespace nas {
namespace {

// The controller's error, saying so when it predates the RPC.
absl::Status CallStatus(const grpc::Status& status, const char* rpc) {
  absl::Status s = FromGrpcStatus(status);
  if (absl::IsUnimplemented(s)) {
    return absl::UnimplementedError(
        absl::StrCat(rpc, ": this controller does not serve it (it is older than this nasctl)"));
  }
  return s;
}

// Every line after the first `*seen`, page by page; advances `*seen`.
absl::StatusOr<v1::ListJobLogsResponse> FetchNewLines(const CommandEnv& env,
                                                      const LogsOptions& options, int* seen) {
  v1::ListJobLogsResponse all;
  while (true) {
    v1::ListJobLogsRequest req;
    req.set_search_id(options.search_id);
    req.set_individual_id(options.individual_id);
    req.set_skip(*seen);
    v1::ListJobLogsResponse page;
    auto c = env.Context();
    RETURN_IF_ERROR(CallStatus(env.stub->ListJobLogs(c.get(), req, &page), "ListJobLogs"));
    if (page.lines().empty()) return all;
    *seen += page.lines_size();
    for (auto& line : *page.mutable_lines()) *all.add_lines() = std::move(line);
  }
}

}  // namespace

absl::Status WorkersCommand(const CommandEnv& env, int seen_within_seconds) {
  v1::ListWorkersRequest req;
  req.set_seen_within_seconds(seen_within_seconds);
  v1::ListWorkersResponse resp;
  auto c = env.Context();
  RETURN_IF_ERROR(CallStatus(env.stub->ListWorkers(c.get(), req, &resp), "ListWorkers"));
  return Print(
      env, resp, [&] { return WorkersCsv(resp.workers()); },
      [&] { return WorkersText(resp.workers(), absl::Now()); });
}

absl::Status LogsCommand(const CommandEnv& env, const LogsOptions& options) {
  v1::ListJobLogsResponse all;  // JSON prints them together at the end.
  int seen = 0;
  bool header_printed = false;
  while (true) {
    // The state first: lines logged before the search ended are then
    // certain to be in the fetch that follows.
    bool running = false;
    if (options.follow) {
      ASSIGN_OR_RETURN(v1::Search search, FetchSearch(env, options.search_id));
      running = search.state() == v1::SEARCH_RUNNING;
    }
    ASSIGN_OR_RETURN(v1::ListJobLogsResponse fresh, FetchNewLines(env, options, &seen));
    switch (env.format) {
      case OutputFormat::kJson:
        for (auto& line : *fresh.mutable_lines()) *all.add_lines() = std::move(line);
        break;
      case OutputFormat::kCsv:
        if (!header_printed || !fresh.lines().empty()) {
          *env.out << JobLogsCsv(fresh.lines(), !header_printed) << std::flush;
          header_printed = true;
        }
        break;
      case OutputFormat::kText:
        for (const auto& line : fresh.lines()) *env.out << JobLogLineText(line) << "\n";
        env.out->flush();
        break;
    }
    if (!running) break;
    absl::SleepFor(env.poll);
  }
  if (env.format == OutputFormat::kJson) {
    return Print(
        env, all, [] { return std::string(); }, [] { return std::string(); });
  }
  if (env.format == OutputFormat::kText && seen == 0) {
    *env.out << "no log lines for search " << options.search_id
             << (options.individual_id ? absl::StrCat(", individual ", options.individual_id) : "")
             << "\n";
  }
  return absl::OkStatus();
}

}  // namespace nas
