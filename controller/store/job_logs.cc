#include "controller/store/job_logs.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/rpc/log_lines.h"
#include "common/status/status_macros.h"
#include "controller/store/rows.h"

namespace nas {
namespace {

// Arbitrary, fixed: the first key of the advisory lock on a search's log
// (pg_advisory_xact_lock(int, int); the migrator's one-key lock is another
// key space).
constexpr int kJobLogLockClass = 0x4A4C4F47;  // "JLOG"

void InsertLines(pqxx::work& txn, const LogLease& lease, const std::vector<std::string>& lines) {
  // unnest WITH ORDINALITY keeps the request's order, and the ids follow it.
  txn.exec_params(
      "INSERT INTO job_log_lines (search_id, job_id, attempt, worker_id, text) "
      "SELECT $1, $2, $3, $4, t FROM unnest($5::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n",
      lease.search_id, lease.job_id, lease.attempt, lease.worker_id, TextArrayLiteral(lines));
}

std::string MarkerText(const LogLease& lease, int64_t dropped) {
  return absl::StrCat("[", dropped, " more line(s) of job ", lease.job_id, " attempt ",
                      lease.attempt, " dropped: heartbeats may store ",
                      kMaxHeartbeatLogLinesPerAttempt, " of an attempt's ", kMaxLogLinesPerAttempt,
                      " lines; the lines of its report still follow]");
}

// Counts `dropped` more heartbeat lines on the attempt's marker line, adding
// the marker if it has none yet. Returns the lines added (0 or 1): a marker
// already counted by a reader is updated in place, never moved.
int CountDropped(pqxx::work& txn, const LogLease& lease, int dropped) {
  const pqxx::result marker = txn.exec_params(
      "SELECT id, dropped FROM job_log_lines "
      "WHERE job_id = $1 AND attempt = $2 AND dropped IS NOT NULL",
      lease.job_id, lease.attempt);
  if (marker.empty()) {
    txn.exec_params(
        "INSERT INTO job_log_lines (search_id, job_id, attempt, worker_id, text, dropped) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        lease.search_id, lease.job_id, lease.attempt, lease.worker_id, MarkerText(lease, dropped),
        dropped);
    return 1;
  }
  const int64_t total = marker[0][1].as<int64_t>() + dropped;
  txn.exec_params("UPDATE job_log_lines SET text = $2, dropped = $3 WHERE id = $1",
                  marker[0][0].as<int64_t>(), MarkerText(lease, total), total);
  return 0;
}

}  // namespace

absl::Status ValidateLogLines(const LogLines& lines) {
  if (lines.size() > kMaxLogLinesPerRequest) {
    return absl::InvalidArgumentError(absl::StrCat("log_lines: ", lines.size(), " lines, at most ",
                                                   kMaxLogLinesPerRequest, " per request"));
  }
  return absl::OkStatus();
}

void AppendJobLog(pqxx::work& txn, const LogLease& lease, const LogLines& lines, LogSource source) {
  if (lines.empty()) return;
  txn.exec_params("SELECT pg_advisory_xact_lock($1, ($2::bigint % 2147483647)::int)",
                  kJobLogLockClass, lease.search_id);
  const int stored =
      txn.exec_params1("SELECT log_lines FROM job_attempts WHERE job_id = $1 AND attempt = $2",
                       lease.job_id, lease.attempt)[0]
          .as<int>();
  const int sent = lines.size();
  const int keep = source == LogSource::kReport
                       ? sent
                       : std::clamp(kMaxHeartbeatLogLinesPerAttempt - stored, 0, sent);
  std::vector<std::string> kept;
  kept.reserve(keep);
  for (int i = 0; i < keep; ++i) kept.push_back(CleanLogLine(lines.Get(i)));
  int added = keep;
  if (keep > 0) InsertLines(txn, lease, kept);
  if (keep < sent) added += CountDropped(txn, lease, sent - keep);
  if (added > 0) {
    txn.exec_params(
        "UPDATE job_attempts SET log_lines = log_lines + $3 WHERE job_id = $1 AND attempt = $2",
        lease.job_id, lease.attempt, added);
  }
}

absl::StatusOr<std::vector<v1::JobLogLine>> JobLogStore::ListJobLogs(int64_t search_id,
                                                                     int64_t individual_id,
                                                                     int skip, int limit) {
  std::vector<v1::JobLogLine> out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    out.clear();
    if (txn.exec_params("SELECT 1 FROM searches WHERE id = $1", search_id).empty()) {
      return absl::NotFoundError(absl::StrCat("search ", search_id, " does not exist"));
    }
    if (individual_id != 0 &&
        txn.exec_params("SELECT 1 FROM individuals WHERE id = $1 AND search_id = $2", individual_id,
                        search_id)
            .empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "individual_id: ", individual_id, " is not an individual of search ", search_id));
    }
    const pqxx::result rows = txn.exec_params(
        "SELECT l.job_id, l.attempt, j.individual_id, l.worker_id, "
        "extract(epoch FROM l.logged_at)::float8, l.text "
        "FROM job_log_lines l JOIN jobs j ON j.id = l.job_id "
        "WHERE l.search_id = $1 AND ($2::bigint = 0 OR j.individual_id = $2::bigint) "
        "ORDER BY l.id OFFSET $3 LIMIT $4",
        search_id, individual_id, skip, limit);
    for (const auto& row : rows) {
      v1::JobLogLine& line = out.emplace_back();
      line.set_job_id(row[0].as<int64_t>());
      line.set_attempt(row[1].as<int>());
      line.set_individual_id(row[2].as<int64_t>());
      line.set_worker_id(row[3].as<std::string>());
      SetTimestamp(row[4].as<double>(), line.mutable_time());
      line.set_text(row[5].as<std::string>());
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace nas
