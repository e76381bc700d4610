// SearchStore's resume and reuse calls: ExtendSearch, ResumeSearch,
// RetryIndividual (search_store.h).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "controller/search/spec_validation.h"
#include "controller/store/rows.h"
#include "controller/store/search_read.h"
#include "controller/store/search_step.h"
#include "controller/store/search_store.h"

namespace nas {
namespace {

// The search runs again and gets as many jobs queued as its workers have
// slots, as after a report.
absl::Status RunAgain(pqxx::work& txn, LockedSearch& search) {
  txn.exec_params("UPDATE searches SET state = 'running', finished_at = NULL WHERE id = $1",
                  search.id);
  search.state = "running";
  const int slots = ActiveSlots(txn, search.step->job_kind());
  return TopUp(txn, search, std::max(1, slots)).status();
}

// Requeues the jobs `where` selects (a condition on jobs) with a fresh set
// of the spec's attempts: the attempt counter goes on (it fences reports).
void RequeueJobs(pqxx::work& txn, const LockedSearch& search, const std::string& where,
                 int64_t id) {
  txn.exec_params(absl::StrCat("UPDATE jobs SET state = 'pending', failure_reason = NULL, "
                               "finished_at = NULL, max_attempts = attempt + $2 WHERE ",
                               where),
                  id, search.step->spec().max_attempts());
}

}  // namespace

absl::StatusOr<v1::Search> SearchStore::ExtendSearch(int64_t search_id, int budget) {
  v1::Search out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    ASSIGN_OR_RETURN(LockedSearch search, LockSearch(txn, search_id));
    if (search.state == "cancelled") {
      return absl::FailedPreconditionError(absl::StrCat(
          "search ", search_id, " is cancelled; resume it (ResumeSearch) before extending it"));
    }
    if (budget <= search.budget || budget > kMaxSearchBudget) {
      return absl::InvalidArgumentError(
          absl::StrCat("budget: ", budget, " must be larger than the current budget (",
                       search.budget, ") and at most ", kMaxSearchBudget));
    }
    // The strategy's own rules (NASH, supernet and TF-NAS fix their budget).
    v1::SearchSpec extended = search.step->spec();
    extended.set_budget(budget);
    if (absl::Status valid = ValidateAndNormalizeSpec(&extended); !valid.ok()) {
      return absl::InvalidArgumentError(valid.message());
    }
    txn.exec_params("UPDATE searches SET budget = $2 WHERE id = $1", search_id, budget);
    search.budget = budget;
    RETURN_IF_ERROR(RunAgain(txn, search));
    ASSIGN_OR_RETURN(out, ReadSearch(txn, search_id));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::Search> SearchStore::ResumeSearch(int64_t search_id) {
  v1::Search out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    ASSIGN_OR_RETURN(LockedSearch search, LockSearch(txn, search_id));
    if (search.state != "cancelled") {
      return absl::FailedPreconditionError(absl::StrCat("search ", search_id, " is ", search.state,
                                                        "; only a cancelled search resumes"));
    }
    txn.exec_params(
        "UPDATE individuals SET state = 'pending' WHERE search_id = $1 AND state = 'cancelled'",
        search_id);
    RequeueJobs(txn, search, "search_id = $1 AND state = 'cancelled'", search_id);
    RETURN_IF_ERROR(RunAgain(txn, search));
    ASSIGN_OR_RETURN(out, ReadSearch(txn, search_id));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::Individual> SearchStore::RetryIndividual(int64_t individual_id) {
  v1::Individual out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    const pqxx::result found =
        txn.exec_params("SELECT search_id FROM individuals WHERE id = $1", individual_id);
    if (found.empty()) {
      return absl::NotFoundError(absl::StrCat("individual ", individual_id, " does not exist"));
    }
    // The search first, as every step locks it before its individuals.
    ASSIGN_OR_RETURN(LockedSearch search, LockSearch(txn, found[0][0].as<int64_t>()));
    const std::string state =
        txn.exec_params1("SELECT state FROM individuals WHERE id = $1", individual_id)[0]
            .as<std::string>();
    if (state != "failed") {
      return absl::FailedPreconditionError(absl::StrCat("individual ", individual_id, " is ", state,
                                                        "; only a failed individual is retried"));
    }
    if (search.state == "cancelled") {
      return absl::FailedPreconditionError(absl::StrCat(
          "search ", search.id, " is cancelled; resume it (ResumeSearch) before retrying"));
    }
    txn.exec_params("UPDATE individuals SET state = 'pending', failure_reason = NULL WHERE id = $1",
                    individual_id);
    RequeueJobs(txn, search, "individual_id = $1", individual_id);
    txn.exec_params("UPDATE searches SET evaluations_failed = evaluations_failed - 1 WHERE id = $1",
                    search.id);
    RETURN_IF_ERROR(RunAgain(txn, search));
    const pqxx::row row = txn.exec_params1(
        absl::StrCat("SELECT ", kIndividualColumns, " FROM individuals i WHERE i.id = $1"),
        individual_id);
    out = RowToIndividual(row);
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace nas
