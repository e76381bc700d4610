#include "controller/http/http_server.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "controller/http/static_files.h"
#include "httplib.h"

namespace nas {
namespace {

void Answer(const HttpAnswer& answer, httplib::Response& response) {
  response.status = answer.status;
  response.set_content(answer.body, answer.content_type.c_str());
  response.set_header("X-Content-Type-Options", "nosniff");
  // Every answer reflects live state (and the files change with the binary).
  response.set_header("Cache-Control", "no-store");
}

void Serve(const JsonGateway& gateway, const httplib::Request& request,
           httplib::Response& response) {
  HttpCall call;
  call.method = request.method;
  call.path = request.path;
  // From the URL only: httplib also puts a form-encoded body's fields into
  // request.params, and a body here is always JSON.
  if (const size_t q = request.target.find('?'); q != std::string::npos) {
    httplib::Params query;
    httplib::detail::parse_query_text(request.target.substr(q + 1), query);
    for (const auto& [name, value] : query) {
      call.query[name] = value;  // parse_query_text decodes.
    }
  }
  call.body = request.body;
  call.authorization = request.get_header_value("Authorization");
  std::optional<HttpAnswer> answer = gateway.Handle(call);
  if (!answer && request.method == "GET") answer = ServeDashboardFile(request.path);
  if (!answer) {
    answer = HttpAnswer{404, "text/plain; charset=utf-8",
                        absl::StrCat("no such page: ", request.path, "\n")};
  }
  Answer(*answer, response);
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const Options& options,
                                                              const JsonGateway* gateway) {
  const size_t colon = options.listen_address.rfind(':');
  int port = -1;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(options.listen_address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--http_listen: '", options.listen_address,
                                                   "' is not host:port (port 0..65535)"));
  }
  std::string host = options.listen_address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::unique_ptr<HttpServer> s(new HttpServer());
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--tls_cert_file, --tls_key_file: give both or neither");
  }
  if (!options.tls_cert_file.empty()) {
    auto ssl = std::make_unique<httplib::SSLServer>(
        options.tls_cert_file.c_str(), options.tls_key_file.c_str(),
        options.tls_client_ca_file.empty() ? nullptr : options.tls_client_ca_file.c_str());
    if (!ssl->is_valid()) {
      return absl::InvalidArgumentError(
          "--tls_cert_file, --tls_key_file, --tls_client_ca_file: the HTTPS server cannot use "
          "them (unreadable, not PEM, or the key does not match the certificate)");
    }
    s->server_ = std::move(ssl);
  } else {
    s->server_ = std::make_unique<httplib::Server>();
  }
  httplib::Server& server = *s->server_;
  server.set_payload_max_length(options.max_body_bytes);
  auto handler = [gateway](const httplib::Request& request, httplib::Response& response) {
    Serve(*gateway, request, response);
  };
  server.Get(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Patch(".*", handler);
  server.Delete(".*", handler);
  s->port_ =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (s->port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("--http_listen: cannot listen on ", options.listen_address));
  }
  s->thread_ = std::thread([raw = s->server_.get()] { raw->listen_after_bind(); });
  return s;
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace nas
