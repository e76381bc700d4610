// Checkpoint upload and download as gRPC streams over a CheckpointStore,
// shared by the worker and researcher services.
#ifndef NAS_CONTROLLER_SERVICE_CHECKPOINT_STREAMS_H_
#define NAS_CONTROLLER_SERVICE_CHECKPOINT_STREAMS_H_

#include "absl/status/status.h"
#include "controller/store/checkpoint_store.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/sync_stream.h"
#include "proto/worker_service.pb.h"

namespace nas {

inline constexpr size_t kMaxCheckpointChunkBytes = 1 << 20;

// Reads chunks until the client closes its side; stores them.
absl::Status ReceiveCheckpoint(CheckpointStore& store,
                               grpc::ServerReader<v1::CheckpointChunk>* reader,
                               v1::UploadCheckpointResponse* response);

// Writes the stored chunks of `request.digest`.
absl::Status SendCheckpoint(CheckpointStore& store, const v1::DownloadCheckpointRequest& request,
                            grpc::ServerWriter<v1::CheckpointChunk>* writer);

}  // namespace nas

#endif  // NAS_CONTROLLER_SERVICE_CHECKPOINT_STREAMS_H_
