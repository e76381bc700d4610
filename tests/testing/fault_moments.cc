#include "tests/testing/fault_moments.h"

#include <vector>

#include "pqxx/pqxx"

namespace nas::testing {

std::string FaultMomentName(FaultMoment moment) {
  switch (moment) {
    case FaultMoment::kLeaseHeld:
      return "lease held";
    case FaultMoment::kEpochUnderWay:
      return "epoch under way";
    case FaultMoment::kReportDue:
      return "report due";
  }
  return "unknown";
}

namespace {

bool IsAt(const LeasedJob& job, FaultMoment moment) {
  switch (moment) {
    case FaultMoment::kLeaseHeld:
      return job.epochs_reported == 0;
    case FaultMoment::kEpochUnderWay:
      return job.epochs_reported > 0 && job.epochs_reported < job.epochs - 1;
    case FaultMoment::kReportDue:
      return job.epochs_reported > 0 && job.epochs_reported >= job.epochs - 1;
  }
  return false;
}

}  // namespace

std::optional<LeasedJob> FindJobAt(const std::string& dsn, FaultMoment moment, std::mt19937& rng) {
  pqxx::connection conn(dsn);
  pqxx::work txn(conn);
  const pqxx::result rows = txn.exec(
      "SELECT j.id, j.attempt, j.lease_owner, count(e.epoch), COALESCE(max(e.epochs), 0) "
      "FROM jobs j LEFT JOIN job_epochs e ON e.job_id = j.id AND e.attempt = j.attempt "
      "WHERE j.state = 'leased' GROUP BY j.id ORDER BY j.id");
  std::vector<LeasedJob> at;
  for (const auto& row : rows) {
    LeasedJob job{row[0].as<int64_t>(), row[1].as<int>(), row[2].as<std::string>(),
                  row[3].as<int>(), row[4].as<int>()};
    if (IsAt(job, moment)) at.push_back(job);
  }
  if (at.empty()) return std::nullopt;
  return at[std::uniform_int_distribution<size_t>(0, at.size() - 1)(rng)];
}

std::string AttemptOutcome(const std::string& dsn, int64_t job_id, int attempt) {
  pqxx::connection conn(dsn);
  pqxx::work txn(conn);
  const pqxx::result rows = txn.exec_params(
      "SELECT COALESCE(outcome, '') FROM job_attempts WHERE job_id = $1 AND attempt = $2", job_id,
      attempt);
  return rows.empty() ? "" : rows[0][0].as<std::string>();
}

double DatabaseNow(const std::string& dsn) {
  pqxx::connection conn(dsn);
  pqxx::work txn(conn);
  return txn.exec1("SELECT extract(epoch FROM clock_timestamp())::float8")[0].as<double>();
}

}  // namespace nas::testing
