#include "controller/store/search_store.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/status_macros.h"
#include "controller/search/strategy_registry.h"
#include "controller/store/rows.h"
#include "controller/store/search_read.h"
#include "controller/store/search_step.h"
#include "controller/store/warm_start.h"

namespace nas {
namespace {

absl::StatusOr<int64_t> ParsePageToken(const std::string& token, int64_t first_page_value) {
  if (token.empty()) return first_page_value;
  int64_t value = 0;
  if (!absl::SimpleAtoi(token, &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_token: '", token, "' is not a token this API issued"));
  }
  return value;
}

// The best evaluated individual, if any.
absl::StatusOr<std::optional<v1::Individual>> BestIn(pqxx::work& txn, int64_t search_id) {
  const pqxx::result rows = txn.exec_params(
      absl::StrCat("SELECT ", kIndividualColumns,
                   " FROM individuals i WHERE i.search_id = $1 AND i.state = "
                   "'evaluated' ORDER BY i.objective_scores[1] DESC, i.birth_order LIMIT 1"),
      search_id);
  if (rows.empty()) return std::optional<v1::Individual>();
  v1::Individual best = RowToIndividual(rows[0]);
  AttachMetrics(txn, {&best});
  return std::optional<v1::Individual>(std::move(best));
}

// 128 random bits as 32 lowercase hex digits.
std::string RandomHex128() {
  absl::BitGen gen;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(gen), absl::Uniform<uint64_t>(gen));
}

}  // namespace

absl::StatusOr<v1::Search> ReadSearch(pqxx::work& txn, int64_t search_id) {
  const pqxx::result rows = txn.exec_params(
      absl::StrCat("SELECT ", kSearchColumns, ", s.owner FROM searches s WHERE s.id = $1"),
      search_id);
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("search ", search_id, " does not exist"));
  }
  ASSIGN_OR_RETURN(v1::Search search, RowToSearch(rows[0]));
  search.set_owner(rows[0]["owner"].as<std::string>());
  ASSIGN_OR_RETURN(auto best, BestIn(txn, search_id));
  if (best.has_value()) *search.mutable_best() = *std::move(best);
  return search;
}

absl::StatusOr<v1::Search> SearchStore::CreateSearch(const v1::SearchSpec& spec,
                                                     std::string request_id,
                                                     const std::string& owner) {
  // Drawn once, outside Transact: a retry of the transaction after an
  // in-doubt commit must find the search the first try created.
  if (request_id.empty()) request_id = absl::StrCat("controller:", RandomHex128());
  const std::string spec_text = SpecToText(spec);
  v1::Search out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    // ON CONFLICT waits for a concurrent request with the same id to commit.
    const pqxx::result inserted = txn.exec_params(
        "INSERT INTO searches (name, spec_text, strategy, seed, budget, state, request_id, "
        "owner) VALUES ($1, $2, $3, $4, $5, 'running', $6, $7) "
        "ON CONFLICT (owner, request_id) DO NOTHING RETURNING id",
        spec.name(), spec_text, StrategyName(spec.strategy()), static_cast<int64_t>(spec.seed()),
        spec.budget(), request_id, owner);
    if (inserted.empty()) {
      const pqxx::row existing = txn.exec_params1(
          "SELECT id, spec_text FROM searches WHERE owner = $1 AND request_id = $2", owner,
          request_id);
      const int64_t id = existing[0].as<int64_t>();
      if (existing[1].as<std::string>() != spec_text) {
        return absl::AlreadyExistsError(
            absl::StrCat("request_id: '", request_id, "' already created search ", id,
                         " with a different spec; use a new request_id for a new search"));
      }
      ASSIGN_OR_RETURN(out, ReadSearch(txn, id));
      return absl::OkStatus();
    }
    const int64_t id = inserted[0][0].as<int64_t>();
    ASSIGN_OR_RETURN(LockedSearch search, LockSearch(txn, id));
    RETURN_IF_ERROR(InsertWarmStartMembers(txn, search));
    const int slots = ActiveSlots(txn, search.step->job_kind());
    RETURN_IF_ERROR(TopUp(txn, search, search.step->InitialTarget(slots)).status());
    ASSIGN_OR_RETURN(out, ReadSearch(txn, id));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::Search> SearchStore::GetSearch(int64_t search_id) {
  v1::Search out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    ASSIGN_OR_RETURN(out, ReadSearch(txn, search_id));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<PageOf<v1::Search>> SearchStore::ListSearches(
    const Page& page, const std::optional<std::string>& visible_to) {
  ASSIGN_OR_RETURN(const int64_t before, ParsePageToken(page.page_token, INT64_MAX));
  PageOf<v1::Search> out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    out.items.clear();
    const pqxx::result rows = txn.exec_params(
        "SELECT id FROM searches WHERE id < $1 AND ($3 OR owner IN ('', $4)) "
        "ORDER BY id DESC LIMIT $2",
        before, page.page_size + 1, !visible_to.has_value(), visible_to.value_or(""));
    for (size_t i = 0; i < rows.size() && static_cast<int>(i) < page.page_size; ++i) {
      ASSIGN_OR_RETURN(v1::Search s, ReadSearch(txn, rows[i][0].as<int64_t>()));
      out.items.push_back(std::move(s));
    }
    out.next_page_token =
        static_cast<int>(rows.size()) > page.page_size ? absl::StrCat(out.items.back().id()) : "";
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::string> SearchStore::SearchOwner(int64_t search_id) {
  std::string out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    const pqxx::result rows =
        txn.exec_params("SELECT owner FROM searches WHERE id = $1", search_id);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("search ", search_id, " does not exist"));
    }
    out = rows[0][0].as<std::string>();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::string> SearchStore::IndividualOwner(int64_t individual_id) {
  std::string out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    const pqxx::result rows = txn.exec_params(
        "SELECT s.owner FROM individuals i JOIN searches s ON s.id = i.search_id "
        "WHERE i.id = $1",
        individual_id);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("individual ", individual_id, " does not exist"));
    }
    out = rows[0][0].as<std::string>();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<std::string>> SearchStore::CheckpointOwners(const std::string& digest) {
  std::vector<std::string> out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    out.clear();
    for (const auto& row : txn.exec_params(
             "SELECT DISTINCT s.owner FROM individuals i JOIN searches s ON s.id = i.search_id "
             "WHERE i.checkpoint_digest = $1",
             digest)) {
      out.push_back(row[0].as<std::string>());
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::Search> SearchStore::CancelSearch(int64_t search_id) {
  v1::Search out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    ASSIGN_OR_RETURN(LockedSearch search, LockSearch(txn, search_id));
    if (search.state == "succeeded") {
      return absl::FailedPreconditionError(
          absl::StrCat("search ", search_id, " already succeeded; nothing to cancel"));
    }
    if (search.state == "running") {
      txn.exec_params(
          "UPDATE job_attempts a SET outcome = 'cancelled', ended_at = now() "
          "FROM jobs j WHERE a.job_id = j.id AND a.attempt = j.attempt "
          "AND j.search_id = $1 AND j.state = 'leased'",
          search_id);
      txn.exec_params(
          "UPDATE jobs SET state = 'cancelled', lease_owner = NULL, "
          "lease_expires_at = NULL, finished_at = now() "
          "WHERE search_id = $1 AND state IN ('pending', 'leased')",
          search_id);
      txn.exec_params(
          "UPDATE individuals SET state = 'cancelled' "
          "WHERE search_id = $1 AND state = 'pending'",
          search_id);
      txn.exec_params(
          "UPDATE searches SET state = 'cancelled', finished_at = now() "
          "WHERE id = $1",
          search_id);
    }
    ASSIGN_OR_RETURN(out, ReadSearch(txn, search_id));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<PageOf<v1::Individual>> SearchStore::ListIndividuals(int64_t search_id,
                                                                    const Page& page) {
  ASSIGN_OR_RETURN(const int64_t after, ParsePageToken(page.page_token, -1));
  PageOf<v1::Individual> out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    out.items.clear();
    if (txn.exec_params("SELECT 1 FROM searches WHERE id = $1", search_id).empty()) {
      return absl::NotFoundError(absl::StrCat("search ", search_id, " does not exist"));
    }
    const pqxx::result rows =
        txn.exec_params(absl::StrCat("SELECT ", kIndividualColumns,
                                     " FROM individuals i WHERE i.search_id = $1 AND "
                                     "i.birth_order > $2 ORDER BY i.birth_order LIMIT $3"),
                        search_id, after, page.page_size + 1);
    for (size_t i = 0; i < rows.size() && static_cast<int>(i) < page.page_size; ++i) {
      out.items.push_back(RowToIndividual(rows[i]));
    }
    std::vector<v1::Individual*> ptrs;
    for (auto& ind : out.items) ptrs.push_back(&ind);
    AttachMetrics(txn, ptrs);
    out.next_page_token = static_cast<int>(rows.size()) > page.page_size
                              ? absl::StrCat(out.items.back().birth_order())
                              : "";
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::Individual> SearchStore::GetBestIndividual(int64_t search_id) {
  v1::Individual out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    if (txn.exec_params("SELECT 1 FROM searches WHERE id = $1", search_id).empty()) {
      return absl::NotFoundError(absl::StrCat("search ", search_id, " does not exist"));
    }
    ASSIGN_OR_RETURN(auto best, BestIn(txn, search_id));
    if (!best.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("search ", search_id, " has no evaluated individual yet"));
    }
    out = *std::move(best);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<v1::Individual>> SearchStore::GetParetoFront(int64_t search_id) {
  std::vector<v1::Individual> out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    out.clear();
    if (txn.exec_params("SELECT 1 FROM searches WHERE id = $1", search_id).empty()) {
      return absl::NotFoundError(absl::StrCat("search ", search_id, " does not exist"));
    }
    for (const auto& row : txn.exec_params(
             absl::StrCat("SELECT ", kIndividualColumns,
                          " FROM pareto_front p JOIN individuals i ON i.id = p.individual_id "
                          "WHERE p.search_id = $1 ORDER BY i.birth_order"),
             search_id)) {
      out.push_back(RowToIndividual(row));
    }
    std::vector<v1::Individual*> refs;
    for (v1::Individual& ind : out) refs.push_back(&ind);
    AttachMetrics(txn, refs);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<v1::Individual>> SearchStore::GetLineage(int64_t individual_id) {
  std::vector<v1::Individual> out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    out.clear();
    const pqxx::result rows = txn.exec_params(
        absl::StrCat("WITH RECURSIVE lineage(id, depth) AS ("
                     "  SELECT id, 0 FROM individuals WHERE id = $1"
                     "  UNION ALL"
                     "  SELECT p.parent_id, l.depth + 1 FROM lineage l"
                     "  JOIN individuals p ON p.id = l.id WHERE p.parent_id IS NOT NULL)"
                     " SELECT ",
                     kIndividualColumns,
                     " FROM lineage l JOIN individuals i ON i.id = l.id ORDER BY l.depth"),
        individual_id);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("individual ", individual_id, " does not exist"));
    }
    for (const auto& row : rows) out.push_back(RowToIndividual(row));
    std::vector<v1::Individual*> ptrs;
    for (auto& ind : out) ptrs.push_back(&ind);
    AttachMetrics(txn, ptrs);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<v1::EpochProgress>> SearchStore::ListEpochProgress(int64_t search_id,
                                                                              int skip, int limit) {
  std::vector<v1::EpochProgress> out;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    out.clear();
    if (txn.exec_params("SELECT 1 FROM searches WHERE id = $1", search_id).empty()) {
      return absl::NotFoundError(absl::StrCat("search ", search_id, " does not exist"));
    }
    for (const auto& row : txn.exec_params(
             absl::StrCat(
                 "SELECT ", kEpochColumns,
                 " FROM job_epochs e JOIN jobs j ON j.id = e.job_id "
                 "WHERE j.search_id = $1 "
                 "ORDER BY e.reported_at, e.job_id, e.attempt, e.epoch OFFSET $2 LIMIT $3"),
             search_id, skip, limit)) {
      ASSIGN_OR_RETURN(v1::EpochProgress e, RowToEpochProgress(row));
      out.push_back(std::move(e));
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace nas
