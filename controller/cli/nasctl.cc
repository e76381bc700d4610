// nasctl: the researcher's command line for nas.v1.SearchService.
//
//   nasctl [--controller=HOST:PORT] submit SPEC.textproto [--watch] [--request_id=ID]
//                                 retried with the same request id when the
//                                 answer is lost, so never creates two searches
//   nasctl watch SEARCH_ID        live progress line until the search ends (and
//                                 each supernet epoch as it is reported)
//   nasctl epochs SEARCH_ID       every epoch a supernet search reported
//   nasctl get SEARCH_ID
//   nasctl list
//   nasctl best SEARCH_ID
//   nasctl individuals SEARCH_ID
//   nasctl lineage INDIVIDUAL_ID
//   nasctl cancel SEARCH_ID
//   nasctl plot SEARCH_ID [--out=fitness.svg]   fitness over time, best so far
//   nasctl export --search=SEARCH_ID [--individual=ID] --out=model.pt
//                                  the best (or the named) individual's trained
//                                  network as TorchScript
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/rpc/channel.h"
#include "common/search_space/search_space.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "controller/cli/export_command.h"
#include "controller/cli/fitness_plot.h"
#include "google/protobuf/text_format.h"
#include "proto/search_service.grpc.pb.h"

ABSL_FLAG(std::string, controller, "127.0.0.1:50051", "controller host:port");
ABSL_FLAG(bool, watch, false, "with submit: watch the search until it ends");
ABSL_FLAG(std::string, request_id, "",
          "with submit: the request's id (default: a fresh random one); running submit again "
          "with the id it printed returns the search it created instead of creating another");
ABSL_FLAG(int, timeout_seconds, 30, "deadline of each call");
ABSL_FLAG(int, poll_ms, 1000, "with watch: how often to refresh");
ABSL_FLAG(std::string, out, "",
          "with plot: the SVG file to write (default fitness.svg); with export: the TorchScript "
          "file to write");
ABSL_FLAG(int64_t, search, 0, "with export: the search whose best individual is exported");
ABSL_FLAG(int64_t, individual, 0, "with export: export this individual instead of the best");
ABSL_FLAG(std::string, export_tool, "",
          "with export: the nas_export program, which writes the TorchScript; default: nas_export "
          "beside nasctl, in its Bazel output tree, or on PATH");
ABSL_FLAG(std::string, tls_ca_file, "", "PEM CA of the controller's certificate; enables TLS");
ABSL_FLAG(std::string, token_file, "", "file holding a client bearer token (needs TLS)");

namespace nas {
namespace {

using Stub = v1::SearchService::Stub;

std::unique_ptr<grpc::ClientContext> Context() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(absl::ToChronoTime(
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_timeout_seconds))));
  return c;
}

absl::StatusOr<int64_t> ParseId(const std::string& text, const char* what) {
  int64_t id = 0;
  if (!absl::SimpleAtoi(text, &id) || id <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": '", text, "' is not a positive integer"));
  }
  return id;
}

std::string StateName(v1::SearchState s) {
  switch (s) {
    case v1::SEARCH_RUNNING: return "running";
    case v1::SEARCH_SUCCEEDED: return "succeeded";
    case v1::SEARCH_CANCELLED: return "cancelled";
    default: return "unknown";
  }
}

std::string IndividualStateName(v1::IndividualState s) {
  switch (s) {
    case v1::INDIVIDUAL_PENDING: return "pending";
    case v1::INDIVIDUAL_EVALUATED: return "evaluated";
    case v1::INDIVIDUAL_FAILED: return "failed";
    case v1::INDIVIDUAL_CANCELLED: return "cancelled";
    default: return "unknown";
  }
}

void PrintIndividual(const v1::SearchSpec& spec, const v1::Individual& ind) {
  std::cout << "individual " << ind.id() << " (birth " << ind.birth_order()
            << ", " << IndividualStateName(ind.state()) << ")\n";
  if (ind.state() == v1::INDIVIDUAL_EVALUATED) {
    std::cout << absl::StrFormat("  validation accuracy: %.4f\n", ind.fitness());
    std::cout << "  parameters: " << ind.parameter_count() << "\n";
  }
  if (!ind.failure_reason().empty()) {
    std::cout << "  failure: " << ind.failure_reason() << "\n";
  }
  std::cout << "  parent: " << (ind.parent_id() ? absl::StrCat(ind.parent_id()) : "none")
            << ", mutation: " << ind.mutation() << "\n";
  std::cout << "  genome: " << ind.architecture().text() << "\n";
  std::cout << "  hash: " << ind.architecture().hash() << "\n";
  if (auto space = MakeSearchSpace(spec.space()); space.ok()) {
    std::cout << (*space)->Readable(ind.architecture().text());
  }
}

std::string ProgressLine(const v1::Search& s) {
  const int budget = s.spec().budget();
  const int ended = s.evaluations_done() + s.evaluations_failed();
  const int width = 24;
  const int filled = budget > 0 ? width * ended / budget : 0;
  std::string bar(filled, '#');
  bar.resize(width, '.');
  std::string best = "-";
  if (s.has_best()) best = absl::StrFormat("%.4f", s.best().fitness());
  return absl::StrFormat(
      "search %d [%s] %d/%d evaluated, %d failed, %d worker(s) busy, %d queued, best %s, %s",
      s.id(), bar, s.evaluations_done(), budget, s.evaluations_failed(), s.jobs_leased(),
      s.jobs_in_flight() - s.jobs_leased(), best, StateName(s.state()));
}

absl::Status Best(Stub& stub, int64_t id) {
  v1::GetSearchRequest req;
  req.set_search_id(id);
  v1::Search search;
  auto c = Context();
  if (auto s = FromGrpcStatus(stub.GetSearch(c.get(), req, &search)); !s.ok()) return s;
  if (!search.has_best()) return absl::NotFoundError("no evaluated individual yet");
  std::cout << "best architecture of search " << id << ":\n";
  PrintIndividual(search.spec(), search.best());
  return absl::OkStatus();
}

std::string EpochLine(const v1::EpochProgress& e) {
  auto metric = [&](const char* name) {
    auto it = e.metrics().find(name);
    return it == e.metrics().end() ? std::string("-") : absl::StrFormat("%.4f", it->second);
  };
  return absl::StrFormat(
      "job %d epoch %d/%d: train loss %s acc %s, valid loss %s acc %s; derived %s", e.job_id(),
      e.epoch(), e.epochs(), metric("train_loss"), metric("train_accuracy"), metric("valid_loss"),
      metric("valid_accuracy"), e.architecture().text());
}

// Epochs reported since the first `*seen` (supernet searches report them).
absl::StatusOr<std::vector<v1::EpochProgress>> NewEpochs(Stub& stub, int64_t id, int* seen) {
  v1::ListEpochProgressRequest req;
  req.set_search_id(id);
  req.set_skip(*seen);
  v1::ListEpochProgressResponse response;
  auto c = Context();
  RETURN_IF_ERROR(FromGrpcStatus(stub.ListEpochProgress(c.get(), req, &response)));
  *seen += response.epochs_size();
  return std::vector<v1::EpochProgress>(response.epochs().begin(), response.epochs().end());
}

absl::Status Epochs(Stub& stub, int64_t id) {
  int seen = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<v1::EpochProgress> epochs, NewEpochs(stub, id, &seen));
    if (epochs.empty()) break;
    for (const auto& e : epochs) std::cout << EpochLine(e) << "\n";
  }
  if (seen == 0) std::cout << "no epochs reported (only supernet searches report them)\n";
  return absl::OkStatus();
}

absl::Status Watch(Stub& stub, int64_t id) {
  const bool tty = isatty(fileno(stdout));
  std::string last;
  absl::Time last_print = absl::InfinitePast();
  int epochs_seen = 0;
  while (true) {
    v1::GetSearchRequest req;
    req.set_search_id(id);
    v1::Search search;
    auto c = Context();
    if (auto s = FromGrpcStatus(stub.GetSearch(c.get(), req, &search)); !s.ok()) return s;
    ASSIGN_OR_RETURN(std::vector<v1::EpochProgress> epochs, NewEpochs(stub, id, &epochs_seen));
    for (const auto& e : epochs) {
      std::cout << (tty ? "\r\033[K" : "") << EpochLine(e) << std::endl;
      last.clear();  // Reprint the progress line below the epoch.
    }
    const std::string line = ProgressLine(search);
    if (tty) {
      std::cout << "\r\033[K" << line << std::flush;
    } else if (line != last || absl::Now() - last_print > absl::Seconds(30)) {
      std::cout << line << std::endl;
      last_print = absl::Now();
    }
    last = line;
    if (search.state() != v1::SEARCH_RUNNING) {
      if (tty) std::cout << "\n";
      return search.state() == v1::SEARCH_SUCCEEDED ? Best(stub, id) : absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(absl::GetFlag(FLAGS_poll_ms)));
  }
}

absl::Status Submit(Stub& stub, const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read spec file ", path));
  std::stringstream text;
  text << in.rdbuf();
  v1::CreateSearchRequest req;
  google::protobuf::TextFormat::Parser parser;
  if (!parser.ParseFromString(text.str(), req.mutable_spec())) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a valid text-format nas.v1.SearchSpec"));
  }
  req.set_request_id(absl::GetFlag(FLAGS_request_id));
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
    auto c = Context();
    // A retry waits (up to the deadline) for the controller to come back
    // rather than failing at once while the channel reconnects.
    c->set_wait_for_ready(attempt > 1);
    created = FromGrpcStatus(stub.CreateSearch(c.get(), req, &search));
    const bool answer_lost = absl::IsUnavailable(created) || absl::IsDeadlineExceeded(created);
    if (!answer_lost || attempt == kAttempts) break;
    std::cerr << "submit: " << created.message() << "; retrying (attempt " << attempt + 1
              << " of " << kAttempts << ", request_id " << req.request_id() << ")" << std::endl;
    absl::SleepFor(absl::Seconds(attempt));
  }
  if (!created.ok()) {
    return absl::Status(created.code(), absl::StrCat(created.message(), " (request_id ",
                                                     req.request_id(), ")"));
  }
  std::cout << "created search " << search.id() << std::endl;
  if (absl::GetFlag(FLAGS_watch)) return Watch(stub, search.id());
  return absl::OkStatus();
}

absl::Status Get(Stub& stub, int64_t id) {
  v1::GetSearchRequest req;
  req.set_search_id(id);
  v1::Search search;
  auto c = Context();
  if (auto s = FromGrpcStatus(stub.GetSearch(c.get(), req, &search)); !s.ok()) return s;
  std::cout << ProgressLine(search) << "\n";
  std::string spec;
  google::protobuf::TextFormat::PrintToString(search.spec(), &spec);
  std::cout << "spec:\n" << spec;
  return absl::OkStatus();
}

absl::Status List(Stub& stub) {
  std::string token;
  do {
    v1::ListSearchesRequest req;
    req.set_page_token(token);
    v1::ListSearchesResponse resp;
    auto c = Context();
    if (auto s = FromGrpcStatus(stub.ListSearches(c.get(), req, &resp)); !s.ok()) return s;
    for (const auto& s : resp.searches()) {
      std::cout << ProgressLine(s) << "  " << s.spec().name() << "\n";
    }
    token = resp.next_page_token();
  } while (!token.empty());
  return absl::OkStatus();
}

absl::Status Individuals(Stub& stub, int64_t id) {
  std::cout << absl::StrFormat("%-8s %-6s %-10s %-9s %-10s %-8s %s\n", "id", "birth",
                               "state", "fitness", "params", "parent", "mutation");
  std::string token;
  do {
    v1::ListIndividualsRequest req;
    req.set_search_id(id);
    req.set_page_token(token);
    v1::ListIndividualsResponse resp;
    auto c = Context();
    if (auto s = FromGrpcStatus(stub.ListIndividuals(c.get(), req, &resp)); !s.ok()) return s;
    for (const auto& i : resp.individuals()) {
      std::cout << absl::StrFormat(
          "%-8d %-6d %-10s %-9s %-10d %-8s %s\n", i.id(), i.birth_order(),
          IndividualStateName(i.state()),
          i.state() == v1::INDIVIDUAL_EVALUATED ? absl::StrFormat("%.4f", i.fitness()) : "-",
          i.parameter_count(), i.parent_id() ? absl::StrCat(i.parent_id()) : "-",
          i.mutation());
    }
    token = resp.next_page_token();
  } while (!token.empty());
  return absl::OkStatus();
}

absl::Status Lineage(Stub& stub, int64_t individual_id) {
  v1::GetLineageRequest req;
  req.set_individual_id(individual_id);
  v1::GetLineageResponse resp;
  auto c = Context();
  if (auto s = FromGrpcStatus(stub.GetLineage(c.get(), req, &resp)); !s.ok()) return s;
  for (int i = 0; i < resp.individuals_size(); ++i) {
    const auto& ind = resp.individuals(i);
    std::cout << std::string(2 * i, ' ') << (i ? "<- " : "")
              << absl::StrFormat("individual %d (birth %d) fitness %.4f via %s\n", ind.id(),
                                 ind.birth_order(), ind.fitness(), ind.mutation());
  }
  return absl::OkStatus();
}

// Fitness of every evaluation in the order they finished, and the
// best-so-far curve, as an SVG image.
absl::Status Plot(Stub& stub, int64_t id) {
  std::vector<std::pair<int64_t, double>> evaluated;  // (evaluate time ns, fitness)
  std::string token;
  do {
    v1::ListIndividualsRequest req;
    req.set_search_id(id);
    req.set_page_size(1000);
    req.set_page_token(token);
    v1::ListIndividualsResponse resp;
    auto c = Context();
    if (auto s = FromGrpcStatus(stub.ListIndividuals(c.get(), req, &resp)); !s.ok()) return s;
    for (const auto& i : resp.individuals()) {
      if (i.state() != v1::INDIVIDUAL_EVALUATED) continue;
      evaluated.emplace_back(i.evaluate_time().seconds() * 1000000000 + i.evaluate_time().nanos(),
                             i.fitness());
    }
    token = resp.next_page_token();
  } while (!token.empty());
  if (evaluated.empty()) return absl::NotFoundError("no evaluated individual yet");
  std::sort(evaluated.begin(), evaluated.end());
  std::vector<double> fitness;
  for (const auto& e : evaluated) fitness.push_back(e.second);
  std::string path = absl::GetFlag(FLAGS_out);
  if (path.empty()) path = "fitness.svg";
  std::ofstream out(path);
  out << FitnessPlotSvg(fitness, absl::StrCat("search ", id, ": fitness per evaluation"));
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  std::cout << "wrote " << path << " (" << fitness.size() << " evaluations)\n";
  return absl::OkStatus();
}

absl::Status Cancel(Stub& stub, int64_t id) {
  v1::CancelSearchRequest req;
  req.set_search_id(id);
  v1::Search search;
  auto c = Context();
  if (auto s = FromGrpcStatus(stub.CancelSearch(c.get(), req, &search)); !s.ok()) return s;
  std::cout << ProgressLine(search) << "\n";
  return absl::OkStatus();
}

absl::Status Export(Stub& stub) {
  ExportOptions options;
  options.search_id = absl::GetFlag(FLAGS_search);
  options.individual_id = absl::GetFlag(FLAGS_individual);
  options.out = absl::GetFlag(FLAGS_out);
  options.export_tool = absl::GetFlag(FLAGS_export_tool);
  options.call_timeout = absl::Seconds(absl::GetFlag(FLAGS_timeout_seconds));
  return ExportIndividual(stub, options, std::cout);
}

absl::Status Dispatch(Stub& stub, const std::vector<char*>& args) {
  if (args.size() == 2 && std::string(args[1]) == "export") return Export(stub);
  if (args.size() < 3) {
    return absl::InvalidArgumentError(
        "usage: nasctl submit|watch|epochs|get|list|best|individuals|lineage|cancel|plot ARG, or "
        "nasctl export --search=ID [--individual=ID] --out=FILE");
  }
  const std::string cmd = args[1];
  const std::string arg = args[2];
  if (cmd == "list") return List(stub);
  if (cmd == "submit") return Submit(stub, arg);
  const char* what = cmd == "lineage" ? "INDIVIDUAL_ID" : "SEARCH_ID";
  auto id = ParseId(arg, what);
  if (!id.ok()) return id.status();
  if (cmd == "watch") return Watch(stub, *id);
  if (cmd == "epochs") return Epochs(stub, *id);
  if (cmd == "get") return Get(stub, *id);
  if (cmd == "best") return Best(stub, *id);
  if (cmd == "individuals") return Individuals(stub, *id);
  if (cmd == "lineage") return Lineage(stub, *id);
  if (cmd == "cancel") return Cancel(stub, *id);
  if (cmd == "plot") return Plot(stub, *id);
  return absl::InvalidArgumentError(absl::StrCat("unknown command '", cmd, "'"));
}

}  // namespace
}  // namespace nas

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "nasctl submit SPEC [--watch] | watch|epochs|get|best|individuals|cancel SEARCH_ID | "
      "lineage INDIVIDUAL_ID | list all | export --search=ID [--individual=ID] --out=FILE");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() == 2 && std::string(args[1]) == "list") args.push_back(args[1]);  // "list" takes no argument.
  nas::ChannelOptions channel_options;
  channel_options.target = absl::GetFlag(FLAGS_controller);
  channel_options.tls_ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  channel_options.token_file = absl::GetFlag(FLAGS_token_file);
  auto channel = nas::MakeChannel(channel_options);
  absl::Status status = channel.status();
  if (channel.ok()) {
    auto stub = nas::v1::SearchService::NewStub(*channel);
    status = nas::Dispatch(*stub, args);
  }
  if (!status.ok()) {
    std::cerr << "nasctl: " << absl::StatusCodeToString(status.code()) << ": "
              << status.message() << std::endl;
    return 1;
  }
  return 0;
}
