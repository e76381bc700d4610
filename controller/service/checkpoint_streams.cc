#include "controller/service/checkpoint_streams.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace nas {

absl::Status ReceiveCheckpoint(CheckpointStore& store,
                               grpc::ServerReader<v1::CheckpointChunk>* reader,
                               v1::UploadCheckpointResponse* response) {
  auto stored = store.Put([reader]() -> absl::StatusOr<std::optional<std::string>> {
    v1::CheckpointChunk chunk;
    if (!reader->Read(&chunk)) return std::optional<std::string>();
    if (chunk.data().size() > kMaxCheckpointChunkBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("data: chunks must be at most ", kMaxCheckpointChunkBytes, " bytes"));
    }
    return std::optional<std::string>(std::move(*chunk.mutable_data()));
  });
  if (!stored.ok()) return stored.status();
  response->set_digest(stored->digest);
  response->set_size_bytes(stored->size_bytes);
  return absl::OkStatus();
}

absl::Status SendCheckpoint(CheckpointStore& store, const v1::DownloadCheckpointRequest& request,
                            grpc::ServerWriter<v1::CheckpointChunk>* writer) {
  if (!absl::StartsWith(request.digest(), "sha256:") || request.digest().size() != 71) {
    return absl::InvalidArgumentError("digest: must be 'sha256:' and 64 hex digits");
  }
  return store.Get(request.digest(), [writer](const std::string& data) {
    v1::CheckpointChunk chunk;
    chunk.set_data(data);
    if (!writer->Write(chunk)) return absl::CancelledError("the client went away");
    return absl::OkStatus();
  });
}

}  // namespace nas
