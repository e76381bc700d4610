// Bearer-token authorization with two roles. A worker token may lease jobs
// and report results; a client token may create and read searches. Neither
// may do the other's work. With no token files configured, every call is
// allowed (a single-user deployment on a private network).
//
// Tenancy: every client token names a principal, who owns the searches it
// creates; an admin client token may reach every search (see Caller).
#ifndef NAS_CONTROLLER_SERVICE_AUTH_H_
#define NAS_CONTROLLER_SERVICE_AUTH_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"

namespace nas {

enum class Role { kWorker, kClient };

// Who a call comes from, as its token says.
struct Caller {
  // The token's principal; "" when no token files are configured.
  std::string principal;
  // An admin token, or no token files at all: every search is reachable.
  bool admin = false;

  // Whether the caller may read and act on a search owned by `owner`: its
  // own, an unowned one (created with no token files) or, for an admin, any.
  bool MayAccess(absl::string_view owner) const {
    return admin || owner.empty() || owner == principal;
  }
};

// Immutable after construction; thread-safe.
class Authorizer {
 public:
  // Every call allowed.
  Authorizer() = default;
  // One token per line of each file (blank lines and '#' comments skipped):
  //   TOKEN                  principal "token-" + 12 hex digits of its SHA-256
  //   TOKEN PRINCIPAL        principal named (1..64 of A-Z a-z 0-9 . _ @ -)
  //   TOKEN PRINCIPAL admin  client tokens only: reaches every search
  // An empty path configures no token of that role. INVALID_ARGUMENT naming
  // the flag and line for an unreadable file, a token shorter than 16
  // characters, a malformed principal or a misplaced role.
  static absl::StatusOr<std::unique_ptr<Authorizer>> FromFiles(
      const std::string& worker_tokens_file, const std::string& client_tokens_file);

  bool enabled() const { return !worker_tokens_.empty() || !client_tokens_.empty(); }

  // The caller when the call's "authorization: Bearer <token>" metadata
  // carries a token of `role`. UNAUTHENTICATED without a known token;
  // PERMISSION_DENIED for a token of the other role. With no token files, an
  // admin with principal "".
  absl::StatusOr<Caller> Authorize(const grpc::ServerContext& context, Role role) const;
  // Authorize without the caller.
  absl::Status Check(const grpc::ServerContext& context, Role role) const {
    return Authorize(context, role).status();
  }

  // One line of a token file.
  struct Token {
    std::string token;
    Caller caller;
  };

 private:
  std::vector<Token> worker_tokens_;
  std::vector<Token> client_tokens_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_SERVICE_AUTH_H_
