#include "controller/cli/read_commands.h"

#include <algorithm>
#include <fstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "controller/cli/csv_tables.h"
#include "controller/cli/fitness_plot.h"
#include "controller/cli/front_output.h"
#include "controller/cli/text_output.h"
#include "google/protobuf/text_format.h"

namespace nas {

absl::StatusOr<v1::Search> FetchSearch(const CommandEnv& env, int64_t search_id) {
  v1::GetSearchRequest req;
  req.set_search_id(search_id);
  v1::Search search;
  auto c = env.Context();
  RETURN_IF_ERROR(FromGrpcStatus(env.stub->GetSearch(c.get(), req, &search)));
  return search;
}

absl::StatusOr<v1::ListIndividualsResponse> FetchAllIndividuals(const CommandEnv& env,
                                                                int64_t search_id) {
  v1::ListIndividualsResponse all;
  std::string token;
  do {
    v1::ListIndividualsRequest req;
    req.set_search_id(search_id);
    req.set_page_size(1000);
    req.set_page_token(token);
    v1::ListIndividualsResponse page;
    auto c = env.Context();
    RETURN_IF_ERROR(FromGrpcStatus(env.stub->ListIndividuals(c.get(), req, &page)));
    for (auto& i : *page.mutable_individuals()) *all.add_individuals() = std::move(i);
    token = page.next_page_token();
  } while (!token.empty());
  return all;
}

absl::StatusOr<v1::ListEpochProgressResponse> FetchEpochs(const CommandEnv& env, int64_t search_id,
                                                          int* seen) {
  v1::ListEpochProgressRequest req;
  req.set_search_id(search_id);
  req.set_skip(*seen);
  v1::ListEpochProgressResponse response;
  auto c = env.Context();
  RETURN_IF_ERROR(FromGrpcStatus(env.stub->ListEpochProgress(c.get(), req, &response)));
  *seen += response.epochs_size();
  return response;
}

absl::StatusOr<std::optional<v1::Individual>> FetchTfNasDerived(const CommandEnv& env,
                                                                const v1::Search& search) {
  if (!search.spec().strategy().has_tfnas() || !search.has_best()) return std::nullopt;
  auto derived = [](const v1::Individual& i) {
    return i.metrics().contains("predicted_latency_ms");
  };
  if (derived(search.best())) return search.best();
  // A retrain carries no latencies: they are its parent's, the search's
  // individual, which derived the same architecture.
  v1::GetLineageRequest req;
  req.set_individual_id(search.best().id());
  v1::GetLineageResponse lineage;
  auto c = env.Context();
  RETURN_IF_ERROR(FromGrpcStatus(env.stub->GetLineage(c.get(), req, &lineage)));
  for (const v1::Individual& i : lineage.individuals()) {
    if (derived(i)) return i;
  }
  return std::nullopt;
}

absl::StatusOr<std::string> BestText(const CommandEnv& env, const v1::Search& search) {
  ASSIGN_OR_RETURN(std::optional<v1::Individual> derived, FetchTfNasDerived(env, search));
  return absl::StrCat("best architecture of search ", search.id(), ":\n",
                      SearchPurpose(search.spec()), IndividualText(search.spec(), search.best()),
                      TfNasLatencyText(search.spec(), derived ? &*derived : nullptr));
}

absl::Status GetCommand(const CommandEnv& env, int64_t search_id) {
  ASSIGN_OR_RETURN(v1::Search search, FetchSearch(env, search_id));
  std::string text = absl::StrCat(ProgressLine(search), "\n", SearchPurpose(search.spec()));
  if (env.format == OutputFormat::kText) {
    ASSIGN_OR_RETURN(std::optional<v1::Individual> derived, FetchTfNasDerived(env, search));
    text += TfNasLatencyText(search.spec(), derived ? &*derived : nullptr);
    std::string spec;
    google::protobuf::TextFormat::PrintToString(search.spec(), &spec);
    absl::StrAppend(&text, "spec:\n", spec);
  }
  google::protobuf::RepeatedPtrField<v1::Search> one;
  *one.Add() = search;
  return Print(
      env, search, [&] { return SearchesCsv(one); }, [&] { return text; });
}

absl::Status ListCommand(const CommandEnv& env) {
  v1::ListSearchesResponse all;
  std::string token;
  do {
    v1::ListSearchesRequest req;
    req.set_page_size(1000);
    req.set_page_token(token);
    v1::ListSearchesResponse page;
    auto c = env.Context();
    RETURN_IF_ERROR(FromGrpcStatus(env.stub->ListSearches(c.get(), req, &page)));
    for (auto& s : *page.mutable_searches()) *all.add_searches() = std::move(s);
    token = page.next_page_token();
  } while (!token.empty());
  return Print(
      env, all, [&] { return SearchesCsv(all.searches()); },
      [&] {
        std::string text;
        for (const auto& s : all.searches()) {
          absl::StrAppend(&text, ProgressLine(s), "  ", s.spec().name(), "\n");
        }
        return text;
      });
}

absl::Status BestCommand(const CommandEnv& env, int64_t search_id) {
  ASSIGN_OR_RETURN(v1::Search search, FetchSearch(env, search_id));
  if (!search.has_best()) return absl::NotFoundError("no evaluated individual yet");
  std::string text;
  if (env.format == OutputFormat::kText) {
    ASSIGN_OR_RETURN(text, BestText(env, search));
  }
  google::protobuf::RepeatedPtrField<v1::Individual> one;
  *one.Add() = search.best();
  return Print(
      env, search.best(), [&] { return IndividualsCsv(one); }, [&] { return text; });
}

absl::Status IndividualsCommand(const CommandEnv& env, int64_t search_id) {
  ASSIGN_OR_RETURN(v1::ListIndividualsResponse all, FetchAllIndividuals(env, search_id));
  return Print(
      env, all, [&] { return IndividualsCsv(all.individuals()); },
      [&] {
        std::string text = IndividualsHeader();
        for (const auto& i : all.individuals()) text += IndividualRow(i);
        return text;
      });
}

absl::Status FrontCommand(const CommandEnv& env, int64_t search_id) {
  // The spec names the objectives the front's columns hold.
  ASSIGN_OR_RETURN(const v1::Search search, FetchSearch(env, search_id));
  v1::GetParetoFrontRequest req;
  req.set_search_id(search_id);
  v1::GetParetoFrontResponse resp;
  auto c = env.Context();
  RETURN_IF_ERROR(FromGrpcStatus(env.stub->GetParetoFront(c.get(), req, &resp)));
  return Print(
      env, resp, [&] { return FrontCsv(search.spec(), resp.individuals()); },
      [&] { return FrontText(search.spec(), resp.individuals()); });
}

absl::Status LineageCommand(const CommandEnv& env, int64_t individual_id) {
  v1::GetLineageRequest req;
  req.set_individual_id(individual_id);
  v1::GetLineageResponse resp;
  auto c = env.Context();
  RETURN_IF_ERROR(FromGrpcStatus(env.stub->GetLineage(c.get(), req, &resp)));
  return Print(
      env, resp, [&] { return IndividualsCsv(resp.individuals()); },
      [&] { return LineageText(resp.individuals()); });
}

absl::Status EpochsCommand(const CommandEnv& env, int64_t search_id) {
  v1::ListEpochProgressResponse all;
  int seen = 0;
  while (true) {
    ASSIGN_OR_RETURN(v1::ListEpochProgressResponse page, FetchEpochs(env, search_id, &seen));
    if (page.epochs().empty()) break;
    for (auto& e : *page.mutable_epochs()) *all.add_epochs() = std::move(e);
  }
  return Print(
      env, all, [&] { return EpochsCsv(all.epochs()); },
      [&] {
        std::string text;
        for (const auto& e : all.epochs()) absl::StrAppend(&text, EpochLine(e), "\n");
        if (all.epochs().empty())
          text = "no epochs reported (only supernet searches report them)\n";
        return text;
      });
}

// Fitness of every evaluation in the order they finished, and the
// best-so-far curve, as an SVG image.
absl::Status PlotCommand(const CommandEnv& env, int64_t search_id, std::string path) {
  ASSIGN_OR_RETURN(v1::ListIndividualsResponse all, FetchAllIndividuals(env, search_id));
  std::vector<std::pair<int64_t, double>> evaluated;  // (evaluate time ns, fitness)
  for (const auto& i : all.individuals()) {
    if (i.state() != v1::INDIVIDUAL_EVALUATED) continue;
    evaluated.emplace_back(i.evaluate_time().seconds() * 1000000000 + i.evaluate_time().nanos(),
                           i.fitness());
  }
  if (evaluated.empty()) return absl::NotFoundError("no evaluated individual yet");
  std::sort(evaluated.begin(), evaluated.end());
  std::vector<double> fitness;
  for (const auto& e : evaluated) fitness.push_back(e.second);
  if (path.empty()) path = "fitness.svg";
  std::ofstream out(path);
  out << FitnessPlotSvg(fitness, absl::StrCat("search ", search_id, ": fitness per evaluation"));
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  *env.out << "wrote " << path << " (" << fitness.size() << " evaluations)\n";
  return absl::OkStatus();
}

}  // namespace nas
