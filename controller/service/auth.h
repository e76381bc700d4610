// Bearer-token authorization with two roles. A worker token may lease jobs
// and report results; a client token may create and read searches. Neither
// may do the other's work. With no token files configured, every call is
// allowed (a single-user deployment on a private network).
#ifndef NAS_CONTROLLER_SERVICE_AUTH_H_
#define NAS_CONTROLLER_SERVICE_AUTH_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"

namespace nas {

enum class Role { kWorker, kClient };

// Immutable after construction; thread-safe.
class Authorizer {
 public:
  // Every call allowed.
  Authorizer() = default;
  // Tokens, one per line of each file (blank lines and '#' comments skipped).
  // An empty path configures no token of that role. INVALID_ARGUMENT for an
  // unreadable file or a token shorter than 16 characters.
  static absl::StatusOr<std::unique_ptr<Authorizer>> FromFiles(
      const std::string& worker_tokens_file, const std::string& client_tokens_file);

  bool enabled() const { return !worker_tokens_.empty() || !client_tokens_.empty(); }

  // OK when the call's "authorization: Bearer <token>" metadata carries a
  // token of `role`. UNAUTHENTICATED without a known token; PERMISSION_DENIED
  // for a token of the other role.
  absl::Status Check(const grpc::ServerContext& context, Role role) const;

 private:
  std::vector<std::string> worker_tokens_;
  std::vector<std::string> client_tokens_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_SERVICE_AUTH_H_
