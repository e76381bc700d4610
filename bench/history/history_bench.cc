// How the controller's reads and steps cost as a search's history grows: one
// small search and one with 100,000 individuals (by default) in one
// database, then the median and p99 of GetSearch, GetBestIndividual, a page
// of ListIndividuals, a lineage and a report's step (a lease and the report
// of its job) on each. The history beyond each search's first population is
// written in bulk by SQL, consistent with the schema: evaluated individuals,
// aged out, each with its done job and attempt, each the child of the one
// born 50 before it. Prints one JSON object.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status/status_macros.h"
#include "controller/store/database.h"
#include "controller/store/job_queue.h"
#include "controller/store/migrations.h"
#include "controller/store/migrator.h"
#include "controller/store/search_store.h"
#include "google/protobuf/text_format.h"

ABSL_FLAG(std::string, database, "", "libpq connection string of an empty database");
ABSL_FLAG(int, small, 1000, "individuals in the small search's history");
ABSL_FLAG(int, large, 100000, "individuals in the large search's history");
ABSL_FLAG(int, repeats, 200, "calls timed per operation and search");

namespace nas {
namespace {

constexpr int kPopulation = 20;

#define CHECK_OK(expr)                                                             \
  do {                                                                             \
    const absl::Status _s = (expr);                                                \
    if (!_s.ok()) {                                                                \
      std::fprintf(stderr, "%s: %s\n", #expr, std::string(_s.ToString()).c_str()); \
      std::exit(1);                                                                \
    }                                                                              \
  } while (0)

v1::SearchSpec Spec(int budget) {
  v1::SearchSpec spec;
  google::protobuf::TextFormat::ParseFromString(
      R"pb(
        space { darts_cell { nodes: 2 } }
        strategy { aging_evolution { population_size: 20 sample_size: 5 } }
        training { epochs: 1 batch_size: 8 learning_rate: 0.1 init_channels: 4 cells: 1 }
        dataset { format: DIGITS_CSV path: "unused" validation_examples: 10 }
        seed: 11
        lease_seconds: 600
        max_attempts: 3
      )pb",
      &spec);
  spec.set_budget(budget);
  return spec;
}

v1::WorkerInfo Worker() {
  v1::WorkerInfo w;
  w.set_worker_id("history-bench");
  w.set_hostname("bench");
  w.set_device("cpu");
  w.add_job_kinds(v1::TRAIN_CANDIDATE);
  return w;
}

double Millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

struct Timing {
  double p50 = 0, p99 = 0;
};

Timing Summarize(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

Timing Time(int repeats, const std::function<absl::Status()>& call) {
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    CHECK_OK(call());
    ms.push_back(Millis(std::chrono::steady_clock::now() - start));
  }
  return Summarize(std::move(ms));
}

// Leases one job and reports it: one evaluation's step.
absl::Status Step(JobQueue& queue, double fitness) {
  absl::StatusOr<std::optional<v1::Job>> job = queue.LeaseJob(Worker());
  if (!job.ok()) return job.status();
  if (!job->has_value()) return absl::InternalError("no job to lease");
  v1::ReportResultRequest report;
  report.set_worker_id(Worker().worker_id());
  report.set_job_id((*job)->job_id());
  report.set_attempt((*job)->attempt());
  report.mutable_result()->set_fitness(fitness);
  report.mutable_result()->set_parameter_count(1000);
  return queue.ReportResult(report).status();
}

// `n` evaluated, aged-out individuals after the search's own births, each
// with a done job and its reported attempt; births, evaluations and budget
// follow.
// Returns the birth order of the first one written.
absl::StatusOr<int> Fill(Database& db, int64_t search_id, int n) {
  int births = 0;
  RETURN_IF_ERROR(db.Transact([&](pqxx::work& txn) -> absl::Status {
    const pqxx::row s = txn.exec_params1(
        "SELECT births, evaluations_done FROM searches WHERE id = $1 FOR UPDATE", search_id);
    births = s[0].as<int>();
    const int done = s[1].as<int>();
    txn.exec_params(
        "INSERT INTO individuals (search_id, birth_order, genome, genome_hash, mutation, seed, "
        "state, fitness, parameter_count, evaluated_at, evaluated_order, alive, aged_out_at, "
        "objective_values, objective_scores) "
        "SELECT $1, $2 + k, g.genome, g.genome_hash, 'history fill', k, 'evaluated', f.v, 1000, "
        "now(), $3 + 1 + k, false, $3 + 1 + k, ARRAY[f.v], ARRAY[f.v] "
        "FROM generate_series(0, $4 - 1) k "
        "CROSS JOIN LATERAL (SELECT random() * 0.5 + 0 * k AS v) f "
        "CROSS JOIN (SELECT genome, genome_hash FROM individuals WHERE search_id = $1 "
        "ORDER BY birth_order LIMIT 1) g",
        search_id, births, done, n);
    txn.exec("ANALYZE individuals");  // Else the joins below plan for an empty table.
    txn.exec_params(
        "UPDATE individuals c SET parent_id = p.id FROM individuals p "
        "WHERE c.search_id = $1 AND p.search_id = $1 AND c.mutation = 'history fill' "
        "AND p.mutation = 'history fill' AND p.birth_order = c.birth_order - 50",
        search_id);
    txn.exec_params(
        "INSERT INTO jobs (search_id, individual_id, kind, state, attempt, max_attempts, "
        "lease_seconds, progress, finished_at) "
        "SELECT $1, id, 'train_candidate', 'done', 1, 3, 600, 1, now() FROM individuals "
        "WHERE search_id = $1 AND mutation = 'history fill'",
        search_id);
    txn.exec("ANALYZE jobs");
    txn.exec_params(
        "INSERT INTO job_attempts (job_id, attempt, worker_id, outcome, ended_at) "
        "SELECT j.id, 1, $2, 'reported', now() FROM jobs j JOIN individuals i "
        "ON i.id = j.individual_id WHERE j.search_id = $1 AND i.mutation = 'history fill'",
        search_id, Worker().worker_id());
    txn.exec_params(
        "UPDATE searches SET births = births + $2, evaluations_done = evaluations_done + $2, "
        "budget = budget + $2 WHERE id = $1",
        search_id, n);
    return absl::OkStatus();
  }));
  return births;
}

struct SearchFigures {
  int64_t search_id = 0;
  int individuals = 0;
  int first_filled = 0;  // Birth order of the first individual written in bulk.
  Timing get_search, best, list_page, lineage, step;
};

// Creates a search, evaluates its first population for real, fills its
// history with `n` more and times its steps (it must be the only running
// search, so that the leases are its own).
SearchFigures Grow(Database& db, SearchStore& store, JobQueue& queue, int n, int repeats) {
  SearchFigures f;
  absl::StatusOr<v1::Search> search = store.CreateSearch(Spec(kPopulation + 10 * repeats));
  CHECK_OK(search.status());
  f.search_id = search->id();
  for (int i = 0; i < kPopulation; ++i) CHECK_OK(Step(queue, 0.5 + 0.01 * i));
  absl::StatusOr<int> first_filled = Fill(db, f.search_id, n);
  CHECK_OK(first_filled.status());
  f.first_filled = *first_filled;
  {
    // As autovacuum would after such a write: the fill's own updates leave
    // dead rows that no history written a step at a time has.
    pqxx::connection conn(absl::GetFlag(FLAGS_database));
    pqxx::nontransaction(conn).exec("VACUUM ANALYZE individuals, jobs, job_attempts");
  }
  int k = 0;
  f.step = Time(repeats, [&] { return Step(queue, 0.4 + 0.001 * (k++ % 100)); });
  f.individuals = kPopulation + n + repeats;
  return f;
}

void TimeReads(Database& db, SearchStore& store, int repeats, SearchFigures& f) {
  int64_t deep = 0;  // An individual 10 generations into the filled history.
  CHECK_OK(db.Transact([&](pqxx::work& txn) {
    deep = txn.exec_params1("SELECT id FROM individuals WHERE search_id = $1 AND birth_order = $2",
                            f.search_id, f.first_filled + 500)[0]
               .as<int64_t>();
    return absl::OkStatus();
  }));
  const std::string middle = absl::StrCat(f.individuals / 2);
  f.get_search = Time(repeats, [&] { return store.GetSearch(f.search_id).status(); });
  f.best = Time(repeats, [&] { return store.GetBestIndividual(f.search_id).status(); });
  f.list_page = Time(repeats, [&] {
    return store.ListIndividuals(f.search_id, {100, middle}).status();
  });
  f.lineage = Time(repeats, [&] {
    absl::StatusOr<std::vector<v1::Individual>> l = store.GetLineage(deep);
    if (l.ok() && l->size() != 11) return absl::InternalError("lineage is not 11 deep");
    return l.status();
  });
}

std::string Json(const char* name, const Timing& t) {
  return absl::StrFormat("\"%s\": {\"p50_ms\": %.3f, \"p99_ms\": %.3f}", name, t.p50, t.p99);
}

std::string Json(const SearchFigures& f) {
  return absl::StrCat(
      "{\"search_id\": ", f.search_id, ", \"individuals\": ", f.individuals, ", ",
      absl::StrJoin({Json("get_search", f.get_search), Json("get_best", f.best),
                     Json("list_individuals_page", f.list_page), Json("lineage_11_deep", f.lineage),
                     Json("step_lease_and_report", f.step)},
                    ", "),
      "}");
}

int Main() {
  Database::Options options;
  options.dsn = absl::GetFlag(FLAGS_database);
  options.statement_timeout_ms = 600000;  // The bulk writes of the history.
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Create(options);
  CHECK_OK(db.status());
  CHECK_OK(ApplyMigrations(**db, EmbeddedMigrations()).status());
  SearchStore store(db->get());
  JobQueue queue(db->get());
  const int repeats = absl::GetFlag(FLAGS_repeats);
  SearchFigures small = Grow(**db, store, queue, absl::GetFlag(FLAGS_small), repeats);
  CHECK_OK(store.CancelSearch(small.search_id).status());  // The large one's leases are its own.
  SearchFigures large = Grow(**db, store, queue, absl::GetFlag(FLAGS_large), repeats);
  TimeReads(**db, store, repeats, small);
  TimeReads(**db, store, repeats, large);
  std::printf("{\"repeats\": %d, \"small\": %s, \"large\": %s}\n", repeats, Json(small).c_str(),
              Json(large).c_str());
  return 0;
}

}  // namespace
}  // namespace nas

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return nas::Main();
}
