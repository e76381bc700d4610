// Warm start (SearchSpec.warm_start): copies the best evaluated individuals
// of an earlier search into a new aging-evolution search as its first
// population members, evaluated, without jobs.
#ifndef NAS_CONTROLLER_STORE_WARM_START_H_
#define NAS_CONTROLLER_STORE_WARM_START_H_

#include "absl/status/status.h"
#include "controller/store/search_step.h"
#include "pqxx/pqxx"

namespace nas {

// Inside the new search's creating transaction, before its first top-up.
// INVALID_ARGUMENT naming spec.warm_start.<field> when the earlier search
// does not exist, differs in space or evaluation, or has fewer evaluated
// individuals than asked for. Advances search.births and evaluations_done.
absl::Status InsertWarmStartMembers(pqxx::work& txn, LockedSearch& search);

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_WARM_START_H_
