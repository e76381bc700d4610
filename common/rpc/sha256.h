// Content digests of checkpoints: "sha256:<64 lowercase hex digits>".
#ifndef NAS_COMMON_RPC_SHA256_H_
#define NAS_COMMON_RPC_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace nas {

std::string Sha256Digest(absl::string_view bytes);

}  // namespace nas

#endif  // NAS_COMMON_RPC_SHA256_H_
