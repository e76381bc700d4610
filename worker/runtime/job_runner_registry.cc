#include "worker/runtime/job_runner_registry.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace nas {

JobRunnerRegistry& JobRunnerRegistry::Global() {
  static auto* const registry = new JobRunnerRegistry();  // Never destroyed: used at exit too.
  return *registry;
}

absl::Status JobRunnerRegistry::Register(JobRunnerRegistration registration) {
  if (registration.kind == v1::JOB_KIND_UNSPECIFIED || registration.name.empty() ||
      !registration.factory) {
    return absl::InvalidArgumentError(absl::StrCat("job runner '", registration.name,
                                                   "': needs a job kind, a name and a factory"));
  }
  absl::MutexLock lock(&mu_);
  for (const auto& [kind, existing] : by_kind_) {
    if (kind == registration.kind || existing.name == registration.name) {
      return absl::AlreadyExistsError(absl::StrCat(
          "job runner '", registration.name, "' (", v1::JobKind_Name(registration.kind), "): '",
          existing.name, "' (", v1::JobKind_Name(kind), ") is registered already"));
    }
  }
  const v1::JobKind kind = registration.kind;
  by_kind_.emplace(kind, std::move(registration));
  return absl::OkStatus();
}

std::vector<JobRunnerRegistration> JobRunnerRegistry::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<JobRunnerRegistration> all;
  for (const auto& [kind, registration] : by_kind_) all.push_back(registration);
  return all;
}

std::string JobRunnerRegistry::Names() const {
  std::vector<std::string> names;
  for (const JobRunnerRegistration& r : List()) names.push_back(r.name);
  return absl::StrJoin(names, ", ");
}

std::string JobRunnerRegistry::Describe() const {
  const std::vector<JobRunnerRegistration> all = List();
  size_t width = 0;
  for (const JobRunnerRegistration& r : all) width = std::max(width, r.name.size());
  std::string text;
  for (const JobRunnerRegistration& r : all) {
    absl::StrAppend(&text, absl::StrFormat("  %-*s  %s\n", width, r.name, r.description));
  }
  return text;
}

absl::StatusOr<JobRunners> JobRunnerRegistry::Make(absl::string_view job_kinds,
                                                   const JobRunnerContext& context) const {
  const std::vector<JobRunnerRegistration> all = List();
  std::vector<const JobRunnerRegistration*> chosen;
  for (absl::string_view name : absl::StrSplit(job_kinds, ',', absl::SkipWhitespace())) {
    name = absl::StripAsciiWhitespace(name);
    const bool every = name == "all";
    bool found = every;
    for (const JobRunnerRegistration& r : all) {
      if (every || r.name == name) {
        chosen.push_back(&r);
        found = true;
      }
    }
    if (!found) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown job kind '", name, "'; known: ", Names()));
    }
  }
  if (chosen.empty()) return absl::InvalidArgumentError("must name at least one job kind");
  JobRunners runners;
  for (const JobRunnerRegistration* r : chosen) {
    if (runners.count(r->kind) == 0) runners[r->kind] = r->factory(context);
  }
  return runners;
}

JobRunnerRegistrar::JobRunnerRegistrar(JobRunnerRegistration registration) {
  const absl::Status status = JobRunnerRegistry::Global().Register(std::move(registration));
  if (!status.ok()) {
    std::cerr << "job runner registry: " << status << std::endl;
    std::abort();
  }
}

}  // namespace nas
