#include "controller/store/early_stopping.h"

#include <vector>

#include "common/status/status_macros.h"
#include "controller/search/early_stopping/median_rule.h"
#include "controller/store/rows.h"

namespace nas {
namespace {

// The valid_accuracy at `epoch` of each candidate of the search born before
// `birth_order`, from its latest attempt that reported the epoch.
std::vector<double> EarlierAccuracies(pqxx::work& txn, int64_t search_id, int birth_order,
                                      int epoch) {
  std::vector<double> values;
  for (const auto& row : txn.exec_params(
           "SELECT DISTINCT ON (j.id) (e.metrics->>'valid_accuracy')::float8 "
           "FROM jobs j JOIN individuals i ON i.id = j.individual_id "
           "JOIN job_epochs e ON e.job_id = j.id "
           "WHERE j.search_id = $1 AND j.kind = $2 AND i.birth_order < $3 AND e.epoch = $4 "
           "AND e.metrics->>'valid_accuracy' IS NOT NULL ORDER BY j.id, e.attempt DESC",
           search_id, JobKindToDb(v1::TRAIN_CANDIDATE), birth_order, epoch)) {
    values.push_back(row[0].as<double>());
  }
  return values;
}

}  // namespace

absl::StatusOr<std::optional<std::string>> EarlyStopAnswer(pqxx::work& txn, int64_t job_id,
                                                           int attempt,
                                                           const v1::EpochProgress* epoch) {
  const pqxx::result stopped = txn.exec_params(
      "SELECT stop_reason FROM job_attempts WHERE job_id = $1 AND attempt = $2 "
      "AND stop_reason IS NOT NULL",
      job_id, attempt);
  if (!stopped.empty()) return stopped[0][0].as<std::string>();
  if (epoch == nullptr) return std::nullopt;
  const auto accuracy = epoch->metrics().find("valid_accuracy");
  if (accuracy == epoch->metrics().end()) return std::nullopt;
  const pqxx::row job = txn.exec_params1(
      "SELECT j.kind, j.search_id, i.birth_order, s.spec_text FROM jobs j "
      "JOIN individuals i ON i.id = j.individual_id JOIN searches s ON s.id = j.search_id "
      "WHERE j.id = $1",
      job_id);
  if (JobKindFromDb(job[0].as<std::string>()) != v1::TRAIN_CANDIDATE) return std::nullopt;
  ASSIGN_OR_RETURN(const v1::SearchSpec spec, ParseSpecText(job[3].as<std::string>()));
  if (!spec.early_stopping().has_median_stopping()) return std::nullopt;
  const EpochStanding standing{
      epoch->epoch(), epoch->epochs(), accuracy->second,
      EarlierAccuracies(txn, job[1].as<int64_t>(), job[2].as<int>(), epoch->epoch())};
  std::optional<std::string> reason =
      MedianStopDecision(spec.early_stopping().median_stopping(), standing);
  if (reason.has_value()) {
    txn.exec_params(
        "UPDATE job_attempts SET stop_epoch = $3, stop_reason = $4 "
        "WHERE job_id = $1 AND attempt = $2",
        job_id, attempt, epoch->epoch(), *reason);
  }
  return reason;
}

void RecordStopOnIndividual(pqxx::work& txn, int64_t job_id, int attempt, int64_t individual_id) {
  txn.exec_params(
      "UPDATE individuals i SET stopped_at_epoch = a.stop_epoch, stop_reason = a.stop_reason "
      "FROM job_attempts a WHERE a.job_id = $1 AND a.attempt = $2 "
      "AND a.stop_reason IS NOT NULL AND i.id = $3",
      job_id, attempt, individual_id);
}

}  // namespace nas
