#include "controller/store/report_batch.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "controller/search/objectives.h"
#include "controller/store/prepared.h"
#include "controller/store/rows.h"

namespace nas {

ReportBatch::ReportBatch(pqxx::work& txn, LockedSearch& search, bool in_memory, Logs* logs,
                         RecordOne record_one)
    : txn_(txn),
      search_(search),
      in_memory_(in_memory),
      logs_(logs),
      record_one_(std::move(record_one)) {}

std::vector<absl::StatusOr<ReportOutcome>> ReportBatch::Record(
    const std::vector<const v1::ReportResultRequest*>& requests) {
  if (in_memory_) ReadJobs(requests);
  std::vector<absl::StatusOr<ReportOutcome>> outcomes;
  outcomes.reserve(requests.size());
  for (const v1::ReportResultRequest* request : requests) {
    const std::optional<Evaluation> evaluation = FastPathEvaluation(*request);
    if (evaluation.has_value()) {
      outcomes.push_back(RecordHere(*request, *evaluation));
    } else {
      outcomes.push_back(RecordElsewhere(*request));
    }
  }
  Flush();
  return outcomes;
}

void ReportBatch::ReadJobs(const std::vector<const v1::ReportResultRequest*>& requests) {
  std::vector<int64_t> job_ids;
  std::vector<std::string> checkpoints;
  for (const v1::ReportResultRequest* request : requests) {
    if (!request->has_result()) continue;
    job_ids.push_back(request->job_id());
    if (!request->result().checkpoint().empty()) {
      checkpoints.push_back(request->result().checkpoint());
    }
  }
  if (job_ids.empty()) return;
  // Lock order everywhere: search row (the caller's), then job rows, here
  // in id order.
  for (const auto& row : ExecPrepared(
           txn_,
           "SELECT j.id, j.state, j.attempt, COALESCE(j.lease_owner, ''), j.individual_id, "
           "j.kind, a.stop_reason IS NOT NULL, i.birth_order, i.genome "
           "FROM jobs j JOIN individuals i ON i.id = j.individual_id "
           "LEFT JOIN job_attempts a ON a.job_id = j.id AND a.attempt = j.attempt "
           "WHERE j.id = ANY($1::bigint[]) AND j.search_id = $2 ORDER BY j.id FOR UPDATE OF j",
           BigintArrayLiteral(job_ids), search_.id)) {
    JobRow job;
    job.state = row[1].as<std::string>();
    job.attempt = row[2].as<int>();
    job.lease_owner = row[3].as<std::string>();
    job.individual_id = row[4].as<int64_t>();
    job.kind = JobKindFromDb(row[5].as<std::string>());
    job.stopped_early = !row[6].is_null() && row[6].as<bool>();
    job.birth_order = row[7].as<int>();
    job.genome = row[8].as<std::string>();
    jobs_[row[0].as<int64_t>()] = std::move(job);
  }
  if (checkpoints.empty()) return;
  for (const auto& row :
       ExecPrepared(txn_, "SELECT digest FROM checkpoints WHERE digest = ANY($1::text[])",
                    TextArrayLiteral(checkpoints))) {
    stored_checkpoints_.insert(row[0].as<std::string>());
  }
}

std::optional<ReportBatch::Evaluation> ReportBatch::FastPathEvaluation(
    const v1::ReportResultRequest& request) const {
  // The step of a strategy that reads the history needs the ids of the
  // individuals it queues, and the history as the database has it.
  if (!in_memory_ || !request.has_result() || search_.step->strategy().NeedsHistory()) {
    return std::nullopt;
  }
  const auto job = jobs_.find(request.job_id());
  if (job == jobs_.end()) return std::nullopt;
  const JobRow& row = job->second;
  if (row.state != "leased" || row.attempt != request.attempt() ||
      row.lease_owner != request.worker_id() || row.stopped_early) {
    return std::nullopt;
  }
  const v1::EvaluationResult& result = request.result();
  if (result.has_data() && !search_.data_fingerprint.empty() &&
      result.data().fingerprint() != search_.data_fingerprint) {
    return std::nullopt;
  }
  if (!result.checkpoint().empty() && !stored_checkpoints_.contains(result.checkpoint())) {
    return std::nullopt;
  }
  const absl::StatusOr<JobOutput> output = search_.step->CheckOutput(row.kind, result);
  if (!output.ok() || !output->latency_table.empty() || !output->derived_genome.empty()) {
    return std::nullopt;
  }
  const absl::StatusOr<std::string> infeasible = InfeasibleReason(search_.step->spec(), result);
  if (!infeasible.ok() || !infeasible->empty()) return std::nullopt;
  const std::vector<v1::Objective> objectives = EffectiveObjectives(search_.step->spec());
  absl::StatusOr<std::vector<double>> values =
      ObjectiveValues(objectives, result.fitness(), result.parameter_count(), result.metrics());
  if (!values.ok()) return std::nullopt;
  Evaluation evaluation;
  evaluation.scores = ObjectiveScores(objectives, *values);
  evaluation.values = *std::move(values);
  return evaluation;
}

absl::StatusOr<ReportOutcome> ReportBatch::RecordHere(const v1::ReportResultRequest& request,
                                                      const Evaluation& evaluation) {
  if (!snapshot_loaded_) LoadStepView();
  JobRow& job = jobs_[request.job_id()];
  const v1::EvaluationResult& result = request.result();
  const Strategy& strategy = search_.step->strategy();

  // The step first, on a copy: a step that fails leaves the batch as it was
  // (one at a time, the report's savepoint would be rolled back).
  SearchSnapshot next = snapshot_;
  LockedSearch counted = search_;
  ++counted.evaluations_done;
  next.view.population.push_back({job.individual_id, job.birth_order,
                                  evaluation.scores.empty() ? 0 : evaluation.scores[0], job.genome,
                                  evaluation.scores});
  --next.view.unfinished;
  if (job.birth_order < strategy.InitialJobs()) --next.view.unfinished_initial;
  --next.counts.jobs_in_flight;
  next.counts = {counted.state, counted.births, counted.evaluations_done,
                 next.counts.jobs_in_flight, counted.budget};
  StepWrites writes;
  if (counted.state == "running") {
    absl::StatusOr<StepWrites> decided = counted.step->Advance(next, active_slots_);
    if (!decided.ok()) return decided.status();
    writes = *std::move(decided);
  }

  // The report.
  if (result.has_data() && search_.data_fingerprint.empty()) {
    search_.data_fingerprint = result.data().fingerprint();
    pending_.data_description = DataDescriptionToText(result.data());
  }
  job.state = "done";
  job.lease_owner.clear();
  pending_.done_jobs.push_back(request.job_id());
  pending_.done_attempts.push_back(request.attempt());
  search_.evaluations_done = counted.evaluations_done;
  pending_.evaluated_ids.push_back(job.individual_id);
  pending_.evaluated_fitness.push_back(result.fitness());
  pending_.evaluated_parameters.push_back(result.parameter_count());
  pending_.evaluated_orders.push_back(search_.evaluations_done);
  pending_.evaluated_checkpoints.push_back(result.checkpoint());
  pending_.evaluated_values.push_back(DoubleArrayLiteral(evaluation.values));
  pending_.evaluated_scores.push_back(DoubleArrayLiteral(evaluation.scores));
  for (const auto& [name, value] : result.metrics()) {
    pending_.metric_ids.push_back(job.individual_id);
    pending_.metric_names.push_back(name);
    pending_.metric_values.push_back(value);
  }
  pending_.search_changed = true;
  logs_->push_back({{search_.id, request.job_id(), request.attempt(), request.worker_id()},
                    &request.log_lines()});

  // Its step's writes, and the view they leave.
  const absl::flat_hash_set<int64_t> aged(writes.age_out.begin(), writes.age_out.end());
  std::vector<PopulationMember>& population = next.view.population;
  population.erase(
      std::remove_if(population.begin(), population.end(),
                     [&](const PopulationMember& m) { return aged.contains(m.individual_id); }),
      population.end());
  for (int64_t id : writes.age_out) {
    pending_.aged_ids.push_back(id);
    pending_.aged_at.push_back(search_.evaluations_done);
  }
  for (Birth& birth : writes.births) {
    search_.births = birth.birth_order + 1;
    ++next.counts.jobs_in_flight;
    ++next.view.unfinished;
    if (birth.birth_order < strategy.InitialJobs()) ++next.view.unfinished_initial;
    pending_.births.push_back(std::move(birth));
  }
  next.view.births = search_.births;
  next.counts.births = search_.births;
  pending_.release_all_but_best |= writes.release.all_but_best;
  if (!writes.release.individuals.empty()) {
    // Only strategies that read the history name weights to release.
    Flush();
    ReleaseCheckpoints(txn_, search_, {false, writes.release.individuals});
  }
  if (writes.succeeded) {
    search_.state = "succeeded";
    next.counts.state = search_.state;
  }
  snapshot_ = std::move(next);
  return ReportOutcome{};
}

absl::StatusOr<ReportOutcome> ReportBatch::RecordElsewhere(const v1::ReportResultRequest& request) {
  // It reads and writes the database: it must see this batch's writes, and
  // what it writes is not followed here.
  Flush();
  snapshot_loaded_ = false;
  jobs_.erase(request.job_id());
  absl::StatusOr<ReportOutcome> outcome = record_one_(request);
  if (outcome.ok() && request.has_result() && request.result().has_data() &&
      search_.data_fingerprint.empty()) {
    search_.data_fingerprint = request.result().data().fingerprint();
  }
  return outcome;
}

void ReportBatch::LoadStepView() {
  active_slots_ = ActiveSlots(txn_, search_.step->job_kind());
  snapshot_ = LoadSnapshot(txn_, search_, JobsInFlight(txn_, search_.id));
  snapshot_loaded_ = true;
}

void ReportBatch::Flush() {
  Pending& p = pending_;
  if (!p.done_jobs.empty()) {
    ExecPrepared(txn_,
                 "WITH done AS (UPDATE jobs SET state = 'done', lease_owner = NULL, "
                 "lease_expires_at = NULL, progress = 1, finished_at = now() "
                 "WHERE id = ANY($1::bigint[]) RETURNING id) "
                 "UPDATE job_attempts a SET outcome = 'reported', ended_at = now() "
                 "FROM unnest($1::bigint[], $2::int[]) AS d(job_id, attempt) "
                 "WHERE a.job_id = d.job_id AND a.attempt = d.attempt",
                 BigintArrayLiteral(p.done_jobs), BigintArrayLiteral(p.done_attempts));
  }
  if (!p.evaluated_ids.empty()) {
    ExecPrepared(
        txn_,
        "UPDATE individuals i SET state = 'evaluated', fitness = u.fitness, "
        "parameter_count = u.parameter_count, evaluated_at = now(), "
        "evaluated_order = u.evaluated_order, alive = true, "
        "checkpoint_digest = NULLIF(u.checkpoint, ''), "
        "objective_values = u.objective_values::float8[], "
        "objective_scores = u.objective_scores::float8[] "
        "FROM unnest($1::bigint[], $2::float8[], $3::bigint[], $4::int[], $5::text[], $6::text[], "
        "$7::text[]) AS u(id, fitness, parameter_count, evaluated_order, checkpoint, "
        "objective_values, objective_scores) WHERE i.id = u.id",
        BigintArrayLiteral(p.evaluated_ids), DoubleArrayLiteral(p.evaluated_fitness),
        BigintArrayLiteral(p.evaluated_parameters), BigintArrayLiteral(p.evaluated_orders),
        TextArrayLiteral(p.evaluated_checkpoints), TextArrayLiteral(p.evaluated_values),
        TextArrayLiteral(p.evaluated_scores));
  }
  if (!p.metric_ids.empty()) {
    ExecPrepared(txn_,
                 "INSERT INTO individual_metrics (individual_id, name, value) "
                 "SELECT * FROM unnest($1::bigint[], $2::text[], $3::float8[])",
                 BigintArrayLiteral(p.metric_ids), TextArrayLiteral(p.metric_names),
                 DoubleArrayLiteral(p.metric_values));
  }
  if (!p.aged_ids.empty()) {
    ExecPrepared(txn_,
                 "UPDATE individuals i SET alive = false, aged_out_at = u.at "
                 "FROM unnest($2::bigint[], $3::int[]) AS u(id, at) "
                 "WHERE i.search_id = $1 AND i.id = u.id",
                 search_.id, BigintArrayLiteral(p.aged_ids), BigintArrayLiteral(p.aged_at));
  }
  if (!p.births.empty()) {
    std::vector<int64_t> orders, parents, seeds, max_attempts, lease_seconds, epochs;
    std::vector<std::string> genomes, hashes, mutations, kinds, morphisms;
    for (const Birth& b : p.births) {
      orders.push_back(b.birth_order);
      genomes.push_back(b.genome);
      hashes.push_back(b.genome_hash);
      parents.push_back(b.parent_id);
      mutations.push_back(b.mutation);
      seeds.push_back(static_cast<int64_t>(b.seed));
      kinds.push_back(JobKindToDb(b.job_kind));
      max_attempts.push_back(b.max_attempts);
      lease_seconds.push_back(b.lease_seconds);
      morphisms.push_back(b.morphisms);
      epochs.push_back(b.epochs);
    }
    // Individuals and their jobs get ids in birth order, as one at a time.
    ExecPrepared(
        txn_,
        "WITH b AS (SELECT * FROM unnest($2::int[], $3::text[], $4::text[], $5::bigint[], "
        "$6::text[], $7::bigint[], $8::text[], $9::int[], $10::int[], $11::text[], $12::int[]) "
        "AS b(birth_order, genome, genome_hash, parent_id, mutation, seed, kind, max_attempts, "
        "lease_seconds, morphisms, epochs)), "
        "born AS (INSERT INTO individuals (search_id, birth_order, genome, genome_hash, "
        "parent_id, mutation, seed, state) SELECT $1, birth_order, genome, genome_hash, "
        "NULLIF(parent_id, 0), mutation, seed, 'pending' FROM b ORDER BY birth_order "
        "RETURNING id, birth_order) "
        "INSERT INTO jobs (search_id, individual_id, kind, state, max_attempts, lease_seconds, "
        "morphisms, epochs) SELECT $1, born.id, b.kind, 'pending', b.max_attempts, "
        "b.lease_seconds, b.morphisms, NULLIF(b.epochs, 0) FROM born JOIN b USING (birth_order) "
        "ORDER BY birth_order",
        search_.id, BigintArrayLiteral(orders), TextArrayLiteral(genomes), TextArrayLiteral(hashes),
        BigintArrayLiteral(parents), TextArrayLiteral(mutations), BigintArrayLiteral(seeds),
        TextArrayLiteral(kinds), BigintArrayLiteral(max_attempts),
        BigintArrayLiteral(lease_seconds), TextArrayLiteral(morphisms), BigintArrayLiteral(epochs));
  }
  // After the evaluations: the best is chosen among what is recorded.
  if (p.release_all_but_best) ReleaseCheckpoints(txn_, search_, {true, {}});
  if (p.search_changed) {
    ExecPrepared(txn_,
                 "UPDATE searches SET births = $2, evaluations_done = $3, state = $4, "
                 "finished_at = CASE WHEN $4 = 'succeeded' AND state <> 'succeeded' THEN now() "
                 "ELSE finished_at END, data_fingerprint = NULLIF($5, ''), "
                 "data_description = COALESCE(NULLIF($6, ''), data_description) WHERE id = $1",
                 search_.id, search_.births, search_.evaluations_done, search_.state,
                 search_.data_fingerprint, p.data_description);
  }
  pending_ = Pending();
}

}  // namespace nas
