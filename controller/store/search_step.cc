#include "controller/store/search_step.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/constraints/constraint_check.h"
#include "common/genome/stable_hash.h"
#include "common/status/status_macros.h"
#include "controller/search/objectives.h"
#include "controller/store/prepared.h"
#include "controller/store/rows.h"

namespace nas {
namespace {

void LoadHistory(pqxx::work& txn, int64_t search_id, SearchView* view) {
  for (const auto& row : ExecPrepared(
           txn,
           "SELECT id, birth_order, state, COALESCE(objective_scores[1], fitness, 0), genome, "
           "checkpoint_digest IS NOT NULL, COALESCE(parent_id, 0), alive "
           "FROM individuals WHERE search_id = $1 ORDER BY birth_order",
           search_id)) {
    const std::string state = row[2].as<std::string>();
    view->history.push_back({row[0].as<int64_t>(), row[1].as<int>(),
                             state == "evaluated" ? HistoryEntry::State::kEvaluated
                             : state == "pending" ? HistoryEntry::State::kPending
                                                  : HistoryEntry::State::kFailed,
                             DoubleField(row[3]), row[4].as<std::string>(), row[5].as<bool>(),
                             row[6].as<int64_t>(), row[7].as<bool>()});
  }
}

SearchCounts Counts(const LockedSearch& search, int jobs_in_flight) {
  return {search.state, search.births, search.evaluations_done, jobs_in_flight, search.budget};
}

void InsertBirths(pqxx::work& txn, LockedSearch& search, const std::vector<Birth>& births) {
  for (const Birth& b : births) {
    const int64_t individual_id =
        ExecPrepared1(txn,
                      "INSERT INTO individuals (search_id, birth_order, genome, "
                      "genome_hash, parent_id, mutation, seed, state) VALUES "
                      "($1, $2, $3, $4, NULLIF($5, 0), $6, $7, 'pending') RETURNING id",
                      search.id, b.birth_order, b.genome, b.genome_hash, b.parent_id, b.mutation,
                      static_cast<int64_t>(b.seed))[0]
            .as<int64_t>();
    ExecPrepared(txn,
                 "INSERT INTO jobs (search_id, individual_id, kind, state, max_attempts, "
                 "lease_seconds, morphisms, epochs) VALUES ($1, $2, $3, 'pending', $4, $5, $6, "
                 "NULLIF($7, 0))",
                 search.id, individual_id, JobKindToDb(b.job_kind), b.max_attempts, b.lease_seconds,
                 b.morphisms, b.epochs);
    search.births = b.birth_order + 1;
  }
  if (!births.empty()) {
    ExecPrepared(txn, "UPDATE searches SET births = $2 WHERE id = $1", search.id, search.births);
  }
}

void AgeOut(pqxx::work& txn, const LockedSearch& search, const std::vector<int64_t>& ids) {
  if (ids.empty()) return;
  ExecPrepared(txn,
               "UPDATE individuals SET alive = false, aged_out_at = $2 "
               "WHERE search_id = $1 AND id = ANY($3::bigint[])",
               search.id, search.evaluations_done, BigintArrayLiteral(ids));
}

// Stores a MEASURE_LATENCY job's table, keyed by the device of the worker
// that measured it (its device and model, as DeviceKey in job_queue.cc
// builds them) and the space it times.
void StoreLatencyTable(pqxx::work& txn, const LockedSearch& search, int64_t job_id,
                       const std::string& table) {
  ExecPrepared(
      txn,
      "INSERT INTO latency_tables (device, space, table_json, measured_by) "
      "SELECT CASE WHEN w.device_model = '' THEN w.device "
      "ELSE w.device || ' (' || w.device_model || ')' END, $2, $3, a.job_id "
      "FROM job_attempts a JOIN workers w ON w.id = a.worker_id "
      "WHERE a.job_id = $1 AND a.outcome = 'reported' ON CONFLICT (device, space) DO UPDATE SET "
      "table_json = EXCLUDED.table_json, measured_by = EXCLUDED.measured_by, measured_at = now()",
      job_id, TfNasSpaceKey(search.step->spec()), table);
}

// The derived architecture becomes the individual's genome, and its
// mutation then names the job that produced it.
void StoreDerivedGenome(pqxx::work& txn, int64_t individual_id, int64_t job_id,
                        const std::string& genome) {
  ExecPrepared(txn,
               "UPDATE individuals SET genome = $2, genome_hash = $3, "
               "mutation = 'derived by job ' || $4 || ', ' || mutation WHERE id = $1",
               individual_id, genome, StableTextHash(genome), job_id);
}

void InsertMetrics(pqxx::work& txn, int64_t individual_id, const v1::EvaluationResult& result) {
  for (const auto& [name, value] : result.metrics()) {
    ExecPrepared(txn,
                 "INSERT INTO individual_metrics (individual_id, name, value) "
                 "VALUES ($1, $2, $3)",
                 individual_id, name, value);
  }
}

// The candidate was not trained: it takes no place in the population and
// no evaluation order, and counts towards the budget as a birth.
absl::Status RecordInfeasible(pqxx::work& txn, LockedSearch& search, int64_t individual_id,
                              const v1::EvaluationResult& result, const std::string& reason) {
  ExecPrepared(
      txn,
      "UPDATE individuals SET state = 'infeasible', failure_reason = $2, parameter_count = $3, "
      "evaluated_at = now() WHERE id = $1",
      individual_id, reason, result.parameter_count());
  InsertMetrics(txn, individual_id, result);
  ExecPrepared(
      txn, "UPDATE searches SET evaluations_infeasible = evaluations_infeasible + 1 WHERE id = $1",
      search.id);
  return absl::OkStatus();
}

}  // namespace

int JobsInFlight(pqxx::work& txn, int64_t search_id) {
  return ExecPrepared1(txn,
                       "SELECT count(*) FROM jobs WHERE search_id = $1 "
                       "AND state IN ('pending', 'leased')",
                       search_id)[0]
      .as<int>();
}

// The population (and history, if the strategy reads it) as the step sees it.
SearchSnapshot LoadSnapshot(pqxx::work& txn, const LockedSearch& search, int jobs_in_flight) {
  const Strategy& strategy = search.step->strategy();
  SearchSnapshot snapshot;
  snapshot.counts = Counts(search, jobs_in_flight);
  SearchView& view = snapshot.view;
  view.births = search.births;
  view.budget = search.budget;
  // Strategies compare scores (larger is better by each objective), not
  // the raw fitness: see controller/search/objectives.h.
  for (const auto& row :
       ExecPrepared(txn,
                    "SELECT id, birth_order, "
                    "array_to_string(COALESCE(objective_scores, ARRAY[fitness]), ','), genome "
                    "FROM individuals WHERE search_id = $1 AND alive ORDER BY evaluated_order",
                    search.id)) {
    std::vector<double> scores = ParseDoubleList(row[2].as<std::string>());
    const double first = scores.empty() ? 0 : scores[0];
    view.population.push_back({row[0].as<int64_t>(), row[1].as<int>(), first,
                               row[3].as<std::string>(), std::move(scores)});
  }
  const pqxx::row counts =
      ExecPrepared1(txn,
                    "SELECT count(*), count(*) FILTER (WHERE birth_order < $2) "
                    "FROM individuals WHERE search_id = $1 AND state = 'pending'",
                    search.id, strategy.InitialJobs());
  view.unfinished = counts[0].as<int>();
  view.unfinished_initial = counts[1].as<int>();
  if (strategy.NeedsHistory()) LoadHistory(txn, search.id, &view);
  return snapshot;
}

// Drops references to weights, so checkpoint garbage collection can free
// them; the search's best individual always keeps its own.
void ReleaseCheckpoints(pqxx::work& txn, const LockedSearch& search,
                        const CheckpointRelease& release) {
  constexpr char kNotBest[] =
      " AND id <> (SELECT id FROM individuals WHERE search_id = $1 AND state = 'evaluated' "
      "ORDER BY objective_scores[1] DESC, birth_order LIMIT 1)";
  if (release.all_but_best) {
    ExecPrepared(txn,
                 absl::StrCat("UPDATE individuals SET checkpoint_digest = NULL "
                              "WHERE search_id = $1 AND checkpoint_digest IS NOT NULL",
                              kNotBest),
                 search.id);
  } else if (!release.individuals.empty()) {
    ExecPrepared(txn,
                 absl::StrCat("UPDATE individuals SET checkpoint_digest = NULL "
                              "WHERE search_id = $1 AND id = ANY($2::bigint[])",
                              kNotBest),
                 search.id, BigintArrayLiteral(release.individuals));
  }
}

// Why the result's candidate breaks the spec's constraints, or "" if it
// does not. The controller checks the measurements itself, so that a result
// over a limit is never recorded as evaluated; a worker's own reason stands
// when the measurements alone do not show it.
absl::StatusOr<std::string> InfeasibleReason(const v1::SearchSpec& spec,
                                             const v1::EvaluationResult& result) {
  if (!HasConstraints(spec.constraints())) {
    if (result.infeasible_reason().empty()) return std::string();
    return absl::InvalidArgumentError(
        "result.infeasible_reason: the search has no constraints to break");
  }
  std::string reason =
      ConstraintViolations(spec.constraints(), result.parameter_count(), result.metrics());
  if (reason.empty()) reason = result.infeasible_reason();
  return reason;
}

absl::StatusOr<std::shared_ptr<const SearchStep>> StepForSpecText(const std::string& text) {
  constexpr size_t kCachedSteps = 64;
  static absl::Mutex mu(absl::kConstInit);
  static auto* cache = new absl::flat_hash_map<std::string, std::shared_ptr<const SearchStep>>();
  {
    absl::MutexLock lock(&mu);
    if (auto it = cache->find(text); it != cache->end()) return it->second;
  }
  ASSIGN_OR_RETURN(const v1::SearchSpec spec, ParseSpecText(text));
  ASSIGN_OR_RETURN(std::shared_ptr<const SearchStep> step, SearchStep::Create(spec));
  absl::MutexLock lock(&mu);
  if (cache->size() >= kCachedSteps) cache->clear();
  cache->emplace(text, step);
  return step;
}

absl::StatusOr<LockedSearch> LockSearch(pqxx::work& txn, int64_t search_id) {
  const pqxx::result rows =
      ExecPrepared(txn,
                   "SELECT spec_text, state, births, evaluations_done, budget, "
                   "COALESCE(data_fingerprint, '') FROM searches "
                   "WHERE id = $1 FOR UPDATE",
                   search_id);
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("search ", search_id, " does not exist"));
  }
  LockedSearch s;
  s.id = search_id;
  ASSIGN_OR_RETURN(s.step, StepForSpecText(rows[0][0].as<std::string>()));
  s.state = rows[0][1].as<std::string>();
  s.births = rows[0][2].as<int>();
  s.evaluations_done = rows[0][3].as<int>();
  s.budget = rows[0][4].as<int>();
  s.data_fingerprint = rows[0][5].as<std::string>();
  return s;
}

int ActiveSlots(pqxx::work& txn, v1::JobKind kind) {
  static const std::string* const sql = new std::string(absl::StrCat(
      "SELECT COALESCE(sum(slots), 0) FROM workers WHERE last_seen > now() - interval '",
      absl::ToInt64Seconds(kActiveWorkerWindow), " seconds' AND $1 = ANY(job_kinds)"));
  return ExecPrepared1(txn, *sql, JobKindToDb(kind))[0].as<int>();
}

absl::StatusOr<int> TopUp(pqxx::work& txn, LockedSearch& search, int target_in_flight) {
  if (!search.step->WantsTopUp(Counts(search, 0), target_in_flight)) return 0;
  // Idle workers call this on every empty lease; when the queue is already
  // full, reading the population (the costly part) would be wasted.
  const int in_flight = JobsInFlight(txn, search.id);
  if (!search.step->WantsTopUp(Counts(search, in_flight), target_in_flight)) return 0;
  const SearchSnapshot snapshot = LoadSnapshot(txn, search, in_flight);
  ASSIGN_OR_RETURN(const StepWrites writes, search.step->TopUp(snapshot, target_in_flight));
  InsertBirths(txn, search, writes.births);
  return static_cast<int>(writes.births.size());
}

absl::Status RecordEvaluation(pqxx::work& txn, LockedSearch& search, int64_t individual_id,
                              const v1::EvaluationResult& result) {
  if (!result.checkpoint().empty() &&
      ExecPrepared(txn, "SELECT 1 FROM checkpoints WHERE digest = $1", result.checkpoint())
          .empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("result.checkpoint: '", result.checkpoint(), "' was not uploaded"));
  }
  const pqxx::row job =
      ExecPrepared1(txn, "SELECT id, kind FROM jobs WHERE individual_id = $1", individual_id);
  const int64_t job_id = job[0].as<int64_t>();
  ASSIGN_OR_RETURN(const JobOutput output,
                   search.step->CheckOutput(JobKindFromDb(job[1].as<std::string>()), result));
  if (!output.latency_table.empty()) StoreLatencyTable(txn, search, job_id, output.latency_table);
  if (!output.derived_genome.empty()) {
    StoreDerivedGenome(txn, individual_id, job_id, output.derived_genome);
  }
  ASSIGN_OR_RETURN(const std::string infeasible, InfeasibleReason(search.step->spec(), result));
  if (!infeasible.empty()) return RecordInfeasible(txn, search, individual_id, result, infeasible);
  const std::vector<v1::Objective> objectives = EffectiveObjectives(search.step->spec());
  ASSIGN_OR_RETURN(
      const std::vector<double> values,
      ObjectiveValues(objectives, result.fitness(), result.parameter_count(), result.metrics()));
  ++search.evaluations_done;
  ExecPrepared(txn,
               "UPDATE individuals SET state = 'evaluated', fitness = $2, "
               "parameter_count = $3, evaluated_at = now(), evaluated_order = $4, "
               "alive = true, checkpoint_digest = NULLIF($5, ''), objective_values = $6::float8[], "
               "objective_scores = $7::float8[] WHERE id = $1",
               individual_id, result.fitness(), result.parameter_count(), search.evaluations_done,
               result.checkpoint(), DoubleArrayLiteral(values),
               DoubleArrayLiteral(ObjectiveScores(objectives, values)));
  InsertMetrics(txn, individual_id, result);
  ExecPrepared(txn, "UPDATE searches SET evaluations_done = $2 WHERE id = $1", search.id,
               search.evaluations_done);
  return absl::OkStatus();
}

absl::Status RecordFailure(pqxx::work& txn, LockedSearch& search, int64_t individual_id,
                           const std::string& reason) {
  ExecPrepared(txn,
               "UPDATE individuals SET state = 'failed', failure_reason = $2, "
               "evaluated_at = now() WHERE id = $1",
               individual_id, reason);
  ExecPrepared(txn,
               "UPDATE searches SET evaluations_failed = evaluations_failed + 1 "
               "WHERE id = $1",
               search.id);
  return absl::OkStatus();
}

absl::Status AdvanceSearch(pqxx::work& txn, LockedSearch& search) {
  if (search.state != "running") return absl::OkStatus();
  const int slots = ActiveSlots(txn, search.step->job_kind());
  const SearchSnapshot snapshot = LoadSnapshot(txn, search, JobsInFlight(txn, search.id));
  ASSIGN_OR_RETURN(const StepWrites writes, search.step->Advance(snapshot, slots));
  AgeOut(txn, search, writes.age_out);
  InsertBirths(txn, search, writes.births);
  ReleaseCheckpoints(txn, search, writes.release);
  if (writes.succeeded) {
    ExecPrepared(txn,
                 "UPDATE searches SET state = 'succeeded', finished_at = now() "
                 "WHERE id = $1",
                 search.id);
    search.state = "succeeded";
  }
  return absl::OkStatus();
}

}  // namespace nas
