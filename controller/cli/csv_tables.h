// The CSV form of each read command's items (--format=csv): one header line
// and one row per item. Enums are written by their lower-case names without
// the prefix ("evaluated", "train_candidate"), times in RFC 3339, numbers so
// that they parse back exactly (output_format.h).
#ifndef NAS_CONTROLLER_CLI_CSV_TABLES_H_
#define NAS_CONTROLLER_CLI_CSV_TABLES_H_

#include <string>

#include "google/protobuf/repeated_field.h"
#include "proto/search_service.pb.h"

namespace nas {

template <typename T>
using Items = google::protobuf::RepeatedPtrField<T>;

// id, search_id, birth_order, parent_id, mutation, state, fitness,
// parameter_count, alive, aged_out_at, create_time, evaluate_time,
// failure_reason, architecture, architecture_hash, checkpoint, seed, then one
// column per metric: the union of the metric names of all rows, sorted, each
// headed "metric:NAME" and empty where an individual lacks it.
std::string IndividualsCsv(const Items<v1::Individual>& individuals);

// id, name, state, strategy, budget, evaluations_done, evaluations_failed,
// jobs_in_flight, jobs_leased, best_individual_id, best_fitness, create_time,
// data_fingerprint, evaluations_infeasible.
std::string SearchesCsv(const Items<v1::Search>& searches);

// job_id, attempt, individual_id, epoch, epochs, report_time, architecture,
// then one "metric:NAME" column per metric name, as for individuals.
std::string EpochsCsv(const Items<v1::EpochProgress>& epochs);

// worker_id, hostname, device, device_model, slots, job_kinds (space
// separated), first_seen_time, last_seen_time, jobs (its leased jobs, space
// separated, each JOB_ID/ATTEMPT:PROGRESS, e.g. "12/1:0.25").
std::string WorkersCsv(const Items<v1::WorkerStatus>& workers);

// time, job_id, attempt, individual_id, worker_id, text. Without the header
// line when `with_header` is false (logs --follow appends rows).
std::string JobLogsCsv(const Items<v1::JobLogLine>& lines, bool with_header = true);

// The lower-case short names of the enums, as CSV and text print them.
std::string SearchStateName(v1::SearchState state);
std::string IndividualStateName(v1::IndividualState state);
std::string JobKindName(v1::JobKind kind);
// "aging_evolution", "tfnas", ... (the spec's strategy field); "unset" if none.
std::string StrategyName(const v1::SearchSpec& spec);

}  // namespace nas

#endif  // NAS_CONTROLLER_CLI_CSV_TABLES_H_
