#include "worker/table_lookup/table_lookup_runner.h"

#include <memory>

#include "worker/runtime/job_payload.h"
#include "worker/runtime/job_runner_registry.h"

namespace nas {

absl::StatusOr<const LookupTable*> TableLookupRunner::Table(const v1::TableLookup& spec) {
  const Key key{spec.table_path(), spec.cell_column(), spec.fitness_column()};
  absl::MutexLock lock(&mu_);
  auto it = tables_.find(key);
  if (it != tables_.end()) return it->second.get();
  auto table = LookupTable::Load(spec.table_path(), spec.cell_column(),
                                 spec.fitness_column());
  if (!table.ok()) return table.status();
  auto owned = std::make_unique<LookupTable>(*std::move(table));
  const LookupTable* raw = owned.get();
  tables_.emplace(key, std::move(owned));
  return raw;
}

absl::StatusOr<v1::EvaluationResult> TableLookupRunner::Run(const v1::Job& job,
                                                            const ProgressFn& progress) {
  if (absl::Status s = CheckJobPayload(job, v1::Job::kTableLookup); !s.ok()) return s;
  auto table = Table(job.table_lookup());
  if (!table.ok()) return table.status();
  auto value = (*table)->Find(job.architecture().text());
  if (!value.ok()) return value.status();
  if (!progress(1.0)) return absl::CancelledError("stopped");
  v1::EvaluationResult result;
  result.set_fitness(*value);
  return result;
}

namespace {

const JobRunnerRegistrar kRegistrar(
    {v1::TABLE_LOOKUP, "table_lookup",
     "looks an architecture's fitness up in a table (NAS-Bench-201, table_lookup specs)",
     [](const JobRunnerContext&) -> std::unique_ptr<JobRunner> {
       return std::make_unique<TableLookupRunner>();
     }});

}  // namespace

}  // namespace nas
