// A plaintext HTTP endpoint for probes (Kubernetes httpGet, load balancers):
// GET /healthz answers 200 "ok" while the process is alive and useful, and
// GET /readyz while it should be sent work; otherwise 503 with the reason.
// Both binaries serve one: the worker by its loop and controller contact, the
// controller by its database (the same status as its grpc.health.v1).
#ifndef NAS_COMMON_HEALTH_HEALTH_ENDPOINT_H_
#define NAS_COMMON_HEALTH_HEALTH_ENDPOINT_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace nas {

class HealthEndpoint {
 public:
  // Each check returns "" when healthy, else why not (the 503 body). They
  // run on the endpoint's threads, so they must be thread-safe and quick.
  struct Checks {
    std::function<std::string()> live;   // /healthz
    std::function<std::string()> ready;  // /readyz
  };

  // Serves on `listen_address` (host:port; port 0 picks a free one).
  // INVALID_ARGUMENT naming `flag` for a malformed address or a missing
  // check; UNAVAILABLE naming `flag` if the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HealthEndpoint>> Start(const std::string& flag,
                                                               const std::string& listen_address,
                                                               Checks checks);
  // Stops serving and joins the thread.
  ~HealthEndpoint();

  HealthEndpoint(const HealthEndpoint&) = delete;
  HealthEndpoint& operator=(const HealthEndpoint&) = delete;

  int port() const { return port_; }

 private:
  HealthEndpoint() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace nas

#endif  // NAS_COMMON_HEALTH_HEALTH_ENDPOINT_H_
