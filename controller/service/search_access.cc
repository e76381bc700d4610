#include "controller/service/search_access.h"

#include "absl/strings/str_cat.h"

namespace nas {

absl::Status CheckSearchAccess(SearchStore& store, const Caller& caller, int64_t search_id) {
  if (caller.admin) return absl::OkStatus();
  auto owner = store.SearchOwner(search_id);
  if (!owner.ok()) return owner.status();
  if (!caller.MayAccess(*owner)) {
    return absl::NotFoundError(absl::StrCat("search ", search_id, " does not exist"));
  }
  return absl::OkStatus();
}

absl::Status CheckIndividualAccess(SearchStore& store, const Caller& caller,
                                   int64_t individual_id) {
  if (caller.admin) return absl::OkStatus();
  auto owner = store.IndividualOwner(individual_id);
  if (!owner.ok()) return owner.status();
  if (!caller.MayAccess(*owner)) {
    return absl::NotFoundError(absl::StrCat("individual ", individual_id, " does not exist"));
  }
  return absl::OkStatus();
}

absl::Status CheckCheckpointAccess(SearchStore& store, const Caller& caller,
                                   const std::string& digest) {
  if (caller.admin) return absl::OkStatus();
  auto owners = store.CheckpointOwners(digest);
  if (!owners.ok()) return owners.status();
  for (const std::string& owner : *owners) {
    if (caller.MayAccess(owner)) return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat("checkpoint '", digest, "' is not stored"));
}

absl::Status CheckWarmStartAccess(SearchStore& store, const Caller& caller,
                                  const v1::SearchSpec& spec) {
  if (caller.admin || !spec.has_warm_start()) return absl::OkStatus();
  const int64_t from_id = spec.warm_start().search_id();
  auto owner = store.SearchOwner(from_id);
  if (absl::IsNotFound(owner.status())) return absl::OkStatus();
  if (!owner.ok()) return owner.status();
  if (!caller.MayAccess(*owner)) {
    return absl::InvalidArgumentError(
        absl::StrCat("spec.warm_start.search_id: search ", from_id, " does not exist"));
  }
  return absl::OkStatus();
}

}  // namespace nas
