#include "controller/store/warm_start.h"

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "controller/store/rows.h"
#include "google/protobuf/util/message_differencer.h"

namespace nas {
namespace {

using google::protobuf::util::MessageDifferencer;

absl::Status Refuse(const std::string& field, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("spec.warm_start.", field, ": ", why));
}

// Fitness means the same in both searches only for the same cells under the
// same evaluation.
absl::Status CheckComparable(const v1::SearchSpec& to, const v1::SearchSpec& from, int64_t id) {
  if (!MessageDifferencer::Equals(to.space(), from.space())) {
    return Refuse("search_id", absl::StrCat("search ", id, " searched another space"));
  }
  v1::SearchSpec to_objectives, from_objectives;
  *to_objectives.mutable_objectives() = to.objectives();
  *from_objectives.mutable_objectives() = from.objectives();
  if (!MessageDifferencer::Equals(to_objectives, from_objectives)) {
    return Refuse("search_id", absl::StrCat("search ", id, " had other objectives"));
  }
  if (!MessageDifferencer::Equals(to.table_lookup(), from.table_lookup()) ||
      !MessageDifferencer::Equals(to.dataset(), from.dataset()) ||
      !MessageDifferencer::Equals(to.training(), from.training())) {
    return Refuse("search_id", absl::StrCat("search ", id,
                                            " evaluated differently (another table, dataset or "
                                            "training), so its fitness does not compare"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status InsertWarmStartMembers(pqxx::work& txn, LockedSearch& search) {
  const v1::SearchSpec& spec = search.step->spec();
  if (!spec.has_warm_start()) return absl::OkStatus();
  const int64_t from_id = spec.warm_start().search_id();
  const int count = spec.warm_start().count();
  const pqxx::result from =
      txn.exec_params("SELECT spec_text FROM searches WHERE id = $1", from_id);
  if (from.empty()) {
    return Refuse("search_id", absl::StrCat("search ", from_id, " does not exist"));
  }
  ASSIGN_OR_RETURN(const v1::SearchSpec from_spec, ParseSpecText(from[0][0].as<std::string>()));
  RETURN_IF_ERROR(CheckComparable(spec, from_spec, from_id));
  // The best `count`, joining in the order they joined the earlier search.
  const pqxx::result best = txn.exec_params(
      "SELECT id, genome, genome_hash, fitness, COALESCE(parameter_count, -1), seed FROM ("
      "  SELECT * FROM individuals WHERE search_id = $1 AND state = 'evaluated'"
      "  ORDER BY fitness DESC, birth_order LIMIT $2) b ORDER BY evaluated_order",
      from_id, count);
  if (static_cast<int>(best.size()) < count) {
    return Refuse("count", absl::StrCat(count, " but search ", from_id, " has only ", best.size(),
                                        " evaluated individuals"));
  }
  for (int k = 0; k < count; ++k) {
    const pqxx::row& b = best[k];
    const int64_t id =
        txn.exec_params1(
               "INSERT INTO individuals (search_id, birth_order, genome, genome_hash, mutation, "
               "seed, state, fitness, parameter_count, alive, evaluated_order, evaluated_at, "
               "objective_values, objective_scores) "
               "SELECT $1, $2, $3, $4, $5, $6, 'evaluated', $7, NULLIF($8, -1), true, $9, now(), "
               "objective_values, objective_scores FROM individuals WHERE id = $10 RETURNING id",
               search.id, k, b[1].as<std::string>(), b[2].as<std::string>(),
               absl::StrCat("warm start: individual ", b[0].as<int64_t>(), " of search ", from_id),
               b[5].as<int64_t>(), b[3].as<double>(), b[4].as<int64_t>(), k + 1,
               b[0].as<int64_t>())[0]
            .as<int64_t>();
    txn.exec_params(
        "INSERT INTO individual_metrics (individual_id, name, value) "
        "SELECT $1, name, value FROM individual_metrics WHERE individual_id = $2",
        id, b[0].as<int64_t>());
  }
  search.births = count;
  search.evaluations_done = count;
  txn.exec_params("UPDATE searches SET births = $2, evaluations_done = $2 WHERE id = $1", search.id,
                  count);
  return absl::OkStatus();
}

}  // namespace nas
