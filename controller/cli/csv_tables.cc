#include "controller/cli/csv_tables.h"

#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "controller/cli/output_format.h"

namespace nas {
namespace {

std::string Id(int64_t id) { return id != 0 ? absl::StrCat(id) : ""; }

// The sorted union of the metric names over `items`.
template <typename T>
std::vector<std::string> MetricNames(const Items<T>& items) {
  std::set<std::string> names;
  for (const T& item : items) {
    for (const auto& [name, value] : item.metrics()) names.insert(name);
  }
  return {names.begin(), names.end()};
}

void AddMetricHeader(const std::vector<std::string>& names, std::vector<std::string>* header) {
  for (const std::string& name : names) header->push_back(absl::StrCat("metric:", name));
}

template <typename T>
void AddMetricFields(const T& item, const std::vector<std::string>& names,
                     std::vector<std::string>* row) {
  for (const std::string& name : names) {
    auto it = item.metrics().find(name);
    row->push_back(it == item.metrics().end() ? "" : CsvNumber(it->second));
  }
}

// "INDIVIDUAL_EVALUATED" -> "evaluated" (the prefix up to and including the
// first '_' dropped when `prefix` is given).
std::string ShortName(const std::string& enum_name, absl::string_view prefix) {
  absl::string_view name = enum_name;
  absl::ConsumePrefix(&name, prefix);
  return name.empty() ? "unknown" : absl::AsciiStrToLower(name);
}

}  // namespace

std::string SearchStateName(v1::SearchState state) {
  if (state == v1::SEARCH_STATE_UNSPECIFIED) return "unknown";
  return ShortName(v1::SearchState_Name(state), "SEARCH_");
}

std::string IndividualStateName(v1::IndividualState state) {
  if (state == v1::INDIVIDUAL_STATE_UNSPECIFIED) return "unknown";
  return ShortName(v1::IndividualState_Name(state), "INDIVIDUAL_");
}

std::string JobKindName(v1::JobKind kind) {
  if (kind == v1::JOB_KIND_UNSPECIFIED) return "unknown";
  return ShortName(v1::JobKind_Name(kind), "");
}

std::string StrategyName(const v1::SearchSpec& spec) {
  const auto* oneof = v1::Strategy::descriptor()->FindOneofByName("kind");
  const auto* field =
      spec.strategy().GetReflection()->GetOneofFieldDescriptor(spec.strategy(), oneof);
  return field != nullptr ? field->name() : "unset";
}

std::string IndividualsCsv(const Items<v1::Individual>& individuals) {
  const std::vector<std::string> metrics = MetricNames(individuals);
  std::vector<std::string> header = {
      "id",          "search_id",     "birth_order",     "parent_id",    "mutation",
      "state",       "fitness",       "parameter_count", "alive",        "aged_out_at",
      "create_time", "evaluate_time", "failure_reason",  "architecture", "architecture_hash",
      "checkpoint",  "seed"};
  AddMetricHeader(metrics, &header);
  CsvTable table(std::move(header));
  for (const v1::Individual& i : individuals) {
    std::vector<std::string> row = {
        absl::StrCat(i.id()),
        absl::StrCat(i.search_id()),
        absl::StrCat(i.birth_order()),
        Id(i.parent_id()),
        i.mutation(),
        IndividualStateName(i.state()),
        i.state() == v1::INDIVIDUAL_EVALUATED ? CsvNumber(i.fitness()) : "",
        absl::StrCat(i.parameter_count()),
        i.alive() ? "true" : "false",
        absl::StrCat(i.aged_out_at()),
        CsvTime(i.create_time()),
        CsvTime(i.evaluate_time()),
        i.failure_reason(),
        i.architecture().text(),
        i.architecture().hash(),
        i.checkpoint(),
        absl::StrCat(i.seed())};
    AddMetricFields(i, metrics, &row);
    table.AddRow(std::move(row));
  }
  return table.ToString();
}

std::string SearchesCsv(const Items<v1::Search>& searches) {
  CsvTable table({"id", "name", "state", "strategy", "budget", "evaluations_done",
                  "evaluations_failed", "jobs_in_flight", "jobs_leased", "best_individual_id",
                  "best_fitness", "create_time", "data_fingerprint", "evaluations_infeasible"});
  for (const v1::Search& s : searches) {
    table.AddRow({absl::StrCat(s.id()), s.spec().name(), SearchStateName(s.state()),
                  StrategyName(s.spec()), absl::StrCat(s.spec().budget()),
                  absl::StrCat(s.evaluations_done()), absl::StrCat(s.evaluations_failed()),
                  absl::StrCat(s.jobs_in_flight()), absl::StrCat(s.jobs_leased()),
                  s.has_best() ? absl::StrCat(s.best().id()) : "",
                  s.has_best() ? CsvNumber(s.best().fitness()) : "", CsvTime(s.create_time()),
                  s.data().fingerprint(), absl::StrCat(s.evaluations_infeasible())});
  }
  return table.ToString();
}

std::string EpochsCsv(const Items<v1::EpochProgress>& epochs) {
  const std::vector<std::string> metrics = MetricNames(epochs);
  std::vector<std::string> header = {"job_id", "attempt",     "individual_id", "epoch",
                                     "epochs", "report_time", "architecture"};
  AddMetricHeader(metrics, &header);
  CsvTable table(std::move(header));
  for (const v1::EpochProgress& e : epochs) {
    std::vector<std::string> row = {absl::StrCat(e.job_id()), absl::StrCat(e.attempt()),
                                    Id(e.individual_id()),    absl::StrCat(e.epoch()),
                                    absl::StrCat(e.epochs()), CsvTime(e.report_time()),
                                    e.architecture().text()};
    AddMetricFields(e, metrics, &row);
    table.AddRow(std::move(row));
  }
  return table.ToString();
}

std::string WorkersCsv(const Items<v1::WorkerStatus>& workers) {
  CsvTable table({"worker_id", "hostname", "device", "device_model", "slots", "job_kinds",
                  "first_seen_time", "last_seen_time", "jobs"});
  for (const v1::WorkerStatus& w : workers) {
    std::vector<std::string> kinds, jobs;
    for (int kind : w.job_kinds()) kinds.push_back(JobKindName(static_cast<v1::JobKind>(kind)));
    for (const v1::LeasedJob& j : w.jobs()) {
      jobs.push_back(absl::StrCat(j.job_id(), "/", j.attempt(), ":", CsvNumber(j.progress())));
    }
    table.AddRow({w.worker_id(), w.hostname(), w.device(), w.device_model(),
                  absl::StrCat(w.slots()), absl::StrJoin(kinds, " "), CsvTime(w.first_seen_time()),
                  CsvTime(w.last_seen_time()), absl::StrJoin(jobs, " ")});
  }
  return table.ToString();
}

std::string JobLogsCsv(const Items<v1::JobLogLine>& lines, bool with_header) {
  CsvTable table({"time", "job_id", "attempt", "individual_id", "worker_id", "text"});
  for (const v1::JobLogLine& l : lines) {
    table.AddRow({CsvTime(l.time()), absl::StrCat(l.job_id()), absl::StrCat(l.attempt()),
                  Id(l.individual_id()), l.worker_id(), l.text()});
  }
  return table.ToString(with_header);
}

}  // namespace nas
