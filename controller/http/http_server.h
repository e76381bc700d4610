// The controller's HTTP endpoint: the JSON API (JsonGateway) under /v1/ and
// the dashboard's files everywhere else, over plain HTTP or HTTPS with the
// gRPC server's certificate. Serves on its own threads (cpp-httplib's pool).
#ifndef NAS_CONTROLLER_HTTP_HTTP_SERVER_H_
#define NAS_CONTROLLER_HTTP_HTTP_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "controller/http/json_gateway.h"

namespace httplib {
class Server;
}

namespace nas {

class HttpServer {
 public:
  struct Options {
    std::string listen_address;  // host:port; port 0 picks a free one.
    // TLS: both set = HTTPS; the same files as the gRPC server's.
    std::string tls_cert_file;
    std::string tls_key_file;
    // Mutual TLS: clients must present a certificate this CA signed.
    std::string tls_client_ca_file;
    // Larger request bodies are refused (413).
    size_t max_body_bytes = 64 << 20;
  };

  // Binds and starts serving. INVALID_ARGUMENT for a malformed address or
  // unusable TLS files, UNAVAILABLE if the address cannot be bound.
  // `gateway` must outlive the server.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const Options& options,
                                                           const JsonGateway* gateway);
  ~HttpServer();

  int port() const { return port_; }
  // Stops accepting, finishes the requests in flight. Idempotent.
  void Stop();

 private:
  HttpServer() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_HTTP_HTTP_SERVER_H_
