#include "controller/store/rows.h"

#include <cmath>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/search_space/tfnas_space_spec.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"

namespace nas {
namespace {

v1::IndividualState IndividualStateFromDb(const std::string& s) {
  if (s == "pending") return v1::INDIVIDUAL_PENDING;
  if (s == "evaluated") return v1::INDIVIDUAL_EVALUATED;
  if (s == "failed") return v1::INDIVIDUAL_FAILED;
  if (s == "cancelled") return v1::INDIVIDUAL_CANCELLED;
  if (s == "infeasible") return v1::INDIVIDUAL_INFEASIBLE;
  return v1::INDIVIDUAL_STATE_UNSPECIFIED;
}

v1::SearchState SearchStateFromDb(const std::string& s) {
  if (s == "running") return v1::SEARCH_RUNNING;
  if (s == "succeeded") return v1::SEARCH_SUCCEEDED;
  if (s == "cancelled") return v1::SEARCH_CANCELLED;
  return v1::SEARCH_STATE_UNSPECIFIED;
}

}  // namespace

void SetTimestamp(double epoch_seconds, google::protobuf::Timestamp* ts) {
  const double whole = std::floor(epoch_seconds);
  ts->set_seconds(static_cast<int64_t>(whole));
  ts->set_nanos(static_cast<int32_t>((epoch_seconds - whole) * 1e9));
}

const char kIndividualColumns[] =
    "i.id, i.search_id, i.birth_order, i.genome, i.genome_hash, "
    "COALESCE(i.parent_id, 0), i.mutation, i.seed, i.state, "
    "COALESCE(i.fitness, 0), COALESCE(i.parameter_count, 0), "
    "COALESCE(i.failure_reason, ''), i.alive, COALESCE(i.aged_out_at, -1), "
    "extract(epoch FROM i.created_at)::float8, "
    "COALESCE(extract(epoch FROM i.evaluated_at)::float8, 0), "
    "COALESCE(i.checkpoint_digest, ''), COALESCE(i.stopped_at_epoch, 0), "
    "COALESCE(i.stop_reason, ''), "
    "COALESCE(array_to_string(i.objective_values, ','), '')";

v1::Individual RowToIndividual(const pqxx::row& row) {
  v1::Individual ind;
  ind.set_id(row[0].as<int64_t>());
  ind.set_search_id(row[1].as<int64_t>());
  ind.set_birth_order(row[2].as<int>());
  ind.mutable_architecture()->set_text(row[3].as<std::string>());
  ind.mutable_architecture()->set_hash(row[4].as<std::string>());
  ind.set_parent_id(row[5].as<int64_t>());
  ind.set_mutation(row[6].as<std::string>());
  ind.set_seed(static_cast<uint64_t>(row[7].as<int64_t>()));
  ind.set_state(IndividualStateFromDb(row[8].as<std::string>()));
  ind.set_fitness(row[9].as<double>());
  ind.set_parameter_count(row[10].as<int64_t>());
  ind.set_failure_reason(row[11].as<std::string>());
  ind.set_alive(row[12].as<bool>());
  ind.set_aged_out_at(row[13].as<int>());
  SetTimestamp(row[14].as<double>(), ind.mutable_create_time());
  const double evaluated = row[15].as<double>();
  if (evaluated > 0) SetTimestamp(evaluated, ind.mutable_evaluate_time());
  ind.set_checkpoint(row[16].as<std::string>());
  ind.set_stopped_at_epoch(row[17].as<int>());
  ind.set_stop_reason(row[18].as<std::string>());
  for (double v : ParseDoubleList(row[19].as<std::string>())) ind.add_objective_values(v);
  return ind;
}

void AttachMetrics(pqxx::work& txn, std::vector<v1::Individual*> individuals) {
  if (individuals.empty()) return;
  std::map<int64_t, v1::Individual*> by_id;
  std::vector<std::string> ids;
  for (v1::Individual* ind : individuals) {
    by_id[ind->id()] = ind;
    ids.push_back(absl::StrCat(ind->id()));
  }
  const pqxx::result rows = txn.exec_params(
      "SELECT individual_id, name, value FROM individual_metrics "
      "WHERE individual_id = ANY($1::bigint[])",
      absl::StrCat("{", absl::StrJoin(ids, ","), "}"));
  for (const auto& row : rows) {
    (*by_id[row[0].as<int64_t>()]->mutable_metrics())[row[1].as<std::string>()] =
        row[2].as<double>();
  }
}

const char kSearchColumns[] =
    "s.id, s.spec_text, s.state, s.evaluations_done, s.evaluations_failed, "
    "extract(epoch FROM s.created_at)::float8, "
    "(SELECT count(*) FROM jobs j WHERE j.search_id = s.id "
    "   AND j.state IN ('pending', 'leased')), "
    "(SELECT count(*) FROM jobs j WHERE j.search_id = s.id AND j.state = 'leased'), "
    "s.data_description, s.budget, "
    "(SELECT count(*) FROM individuals i WHERE i.search_id = s.id "
    "   AND i.stop_reason IS NOT NULL), s.evaluations_infeasible";

absl::StatusOr<v1::Search> RowToSearch(const pqxx::row& row) {
  v1::Search search;
  search.set_id(row[0].as<int64_t>());
  auto spec = ParseSpecText(row[1].as<std::string>());
  if (!spec.ok()) return spec.status();
  *search.mutable_spec() = *std::move(spec);
  // The budget now: ExtendSearch raises the column, not the stored spec.
  search.mutable_spec()->set_budget(row[9].as<int>());
  search.set_state(SearchStateFromDb(row[2].as<std::string>()));
  search.set_evaluations_done(row[3].as<int>());
  search.set_evaluations_failed(row[4].as<int>());
  SetTimestamp(row[5].as<double>(), search.mutable_create_time());
  search.set_jobs_in_flight(row[6].as<int>());
  search.set_jobs_leased(row[7].as<int>());
  search.set_evaluations_stopped(row[10].as<int>());
  search.set_evaluations_infeasible(row[11].as<int>());
  if (!row[8].is_null() && !google::protobuf::TextFormat::ParseFromString(row[8].as<std::string>(),
                                                                          search.mutable_data())) {
    return absl::DataLossError(
        absl::StrCat("searches.data_description of search ", search.id(), " does not parse"));
  }
  return search;
}

const char kEpochColumns[] =
    "e.job_id, e.attempt, j.individual_id, e.epoch, e.epochs, e.metrics::text, "
    "e.architecture, extract(epoch FROM e.reported_at)::float8, e.architecture_weights";

absl::StatusOr<v1::EpochProgress> RowToEpochProgress(const pqxx::row& row) {
  v1::EpochProgress e;
  e.set_job_id(row[0].as<int64_t>());
  e.set_attempt(row[1].as<int>());
  e.set_individual_id(row[2].as<int64_t>());
  e.set_epoch(row[3].as<int>());
  e.set_epochs(row[4].as<int>());
  google::protobuf::Struct metrics;
  if (!google::protobuf::util::JsonStringToMessage(row[5].as<std::string>(), &metrics).ok()) {
    return absl::DataLossError(absl::StrCat("job_epochs.metrics of job ", e.job_id(), " epoch ",
                                            e.epoch(), " is not a JSON object"));
  }
  for (const auto& [name, value] : metrics.fields()) {
    (*e.mutable_metrics())[name] = value.number_value();
  }
  e.mutable_architecture()->set_text(row[6].as<std::string>());
  SetTimestamp(row[7].as<double>(), e.mutable_report_time());
  if (!row[8].is_null()) {
    v1::EpochProgress weights;
    if (!weights.ParseFromString(pqxx::binarystring(row[8]).str())) {
      return absl::DataLossError(absl::StrCat("job_epochs.architecture_weights of job ", e.job_id(),
                                              " epoch ", e.epoch(), " is not an EpochProgress"));
    }
    *e.mutable_architecture_weights() = std::move(*weights.mutable_architecture_weights());
  }
  return e;
}

std::string SerializeArchitectureWeights(const v1::EpochProgress& epoch) {
  v1::EpochProgress weights;
  *weights.mutable_architecture_weights() = epoch.architecture_weights();
  return weights.SerializeAsString();
}

double DoubleField(const pqxx::field& field) {
  double value = 0;
  // PostgreSQL writes NaN, Infinity and -Infinity; SimpleAtod reads them.
  if (!field.is_null() && absl::SimpleAtod(field.c_str(), &value)) return value;
  return field.as<double>();
}

absl::StatusOr<v1::SearchSpec> ParseSpecText(const std::string& text) {
  // A stored spec never changes and every lease and report parses its
  // search's: the text format parser was 4% of the controller's CPU with 256
  // workers. The last specs parsed are kept, keyed by their text.
  constexpr size_t kCachedSpecs = 64;
  static absl::Mutex mu(absl::kConstInit);
  static auto* cache = new absl::flat_hash_map<std::string, v1::SearchSpec>();
  {
    absl::MutexLock lock(&mu);
    if (auto it = cache->find(text); it != cache->end()) return it->second;
  }
  v1::SearchSpec spec;
  if (!google::protobuf::TextFormat::ParseFromString(text, &spec)) {
    return absl::DataLossError("stored search spec does not parse");
  }
  absl::MutexLock lock(&mu);
  if (cache->size() >= kCachedSpecs) cache->clear();
  cache->emplace(text, spec);
  return spec;
}

std::string SpecToText(const v1::SearchSpec& spec) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(spec, &text);
  return text;
}

std::string DataDescriptionToText(const v1::DataDescription& data) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(data, &text);
  return text;
}

std::string JobKindToDb(v1::JobKind kind) { return absl::AsciiStrToLower(v1::JobKind_Name(kind)); }

v1::JobKind JobKindFromDb(const std::string& kind) {
  v1::JobKind out = v1::JOB_KIND_UNSPECIFIED;
  v1::JobKind_Parse(absl::AsciiStrToUpper(kind), &out);
  return out;
}

std::string TfNasSpaceKey(const v1::SearchSpec& spec) {
  if (!spec.space().has_tfnas()) return "";
  return TfNasSpaceKey(spec.space().tfnas());
}

std::string TfNasSpaceKey(const v1::TfNasSpace& space) {
  std::string key;
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  printer.PrintToString(FillTfNasSpaceDefaults(space), &key);
  return key;
}

std::string TextArrayLiteral(const std::vector<std::string>& values) {
  std::vector<std::string> quoted;
  for (const std::string& v : values) {
    quoted.push_back(
        absl::StrCat("\"", absl::StrReplaceAll(v, {{"\\", "\\\\"}, {"\"", "\\\""}}), "\""));
  }
  return absl::StrCat("{", absl::StrJoin(quoted, ","), "}");
}

std::string BigintArrayLiteral(const std::vector<int64_t>& values) {
  return absl::StrCat("{", absl::StrJoin(values, ","), "}");
}

std::string DoubleArrayLiteral(const std::vector<double>& values) {
  return absl::StrCat("{",
                      absl::StrJoin(values, ",",
                                    [](std::string* out, double v) {
                                      absl::StrAppend(out, absl::StrFormat("%.17g", v));
                                    }),
                      "}");
}

std::vector<double> ParseDoubleList(const std::string& text) {
  std::vector<double> values;
  if (text.empty()) return values;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    double v = 0;
    values.push_back(absl::SimpleAtod(part, &v) ? v : std::nan(""));
  }
  return values;
}

}  // namespace nas
