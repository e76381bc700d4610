// Trained weights in PostgreSQL, content-addressed by SHA-256 and kept in
// chunks. The one interface an object store could later implement.
#ifndef NAS_CONTROLLER_STORE_CHECKPOINT_STORE_H_
#define NAS_CONTROLLER_STORE_CHECKPOINT_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/store/database.h"

namespace nas {

struct StoredCheckpoint {
  std::string digest;  // "sha256:<64 hex>"
  int64_t size_bytes = 0;
};

// Thread-safe; holds no state beyond the Database.
class CheckpointStore {
 public:
  static constexpr int64_t kMaxCheckpointBytes = int64_t{4} << 30;

  explicit CheckpointStore(Database* db) : db_(db) {}

  // Stores the bytes `next_chunk` yields until it returns nullopt (or an
  // error, which aborts the upload and stores nothing). The same content
  // uploaded twice is stored once. RESOURCE_EXHAUSTED past kMaxCheckpointBytes.
  absl::StatusOr<StoredCheckpoint> Put(
      const std::function<absl::StatusOr<std::optional<std::string>>()>& next_chunk);

  // Calls `sink` with each chunk in order. NOT_FOUND if unknown; whatever
  // `sink` returns stops the download.
  absl::Status Get(const std::string& digest,
                   const std::function<absl::Status(const std::string&)>& sink);

  // Deletes checkpoints no individual references and no pending or leased
  // job holds as its resume state that are older than `grace` (an upload
  // whose report has not arrived yet is young), and
  // abandoned partial uploads. Returns how many checkpoints were deleted.
  absl::StatusOr<int> CollectGarbage(absl::Duration grace);

 private:
  Database* const db_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_CHECKPOINT_STORE_H_
