#include "controller/search/strategy_registry.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nas {
namespace {

// Keyed by the spec's oneof case. Filled before main() runs, read-only after.
std::map<int, StrategyRegistration>& Registry() {
  static auto* registry = new std::map<int, StrategyRegistration>();
  return *registry;
}

}  // namespace

void RegisterStrategy(StrategyRegistration registration) {
  auto& registry = Registry();
  for (const auto& [unused, existing] : registry) {
    if (existing.name == registration.name) {
      std::cerr << "strategy '" << registration.name << "' registered twice" << std::endl;
      std::abort();
    }
  }
  if (registration.spec_case == v1::Strategy::KIND_NOT_SET || !registration.normalize ||
      !registration.create || !registry.emplace(registration.spec_case, registration).second) {
    std::cerr << "strategy '" << registration.name << "': bad or duplicate registration"
              << std::endl;
    std::abort();
  }
}

std::vector<std::string> StrategyNames() {
  std::vector<std::string> names;
  for (const auto& [unused, r] : Registry()) names.push_back(r.name);
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<const StrategyRegistration*> FindStrategy(const v1::SearchSpec& spec) {
  const auto it = Registry().find(spec.strategy().kind_case());
  if (it == Registry().end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("strategy: must be set (", absl::StrJoin(StrategyNames(), ", "), ")"));
  }
  return &it->second;
}

std::string StrategyName(const v1::Strategy& strategy) {
  const auto it = Registry().find(strategy.kind_case());
  return it == Registry().end() ? "unset" : it->second.name;
}

v1::JobKind CandidateJobKind(const v1::SearchSpec& spec) {
  if (spec.has_table_lookup()) return v1::TABLE_LOOKUP;
  if (spec.space().has_convnet()) return v1::TRAIN_MORPHED;
  return v1::TRAIN_CANDIDATE;
}

v1::JobKind JobKindForSpec(const v1::SearchSpec& normalized) {
  absl::StatusOr<const StrategyRegistration*> r = FindStrategy(normalized);
  if (r.ok() && (*r)->job_kind) return (*r)->job_kind(normalized);
  return CandidateJobKind(normalized);
}

absl::StatusOr<std::unique_ptr<Strategy>> MakeStrategy(const v1::SearchSpec& normalized) {
  absl::StatusOr<const StrategyRegistration*> r = FindStrategy(normalized);
  if (!r.ok()) return r.status();
  return (*r)->create(normalized);
}

}  // namespace nas
