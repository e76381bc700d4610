// The one place an absl::Status becomes a grpc::Status.
#ifndef NAS_COMMON_STATUS_GRPC_STATUS_H_
#define NAS_COMMON_STATUS_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace nas {

// Same code and message; the numeric codes of absl and gRPC agree.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for clients.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace nas

#endif  // NAS_COMMON_STATUS_GRPC_STATUS_H_
