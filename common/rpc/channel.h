// The one place clients (workers, nasctl, tests) open a channel to a
// controller: plaintext, TLS, or mutual TLS, optionally with a bearer token.
#ifndef NAS_COMMON_RPC_CHANNEL_H_
#define NAS_COMMON_RPC_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"

namespace nas {

struct ChannelOptions {
  // host:port, or a comma-separated list of ip:port to fail over between.
  std::string target;
  // PEM file of the CA that signed the controller's certificate; empty =
  // plaintext.
  std::string tls_ca_file;
  // PEM certificate and key this client presents (mutual TLS); optional.
  std::string tls_cert_file;
  std::string tls_key_file;
  // File holding this client's bearer token; empty = none. Requires TLS:
  // a token is never sent in plaintext.
  std::string token_file;
  // The name the controller's certificate must carry, when it differs from
  // the target's host (e.g. through `kubectl port-forward` to 127.0.0.1, or
  // an IP address): gRPC's SSL target name override. Requires TLS.
  std::string tls_server_name;
  // Largest message sent or received.
  int max_message_bytes = 64 << 20;
};

// INVALID_ARGUMENT naming the option for unreadable files or a token
// without TLS.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options);

// Reads a whole file (PEM, token); INVALID_ARGUMENT naming `what` if unreadable.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path, const std::string& what);

}  // namespace nas

#endif  // NAS_COMMON_RPC_CHANNEL_H_
