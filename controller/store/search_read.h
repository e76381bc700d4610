// One search as SearchService answers it (counts, best individual), read
// inside a caller's transaction. Shared by search_store.cc and
// search_reuse.cc.
#ifndef NAS_CONTROLLER_STORE_SEARCH_READ_H_
#define NAS_CONTROLLER_STORE_SEARCH_READ_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "pqxx/pqxx"
#include "proto/search.pb.h"

namespace nas {

// NOT_FOUND if there is no such search.
absl::StatusOr<v1::Search> ReadSearch(pqxx::work& txn, int64_t search_id);

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_SEARCH_READ_H_
