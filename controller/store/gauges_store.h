// The shared state the controller's Prometheus gauges show, read from
// PostgreSQL so every controller replica reports the same numbers.
#ifndef NAS_CONTROLLER_STORE_GAUGES_STORE_H_
#define NAS_CONTROLLER_STORE_GAUGES_STORE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/store/database.h"

namespace nas {

struct QueueGauges {
  int64_t pending = 0;  // Pending jobs of running searches.
  int64_t leased = 0;   // Jobs leased right now.
  // (search id, best fitness) of running searches and those finished in the last hour.
  std::vector<std::pair<int64_t, double>> best_fitness;
};

absl::StatusOr<QueueGauges> ReadQueueGauges(Database& db);

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_GAUGES_STORE_H_
