#include "common/health/health_endpoint.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"

namespace nas {
namespace {

void Answer(const std::function<std::string()>& check, httplib::Response& response) {
  const std::string problem = check();
  response.status = problem.empty() ? 200 : 503;
  response.set_content(problem.empty() ? "ok\n" : problem + "\n", "text/plain");
}

}  // namespace

absl::StatusOr<std::unique_ptr<HealthEndpoint>> HealthEndpoint::Start(
    const std::string& flag, const std::string& listen_address, Checks checks) {
  const size_t colon = listen_address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen_address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": '", listen_address, "' is not host:port (port 0..65535)"));
  }
  if (!checks.live || !checks.ready) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": both checks are required"));
  }
  std::string host = listen_address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::unique_ptr<HealthEndpoint> e(new HealthEndpoint());
  e->server_ = std::make_unique<httplib::Server>();
  e->server_->Get("/healthz",
                  [live = checks.live](const httplib::Request&, httplib::Response& response) {
                    Answer(live, response);
                  });
  e->server_->Get("/readyz",
                  [ready = checks.ready](const httplib::Request&, httplib::Response& response) {
                    Answer(ready, response);
                  });
  e->port_ = port == 0 ? e->server_->bind_to_any_port(host)
                       : (e->server_->bind_to_port(host, port) ? port : -1);
  if (e->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat(flag, ": cannot listen on ", listen_address));
  }
  e->thread_ = std::thread([raw = e->server_.get()] { raw->listen_after_bind(); });
  return e;
}

HealthEndpoint::~HealthEndpoint() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace nas
