// Tenancy checks of SearchService: whether a client may reach a search, the
// search of an individual, a checkpoint or a warm start's source. A search
// the caller may not reach (Caller::MayAccess) answers as an absent one does,
// NOT_FOUND with the same message: a client learns nothing about another
// principal's searches, not even that they exist. An owner never changes, so
// checking before the call is as good as checking inside its transaction.
#ifndef NAS_CONTROLLER_SERVICE_SEARCH_ACCESS_H_
#define NAS_CONTROLLER_SERVICE_SEARCH_ACCESS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "controller/service/auth.h"
#include "controller/store/search_store.h"
#include "proto/search.pb.h"

namespace nas {

// NOT_FOUND "search N does not exist" unless the caller may reach it.
absl::Status CheckSearchAccess(SearchStore& store, const Caller& caller, int64_t search_id);

// NOT_FOUND "individual N does not exist" unless the caller may reach the
// individual's search.
absl::Status CheckIndividualAccess(SearchStore& store, const Caller& caller, int64_t individual_id);

// NOT_FOUND "checkpoint 'D' is not stored" unless an individual of a search
// the caller may reach keeps it; an admin may download any checkpoint.
absl::Status CheckCheckpointAccess(SearchStore& store, const Caller& caller,
                                   const std::string& digest);

// INVALID_ARGUMENT "spec.warm_start.search_id: search N does not exist" when
// the spec warm-starts from a search the caller may not reach. An absent one
// passes here: CreateSearch refuses it with the same words.
absl::Status CheckWarmStartAccess(SearchStore& store, const Caller& caller,
                                  const v1::SearchSpec& spec);

}  // namespace nas

#endif  // NAS_CONTROLLER_SERVICE_SEARCH_ACCESS_H_
