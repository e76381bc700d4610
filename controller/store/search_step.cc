#include "controller/store/search_step.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/genome/stable_hash.h"
#include "common/random/seeded_random.h"
#include "common/search_space/search_space.h"
#include "common/status/status_macros.h"
#include "controller/search/strategy_registry.h"
#include "controller/store/rows.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace nas {
namespace {

// Separates the strategy's random stream from the training seed stream.
constexpr uint64_t kStrategyStream = 0x5eed5eed5eed5eedull;

void LoadHistory(pqxx::work& txn, int64_t search_id, SearchView* view) {
  for (const auto& row :
       txn.exec_params("SELECT id, birth_order, state, COALESCE(fitness, 0), genome, "
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

absl::StatusOr<SearchView> LoadView(pqxx::work& txn, const LockedSearch& search,
                                    const Strategy& strategy) {
  const int initial_jobs = strategy.InitialJobs();
  SearchView view;
  view.births = search.births;
  view.budget = search.spec.budget();
  for (const auto& row : txn.exec_params("SELECT id, birth_order, fitness, genome FROM individuals "
                                         "WHERE search_id = $1 AND alive ORDER BY evaluated_order",
                                         search.id)) {
    view.population.push_back(
        {row[0].as<int64_t>(), row[1].as<int>(), DoubleField(row[2]), row[3].as<std::string>()});
  }
  const pqxx::row counts = txn.exec_params1(
      "SELECT count(*), count(*) FILTER (WHERE birth_order < $2) "
      "FROM individuals WHERE search_id = $1 AND state = 'pending'",
      search.id, initial_jobs);
  view.unfinished = counts[0].as<int>();
  view.unfinished_initial = counts[1].as<int>();
  if (strategy.NeedsHistory()) LoadHistory(txn, search.id, &view);
  return view;
}

int JobsInFlight(pqxx::work& txn, int64_t search_id) {
  return txn
      .exec_params1(
          "SELECT count(*) FROM jobs WHERE search_id = $1 "
          "AND state IN ('pending', 'leased')",
          search_id)[0]
      .as<int>();
}

// Drops references to weights no later step can need, so checkpoint garbage
// collection can free them. The search's best individual always keeps its
// weights (users export them); strategies that read the history say what else
// they will grow from again; other strategies need none.
absl::Status ReleaseCheckpoints(pqxx::work& txn, const LockedSearch& search,
                                const Strategy& strategy, const SearchView& view) {
  constexpr char kBest[] =
      "(SELECT id FROM individuals WHERE search_id = $1 AND state = 'evaluated' "
      "ORDER BY fitness DESC, birth_order LIMIT 1)";
  if (!strategy.NeedsHistory()) {
    if (search.spec.has_table_lookup()) return absl::OkStatus();  // No weights at all.
    txn.exec_params(absl::StrCat("UPDATE individuals SET checkpoint_digest = NULL "
                                 "WHERE search_id = $1 AND checkpoint_digest IS NOT NULL "
                                 "AND id <> ",
                                 kBest),
                    search.id);
    return absl::OkStatus();
  }
  const std::vector<int64_t> release = strategy.ReleasableCheckpoints(view);
  if (release.empty()) return absl::OkStatus();
  std::string ids;
  for (int64_t id : release) absl::StrAppend(&ids, ids.empty() ? "" : ",", id);
  txn.exec_params(absl::StrCat("UPDATE individuals SET checkpoint_digest = NULL "
                               "WHERE search_id = $1 AND id = ANY($2::bigint[]) AND id <> ",
                               kBest),
                  search.id, absl::StrCat("{", ids, "}"));
  return absl::OkStatus();
}

// TopUp over an already loaded view, which it keeps up to date with what it
// queues; `in_flight` is JobsInFlight's count.
absl::StatusOr<int> TopUpView(pqxx::work& txn, LockedSearch& search, const Strategy& strategy,
                              SearchView& view, int target_in_flight, int in_flight) {
  if (search.state != "running") return 0;
  ASSIGN_OR_RETURN(auto space, MakeSearchSpace(search.spec.space()));
  const v1::JobKind spec_kind = JobKindForSpec(search.spec);
  const uint64_t search_seed = search.spec.seed();
  int queued = 0;
  while (search.births < search.spec.budget() && in_flight < target_in_flight) {
    const uint64_t seed = DeriveSeed(search_seed, search.births);
    SeededRandom rng(MixSeed(seed ^ kStrategyStream));
    ASSIGN_OR_RETURN(std::optional<Proposal> proposal, strategy.Propose(view, *space, rng));
    if (!proposal.has_value()) break;
    const std::string hash = StableTextHash(proposal->genome);
    const int64_t individual_id =
        txn.exec_params1(
               "INSERT INTO individuals (search_id, birth_order, genome, "
               "genome_hash, parent_id, mutation, seed, state) VALUES "
               "($1, $2, $3, $4, NULLIF($5, 0), $6, $7, 'pending') RETURNING id",
               search.id, search.births, proposal->genome, hash, proposal->parent_id,
               proposal->mutation, static_cast<int64_t>(seed))[0]
            .as<int64_t>();
    txn.exec_params(
        "INSERT INTO jobs (search_id, individual_id, kind, state, max_attempts, "
        "lease_seconds, morphisms, epochs) VALUES ($1, $2, $3, 'pending', $4, $5, $6, "
        "NULLIF($7, 0))",
        search.id, individual_id,
        JobKindToDb(proposal->job_kind == v1::JOB_KIND_UNSPECIFIED ? spec_kind
                                                                   : proposal->job_kind),
        search.spec.max_attempts(), search.spec.lease_seconds(), proposal->morphisms,
        proposal->epochs);
    ++search.births;
    ++in_flight;
    ++queued;
    view.births = search.births;
    ++view.unfinished;
    if (search.births <= strategy.InitialJobs()) ++view.unfinished_initial;
    if (strategy.NeedsHistory()) {
      view.history.push_back({individual_id, search.births - 1, HistoryEntry::State::kPending, 0,
                              proposal->genome, false, proposal->parent_id, false});
    }
  }
  txn.exec_params("UPDATE searches SET births = $2 WHERE id = $1", search.id, search.births);
  return queued;
}

// Stores a MEASURE_LATENCY job's table, keyed by the device of the worker
// that measured it (workers.device: device and model, see DeviceKey in
// job_queue.cc) and the space it times. Other jobs must not report one.
absl::Status RecordLatencyTable(pqxx::work& txn, const LockedSearch& search, int64_t job_id,
                                v1::JobKind kind, const v1::EvaluationResult& result) {
  const std::string& table = result.latency_table();
  if (kind != v1::MEASURE_LATENCY) {
    if (table.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(
        "result.latency_table: only a MEASURE_LATENCY job reports a latency table");
  }
  google::protobuf::Struct parsed;
  if (table.empty() || !google::protobuf::util::JsonStringToMessage(table, &parsed).ok() ||
      !parsed.fields().contains("base")) {
    return absl::InvalidArgumentError(
        "result.latency_table: a MEASURE_LATENCY job must report a JSON object with \"base\"");
  }
  txn.exec_params(
      "INSERT INTO latency_tables (device, space, table_json, measured_by) "
      "SELECT w.device, $2, $3, a.job_id FROM job_attempts a JOIN workers w ON w.id = a.worker_id "
      "WHERE a.job_id = $1 AND a.outcome = 'reported' ON CONFLICT (device, space) DO UPDATE SET "
      "table_json = EXCLUDED.table_json, measured_by = EXCLUDED.measured_by, measured_at = now()",
      job_id, TfNasSpaceKey(search.spec), table);
  return absl::OkStatus();
}

// Supernet and TF-NAS jobs' individuals are born without a genome: the
// report names the derived architecture, which becomes the individual's
// genome, and its mutation then names the job that produced it. Other jobs
// must not report one.
absl::Status RecordDerivedArchitecture(pqxx::work& txn, const LockedSearch& search, int64_t job_id,
                                       v1::JobKind kind, int64_t individual_id,
                                       const v1::EvaluationResult& result) {
  const bool derives = kind == v1::SUPERNET_SEARCH || kind == v1::TFNAS_SEARCH;
  const std::string& text = result.architecture().text();
  if (!derives) {
    if (text.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "result.architecture: only SUPERNET_SEARCH and TFNAS_SEARCH jobs report an architecture, "
        "not ",
        v1::JobKind_Name(kind)));
  }
  if (text.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("result.architecture: a ",
                                                   v1::JobKind_Name(kind),
                                                   " job must report the derived architecture"));
  }
  ASSIGN_OR_RETURN(auto space, MakeSearchSpace(search.spec.space()));
  absl::StatusOr<std::string> genome = space->Canonicalize(text);
  if (!genome.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("result.architecture: ", genome.status().message()));
  }
  txn.exec_params(
      "UPDATE individuals SET genome = $2, genome_hash = $3, "
      "mutation = 'derived by job ' || $4 || ', ' || mutation WHERE id = $1",
      individual_id, *genome, StableTextHash(*genome), job_id);
  return absl::OkStatus();
}

// What a job reports beside its fitness: a derived architecture or a table.
absl::Status RecordJobOutput(pqxx::work& txn, const LockedSearch& search, int64_t individual_id,
                             const v1::EvaluationResult& result) {
  const pqxx::row job =
      txn.exec_params1("SELECT id, kind FROM jobs WHERE individual_id = $1", individual_id);
  const int64_t job_id = job[0].as<int64_t>();
  const v1::JobKind kind = JobKindFromDb(job[1].as<std::string>());
  RETURN_IF_ERROR(RecordLatencyTable(txn, search, job_id, kind, result));
  return RecordDerivedArchitecture(txn, search, job_id, kind, individual_id, result);
}

}  // namespace

absl::StatusOr<LockedSearch> LockSearch(pqxx::work& txn, int64_t search_id) {
  const pqxx::result rows = txn.exec_params(
      "SELECT spec_text, state, births, evaluations_done FROM searches "
      "WHERE id = $1 FOR UPDATE",
      search_id);
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("search ", search_id, " does not exist"));
  }
  LockedSearch s;
  s.id = search_id;
  ASSIGN_OR_RETURN(s.spec, ParseSpecText(rows[0][0].as<std::string>()));
  s.state = rows[0][1].as<std::string>();
  s.births = rows[0][2].as<int>();
  s.evaluations_done = rows[0][3].as<int>();
  return s;
}

int ActiveWorkers(pqxx::work& txn, v1::JobKind kind) {
  return txn
      .exec_params1(
          "SELECT count(*) FROM workers WHERE last_seen > now() - interval "
          "'30 seconds' AND $1 = ANY(job_kinds)",
          JobKindToDb(kind))[0]
      .as<int>();
}

absl::StatusOr<int> TopUp(pqxx::work& txn, LockedSearch& search, int target_in_flight) {
  if (search.state != "running" || search.births >= search.spec.budget()) return 0;
  // Idle workers call this on every empty lease; when the queue is already
  // full, reading the population (the costly part) would be wasted.
  const int in_flight = JobsInFlight(txn, search.id);
  if (in_flight >= target_in_flight) return 0;
  ASSIGN_OR_RETURN(auto strategy, MakeStrategy(search.spec));
  ASSIGN_OR_RETURN(SearchView view, LoadView(txn, search, *strategy));
  return TopUpView(txn, search, *strategy, view, target_in_flight, in_flight);
}

absl::Status RecordEvaluation(pqxx::work& txn, LockedSearch& search, int64_t individual_id,
                              const v1::EvaluationResult& result) {
  ASSIGN_OR_RETURN(auto strategy, MakeStrategy(search.spec));
  if (!result.checkpoint().empty() &&
      txn.exec_params("SELECT 1 FROM checkpoints WHERE digest = $1", result.checkpoint()).empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("result.checkpoint: '", result.checkpoint(), "' was not uploaded"));
  }
  RETURN_IF_ERROR(RecordJobOutput(txn, search, individual_id, result));
  ++search.evaluations_done;
  txn.exec_params(
      "UPDATE individuals SET state = 'evaluated', fitness = $2, "
      "parameter_count = $3, evaluated_at = now(), evaluated_order = $4, "
      "alive = true, checkpoint_digest = NULLIF($5, '') WHERE id = $1",
      individual_id, result.fitness(), result.parameter_count(), search.evaluations_done,
      result.checkpoint());
  for (const auto& [name, value] : result.metrics()) {
    txn.exec_params(
        "INSERT INTO individual_metrics (individual_id, name, value) "
        "VALUES ($1, $2, $3)",
        individual_id, name, value);
  }
  txn.exec_params("UPDATE searches SET evaluations_done = $2 WHERE id = $1", search.id,
                  search.evaluations_done);
  const int limit = strategy->PopulationLimit();
  if (limit > 0) {
    // Remove the OLDEST member, not the worst: the one that joined the
    // population first (with many workers, children join in the order their
    // evaluations finish, which need not be their birth order).
    txn.exec_params(
        "UPDATE individuals SET alive = false, aged_out_at = $2 WHERE id IN ("
        "  SELECT id FROM individuals WHERE search_id = $1 AND alive "
        "  ORDER BY evaluated_order LIMIT GREATEST(0, ("
        "    SELECT count(*) FROM individuals WHERE search_id = $1 AND alive) - $3))",
        search.id, search.evaluations_done, limit);
  }
  return absl::OkStatus();
}

absl::Status RecordFailure(pqxx::work& txn, LockedSearch& search, int64_t individual_id,
                           const std::string& reason) {
  txn.exec_params(
      "UPDATE individuals SET state = 'failed', failure_reason = $2, "
      "evaluated_at = now() WHERE id = $1",
      individual_id, reason);
  txn.exec_params(
      "UPDATE searches SET evaluations_failed = evaluations_failed + 1 "
      "WHERE id = $1",
      search.id);
  return absl::OkStatus();
}

absl::Status AdvanceSearch(pqxx::work& txn, LockedSearch& search) {
  if (search.state != "running") return absl::OkStatus();
  const int target = std::max(1, ActiveWorkers(txn, JobKindForSpec(search.spec)));
  ASSIGN_OR_RETURN(auto strategy, MakeStrategy(search.spec));
  ASSIGN_OR_RETURN(SearchView view, LoadView(txn, search, *strategy));
  RETURN_IF_ERROR(
      TopUpView(txn, search, *strategy, view, target, JobsInFlight(txn, search.id)).status());
  RETURN_IF_ERROR(ReleaseCheckpoints(txn, search, *strategy, view));
  if ((search.births >= search.spec.budget() || strategy->Finished(view)) &&
      JobsInFlight(txn, search.id) == 0) {
    txn.exec_params(
        "UPDATE searches SET state = 'succeeded', finished_at = now() "
        "WHERE id = $1",
        search.id);
    search.state = "succeeded";
  }
  return absl::OkStatus();
}

}  // namespace nas
