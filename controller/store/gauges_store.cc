#include "controller/store/gauges_store.h"

namespace nas {

absl::StatusOr<QueueGauges> ReadQueueGauges(Database& db) {
  QueueGauges out;
  absl::Status status = db.Transact([&](pqxx::work& txn) -> absl::Status {
    out = QueueGauges{};
    const pqxx::row counts = txn.exec1(
        "SELECT count(*) FILTER (WHERE j.state = 'pending' AND s.state = 'running'), "
        "count(*) FILTER (WHERE j.state = 'leased') FROM jobs j JOIN searches s "
        "ON s.id = j.search_id WHERE j.state IN ('pending', 'leased')");
    out.pending = counts[0].as<int64_t>();
    out.leased = counts[1].as<int64_t>();
    for (const auto& row : txn.exec(
             "SELECT s.id, max(i.fitness) FROM searches s JOIN individuals i ON "
             "i.search_id = s.id WHERE i.state = 'evaluated' AND (s.state = 'running' OR "
             "s.finished_at > now() - interval '1 hour') GROUP BY s.id")) {
      out.best_fitness.emplace_back(row[0].as<int64_t>(), row[1].as<double>());
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

}  // namespace nas
