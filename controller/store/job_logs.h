// Job logs in PostgreSQL (table job_log_lines): the lines workers send with
// Heartbeat and ReportResult, stored in the transaction that checks their
// lease, and read back by search. Bounds: common/rpc/log_lines.h.
#ifndef NAS_CONTROLLER_STORE_JOB_LOGS_H_
#define NAS_CONTROLLER_STORE_JOB_LOGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/store/database.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "pqxx/pqxx"
#include "proto/search_service.pb.h"

namespace nas {

using LogLines = google::protobuf::RepeatedPtrField<std::string>;

// INVALID_ARGUMENT naming log_lines for more than kMaxLogLinesPerRequest
// lines. Lines of any content are accepted: AppendJobLog cleans them.
absl::Status ValidateLogLines(const LogLines& lines);

// Which call carried the lines. Heartbeats of an attempt share all of its
// bound but the report's reserve and one marker line; past that share their
// lines are dropped and counted on the marker. The report's lines (at most
// one request's worth) always fit.
enum class LogSource { kHeartbeat, kReport };

// The lease whose lines these are.
struct LogLease {
  int64_t search_id = 0;
  int64_t job_id = 0;
  int attempt = 0;
  std::string worker_id;
};

// Stores `lines` (cleaned: CleanLogLine) for `lease`, which the caller has
// checked is held, in `txn`. Call it last in the transaction: it takes the
// search's log lock (held to commit) so that the search's lines get ids in
// commit order; taken last, it waits on no other lock, and no deadlock can
// form. Nothing happens for no lines.
void AppendJobLog(pqxx::work& txn, const LogLease& lease, const LogLines& lines, LogSource source);

// Thread-safe; holds no state beyond the Database.
class JobLogStore {
 public:
  explicit JobLogStore(Database* db) : db_(db) {}

  // The search's lines (only those of `individual_id`'s job unless it is 0),
  // oldest first, after the first `skip`, at most `limit`. NOT_FOUND for an
  // unknown search; INVALID_ARGUMENT naming individual_id for an individual
  // that is not the search's. Arguments are otherwise the caller's to check.
  absl::StatusOr<std::vector<v1::JobLogLine>> ListJobLogs(int64_t search_id, int64_t individual_id,
                                                          int skip, int limit);

 private:
  Database* const db_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_JOB_LOGS_H_
