#include "controller/store/checkpoint_store.h"

#include <openssl/evp.h>

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace nas {
namespace {

using Digest = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

std::string HexDigest(EVP_MD_CTX* ctx) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, out, &len);
  return absl::StrCat("sha256:",
                      absl::BytesToHexString(absl::string_view(
                          reinterpret_cast<const char*>(out), len)));
}

}  // namespace

absl::StatusOr<StoredCheckpoint> CheckpointStore::Put(
    const std::function<absl::StatusOr<std::optional<std::string>>()>& next_chunk) {
  // Chunks go to the database under a temporary key as they arrive, so an
  // upload never holds the whole checkpoint in memory; the key becomes the
  // digest at the end.
  std::string upload_key;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    upload_key = absl::StrCat(
        "upload:", txn.exec1("SELECT nextval('checkpoint_uploads')")[0].as<int64_t>());
    return absl::OkStatus();
  }));
  Digest ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  int64_t size = 0;
  int chunks = 0;
  absl::Status status;
  while (true) {
    auto chunk = next_chunk();
    if (!chunk.ok()) {
      status = chunk.status();
      break;
    }
    if (!chunk->has_value()) break;
    const std::string& data = **chunk;
    size += static_cast<int64_t>(data.size());
    if (size > kMaxCheckpointBytes) {
      status = absl::ResourceExhaustedError(
          absl::StrCat("checkpoint: larger than ", kMaxCheckpointBytes, " bytes"));
      break;
    }
    EVP_DigestUpdate(ctx.get(), data.data(), data.size());
    status = db_->Transact([&](pqxx::work& txn) -> absl::Status {
      txn.exec_params(
          "INSERT INTO checkpoint_chunks (digest, idx, data) VALUES ($1, $2, $3) "
          "ON CONFLICT (digest, idx) DO UPDATE SET data = EXCLUDED.data",
          upload_key, chunks, pqxx::binarystring(data));
      return absl::OkStatus();
    });
    if (!status.ok()) break;
    ++chunks;
  }
  if (status.ok()) {
    const std::string digest = HexDigest(ctx.get());
    status = db_->Transact([&](pqxx::work& txn) -> absl::Status {
      const pqxx::result inserted = txn.exec_params(
          "INSERT INTO checkpoints (digest, size_bytes, chunks) VALUES ($1, $2, $3) "
          "ON CONFLICT (digest) DO NOTHING RETURNING digest",
          digest, size, chunks);
      if (inserted.empty()) {
        txn.exec_params("DELETE FROM checkpoint_chunks WHERE digest = $1", upload_key);
      } else {
        txn.exec_params("UPDATE checkpoint_chunks SET digest = $2 WHERE digest = $1",
                        upload_key, digest);
      }
      return absl::OkStatus();
    });
    if (status.ok()) return StoredCheckpoint{digest, size};
  }
  // Best effort: garbage collection removes what this leaves behind.
  (void)db_->Transact([&](pqxx::work& txn) -> absl::Status {
    txn.exec_params("DELETE FROM checkpoint_chunks WHERE digest = $1", upload_key);
    return absl::OkStatus();
  });
  return status;
}

absl::Status CheckpointStore::Get(const std::string& digest,
                                  const std::function<absl::Status(const std::string&)>& sink) {
  int chunks = 0;
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    const pqxx::result rows =
        txn.exec_params("SELECT chunks FROM checkpoints WHERE digest = $1", digest);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("checkpoint '", digest, "' is not stored"));
    }
    chunks = rows[0][0].as<int>();
    return absl::OkStatus();
  }));
  // One chunk per transaction: memory stays at one chunk however large the
  // checkpoint is.
  for (int i = 0; i < chunks; ++i) {
    std::string data;
    RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
      const pqxx::result rows = txn.exec_params(
          "SELECT data FROM checkpoint_chunks WHERE digest = $1 AND idx = $2", digest, i);
      if (rows.empty()) {
        return absl::NotFoundError(
            absl::StrCat("checkpoint '", digest, "' was deleted while being read"));
      }
      data = pqxx::binarystring(rows[0][0]).str();
      return absl::OkStatus();
    }));
    RETURN_IF_ERROR(sink(data));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> CheckpointStore::CollectGarbage(absl::Duration grace) {
  int deleted = 0;
  const double grace_seconds = absl::ToDoubleSeconds(grace);
  RETURN_IF_ERROR(db_->Transact([&](pqxx::work& txn) -> absl::Status {
    const pqxx::result gone = txn.exec_params(
        "DELETE FROM checkpoints c WHERE c.created_at < now() - $1 * interval '1 second' "
        "AND NOT EXISTS (SELECT 1 FROM individuals i WHERE i.checkpoint_digest = c.digest) "
        // A job's resume state, while the job may still run (migration 0015).
        "AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.resume_checkpoint = c.digest "
        "AND j.state IN ('pending', 'leased')) "
        "RETURNING digest",
        grace_seconds);
    deleted = static_cast<int>(gone.size());
    txn.exec(
        "DELETE FROM checkpoint_chunks k WHERE k.digest NOT LIKE 'upload:%' AND NOT EXISTS "
        "(SELECT 1 FROM checkpoints c WHERE c.digest = k.digest)");
    // Partial uploads whose uploader vanished: no chunk written for `grace`.
    txn.exec_params(
        "DELETE FROM checkpoint_chunks WHERE digest IN (SELECT digest FROM "
        "checkpoint_chunks WHERE digest LIKE 'upload:%' GROUP BY digest "
        "HAVING max(written_at) < now() - $1 * interval '1 second')",
        grace_seconds);
    return absl::OkStatus();
  }));
  return deleted;
}

}  // namespace nas
