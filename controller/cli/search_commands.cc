#include "controller/cli/search_commands.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "controller/cli/csv_tables.h"
#include "controller/cli/read_commands.h"
#include "controller/cli/text_output.h"
#include "google/protobuf/text_format.h"

namespace nas {

absl::Status WatchCommand(const CommandEnv& env, int64_t search_id) {
  std::ostream& out = *env.out;
  const bool tty = env.out == &std::cout && isatty(fileno(stdout));
  std::string last;
  absl::Time last_print = absl::InfinitePast();
  int epochs_seen = 0;
  while (true) {
    ASSIGN_OR_RETURN(v1::Search search, FetchSearch(env, search_id));
    ASSIGN_OR_RETURN(v1::ListEpochProgressResponse epochs,
                     FetchEpochs(env, search_id, &epochs_seen));
    for (const auto& e : epochs.epochs()) {
      out << (tty ? "\r\033[K" : "") << EpochLine(e) << std::endl;
      last.clear();  // Reprint the progress line below the epoch.
    }
    const std::string line = ProgressLine(search);
    if (tty) {
      out << "\r\033[K" << line << std::flush;
    } else if (line != last || absl::Now() - last_print > absl::Seconds(30)) {
      out << line << std::endl;
      last_print = absl::Now();
    }
    last = line;
    if (search.state() != v1::SEARCH_RUNNING) {
      if (tty) out << "\n";
      if (search.state() != v1::SEARCH_SUCCEEDED) return absl::OkStatus();
      if (!search.has_best()) return absl::NotFoundError("no evaluated individual yet");
      ASSIGN_OR_RETURN(std::string best, BestText(env, search));
      out << best << std::flush;
      return absl::OkStatus();
    }
    absl::SleepFor(env.poll);
  }
}

absl::Status SubmitCommand(const CommandEnv& env, const SubmitOptions& options) {
  std::ifstream in(options.spec_path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read spec file ", options.spec_path));
  std::stringstream text;
  text << in.rdbuf();
  v1::CreateSearchRequest req;
  google::protobuf::TextFormat::Parser parser;
  if (!parser.ParseFromString(text.str(), req.mutable_spec())) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.spec_path, ": not a valid text-format nas.v1.SearchSpec"));
  }
  req.set_request_id(options.request_id);
  if (req.request_id().empty()) {
    absl::BitGen gen;
    req.set_request_id(absl::StrFormat("nasctl:%016x%016x", absl::Uniform<uint64_t>(gen),
                                       absl::Uniform<uint64_t>(gen)));
  }
  // The controller may have created the search even when the answer was lost
  // (a timeout, a dropped connection): a retry with the same request_id
  // returns that search rather than creating a second one.
  v1::Search search;
  absl::Status created;
  constexpr int kAttempts = 3;
  for (int attempt = 1;; ++attempt) {
    auto c = env.Context();
    // A retry waits (up to the deadline) for the controller to come back
    // rather than failing at once while the channel reconnects.
    c->set_wait_for_ready(attempt > 1);
    created = FromGrpcStatus(env.stub->CreateSearch(c.get(), req, &search));
    const bool answer_lost = absl::IsUnavailable(created) || absl::IsDeadlineExceeded(created);
    if (!answer_lost || attempt == kAttempts) break;
    *env.err << "submit: " << created.message() << "; retrying (attempt " << attempt + 1 << " of "
             << kAttempts << ", request_id " << req.request_id() << ")" << std::endl;
    absl::SleepFor(absl::Seconds(attempt));
  }
  if (!created.ok()) {
    return absl::Status(created.code(),
                        absl::StrCat(created.message(), " (request_id ", req.request_id(), ")"));
  }
  *env.out << "created search " << search.id() << std::endl;
  if (options.watch) return WatchCommand(env, search.id());
  return absl::OkStatus();
}

namespace {

// One search's answer in the chosen format; text is its progress line.
absl::Status PrintSearch(const CommandEnv& env, const v1::Search& search) {
  google::protobuf::RepeatedPtrField<v1::Search> one;
  *one.Add() = search;
  return Print(
      env, search, [&] { return SearchesCsv(one); },
      [&] { return absl::StrCat(ProgressLine(search), "\n"); });
}

}  // namespace

absl::Status CancelCommand(const CommandEnv& env, int64_t search_id) {
  v1::CancelSearchRequest req;
  req.set_search_id(search_id);
  v1::Search search;
  auto c = env.Context();
  RETURN_IF_ERROR(FromGrpcStatus(env.stub->CancelSearch(c.get(), req, &search)));
  return PrintSearch(env, search);
}

absl::Status ExtendCommand(const CommandEnv& env, int64_t search_id, int budget) {
  v1::ExtendSearchRequest req;
  req.set_search_id(search_id);
  req.set_budget(budget);
  v1::Search search;
  auto c = env.Context();
  RETURN_IF_ERROR(FromGrpcStatus(env.stub->ExtendSearch(c.get(), req, &search)));
  return PrintSearch(env, search);
}

absl::Status ResumeCommand(const CommandEnv& env, int64_t search_id) {
  v1::ResumeSearchRequest req;
  req.set_search_id(search_id);
  v1::Search search;
  auto c = env.Context();
  RETURN_IF_ERROR(FromGrpcStatus(env.stub->ResumeSearch(c.get(), req, &search)));
  return PrintSearch(env, search);
}

absl::Status RetryCommand(const CommandEnv& env, int64_t individual_id) {
  v1::RetryIndividualRequest req;
  req.set_individual_id(individual_id);
  v1::Individual individual;
  auto c = env.Context();
  RETURN_IF_ERROR(FromGrpcStatus(env.stub->RetryIndividual(c.get(), req, &individual)));
  google::protobuf::RepeatedPtrField<v1::Individual> one;
  *one.Add() = individual;
  return Print(
      env, individual, [&] { return IndividualsCsv(one); },
      [&] {
        return absl::StrCat("individual ", individual.id(), " of search ", individual.search_id(),
                            " queued again\n");
      });
}

}  // namespace nas
