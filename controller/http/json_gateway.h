// The JSON API: HTTP requests on resource paths (/v1/searches/{id}/...)
// translated into nas.v1.SearchService calls on a gRPC channel, normally the
// controller's own in-process channel. Every call goes through the gRPC
// service, so validation, error codes, bearer tokens and roles are exactly the
// gRPC API's. Bodies and answers use protobuf's JSON mapping. The routes are
// listed in docs/api.md. Thread-safe.
#ifndef NAS_CONTROLLER_HTTP_JSON_GATEWAY_H_
#define NAS_CONTROLLER_HTTP_JSON_GATEWAY_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "proto/search_service.grpc.pb.h"

namespace nas {

struct HttpCall {
  std::string method;  // "GET", "POST", ...
  std::string path;    // Without the query string.
  // Query parameters by name; a repeated name keeps its last value.
  std::map<std::string, std::string> query;
  std::string body;
  // The Authorization header, passed on as gRPC metadata; empty if absent.
  std::string authorization;
};

struct HttpAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class JsonGateway {
 public:
  // Each call gets `deadline` to finish.
  JsonGateway(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline);

  // The answer for a call on an API path (one under /v1/); nullopt for any
  // other path. An error answer's body is
  // {"code": <gRPC code>, "status": "<its name>", "message": "..."}.
  std::optional<HttpAnswer> Handle(const HttpCall& call) const;

 private:
  using Handler = std::function<HttpAnswer(const HttpCall&, const std::vector<std::string>&)>;
  struct Route {
    std::string method;
    std::regex path;
    // The request fields the path's groups fill, in order.
    std::vector<std::string> path_fields;
    Handler handler;
  };

  template <typename Request, typename Response>
  using UnaryMethod = grpc::Status (v1::SearchService::Stub::*)(grpc::ClientContext*,
                                                                const Request&, Response*);
  template <typename Request, typename Response>
  void AddUnary(const std::string& method, const std::string& path,
                std::vector<std::string> path_fields, UnaryMethod<Request, Response> rpc);
  void AddCheckpointDownload();
  // The call's deadline and the caller's Authorization header as metadata.
  void PrepareContext(const HttpCall& call, grpc::ClientContext* context) const;

  std::unique_ptr<v1::SearchService::Stub> stub_;
  const absl::Duration deadline_;
  std::vector<Route> routes_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_HTTP_JSON_GATEWAY_H_
