#include "controller/store/worker_store.h"

#include <map>
#include <string>

#include "absl/strings/str_split.h"
#include "common/status/status_macros.h"
#include "controller/store/rows.h"

namespace nas {
namespace {

v1::WorkerStatus RowToWorker(const pqxx::row& row) {
  v1::WorkerStatus w;
  w.set_worker_id(row[0].as<std::string>());
  w.set_hostname(row[1].as<std::string>());
  w.set_device(row[2].as<std::string>());
  w.set_device_model(row[3].as<std::string>());
  w.set_slots(row[4].as<int>());
  // Stored kinds are plain names ("train_candidate"), so a comma joins them safely.
  for (absl::string_view kind : absl::StrSplit(row[5].as<std::string>(), ',', absl::SkipEmpty())) {
    w.add_job_kinds(JobKindFromDb(std::string(kind)));
  }
  SetTimestamp(row[6].as<double>(), w.mutable_first_seen_time());
  SetTimestamp(row[7].as<double>(), w.mutable_last_seen_time());
  return w;
}

v1::LeasedJob RowToLeasedJob(const pqxx::row& row) {
  v1::LeasedJob job;
  job.set_job_id(row[1].as<int64_t>());
  job.set_attempt(row[2].as<int>());
  job.set_search_id(row[3].as<int64_t>());
  job.set_individual_id(row[4].as<int64_t>());
  job.set_kind(JobKindFromDb(row[5].as<std::string>()));
  job.set_progress(DoubleField(row[6]));
  SetTimestamp(row[7].as<double>(), job.mutable_lease_expire_time());
  return job;
}

}  // namespace

absl::StatusOr<std::vector<v1::WorkerStatus>> WorkerStore::ListWorkers(int seen_within_seconds) {
  std::vector<v1::WorkerStatus> out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    out.clear();
    std::map<std::string, size_t> index;  // worker id -> its place in `out`
    for (const auto& row : txn.exec_params(
             "SELECT id, hostname, device, device_model, slots, "
             "array_to_string(job_kinds, ','), extract(epoch FROM first_seen)::float8, "
             "extract(epoch FROM last_seen)::float8 FROM workers "
             "WHERE last_seen > now() - $1::int * interval '1 second' ORDER BY last_seen DESC, id",
             seen_within_seconds)) {
      index[row[0].as<std::string>()] = out.size();
      out.push_back(RowToWorker(row));
    }
    if (out.empty()) return absl::OkStatus();
    // Read committed reads each statement afresh: a worker first seen
    // between the two reads has no entry and is left out.
    for (const auto& row : txn.exec_params(
             "SELECT j.lease_owner, j.id, j.attempt, j.search_id, j.individual_id, j.kind, "
             "j.progress, extract(epoch FROM j.lease_expires_at)::float8 "
             "FROM jobs j JOIN workers w ON w.id = j.lease_owner "
             "WHERE j.state = 'leased' AND w.last_seen > now() - $1::int * interval '1 second' "
             "ORDER BY j.id",
             seen_within_seconds)) {
      const auto it = index.find(row[0].as<std::string>());
      if (it == index.end()) continue;  // Seen only after the first read.
      *out[it->second].add_jobs() = RowToLeasedJob(row);
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace nas
