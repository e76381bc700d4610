#include "controller/http/json_gateway.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"

namespace nas {
namespace {

using google::protobuf::Message;

// The HTTP status a gRPC code maps to: the mapping of google/rpc/code.proto,
// which grpc-gateway and Google's JSON APIs use too.
int HttpStatusOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::FAILED_PRECONDITION:
      return 400;
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:
      return 500;  // UNKNOWN, INTERNAL, DATA_LOSS.
  }
}

const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : "UNKNOWN";
}

// `s` as a JSON string literal. Only what JSON requires is escaped, so
// messages stay readable ("> 0", not "\u003e 0").
std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

HttpAnswer ErrorAnswer(const grpc::Status& status) {
  HttpAnswer answer;
  answer.status = HttpStatusOf(status.error_code());
  answer.body = absl::StrCat("{\"code\":", status.error_code(), ",\"status\":\"",
                             CodeName(status.error_code()),
                             "\",\"message\":", JsonString(status.error_message()), "}");
  return answer;
}

HttpAnswer InvalidArgument(const std::string& message) {
  return ErrorAnswer(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message));
}

HttpAnswer JsonAnswer(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  // A zero count or an empty page must read as 0 or [], not as a missing key.
  options.always_print_primitive_fields = true;
  HttpAnswer answer;
  if (auto s = google::protobuf::util::MessageToJsonString(message, &answer.body, options);
      !s.ok()) {
    return ErrorAnswer(grpc::Status(grpc::StatusCode::INTERNAL, std::string(s.message())));
  }
  return answer;
}

// Sets one singular field of `request` from its text form, the way a JSON
// body would ("12" for an integer): path segments and query parameters.
absl::Status SetField(const std::string& name, const std::string& value, Message* request) {
  const auto* descriptor = request->GetDescriptor();
  const auto* field = descriptor->FindFieldByName(name);
  for (int i = 0; field == nullptr && i < descriptor->field_count(); ++i) {
    if (descriptor->field(i)->json_name() == name) field = descriptor->field(i);
  }
  if (field == nullptr || field->is_repeated() ||
      field->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
    std::vector<std::string> names;
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const auto* f = descriptor->field(i);
      if (!f->is_repeated() && f->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
        names.push_back(f->name());
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": no such query parameter; this call takes ",
                     names.empty() ? "none" : absl::StrJoin(names, ", ")));
  }
  const std::string json = absl::StrCat("{\"", field->name(), "\":", JsonString(value), "}");
  std::unique_ptr<Message> parsed(request->New());
  if (auto s = google::protobuf::util::JsonStringToMessage(json, parsed.get()); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field->name(), ": '", value, "' is not a valid ", field->type_name()));
  }
  request->MergeFrom(*parsed);
  return absl::OkStatus();
}

// Fills `request` from the body (JSON), then the path's fields, then the query.
absl::Status FillRequest(const HttpCall& call, const std::vector<std::string>& path_fields,
                         const std::vector<std::string>& path_values, Message* request) {
  if (!call.body.empty()) {
    auto parsed = google::protobuf::util::JsonStringToMessage(call.body, request);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("body: not a JSON ",
                                                     request->GetDescriptor()->name(), ": ",
                                                     std::string(parsed.message())));
    }
  }
  for (size_t i = 0; i < path_fields.size(); ++i) {
    if (auto s = SetField(path_fields[i], path_values[i], request); !s.ok()) return s;
  }
  for (const auto& [name, value] : call.query) {
    if (auto s = SetField(name, value, request); !s.ok()) return s;
  }
  return absl::OkStatus();
}

bool IsPrintableAscii(const std::string& s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

JsonGateway::JsonGateway(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline)
    : stub_(v1::SearchService::NewStub(std::move(channel))), deadline_(deadline) {
  using Stub = v1::SearchService::Stub;
  // Ids are one path segment without ':', which starts a custom method.
  const std::string id = "([^/:]+)";
  AddUnary("GET", "/v1/searches", {}, &Stub::ListSearches);
  AddUnary("POST", "/v1/searches", {}, &Stub::CreateSearch);
  AddUnary("GET", "/v1/searches/" + id, {"search_id"}, &Stub::GetSearch);
  AddUnary("POST", "/v1/searches/" + id + ":cancel", {"search_id"}, &Stub::CancelSearch);
  AddUnary("GET", "/v1/searches/" + id + "/individuals", {"search_id"}, &Stub::ListIndividuals);
  AddUnary("GET", "/v1/searches/" + id + "/best", {"search_id"}, &Stub::GetBestIndividual);
  AddUnary("GET", "/v1/searches/" + id + "/epochs", {"search_id"}, &Stub::ListEpochProgress);
  AddUnary("GET", "/v1/searches/" + id + "/logs", {"search_id"}, &Stub::ListJobLogs);
  AddUnary("GET", "/v1/searches/" + id + "/pareto", {"search_id"}, &Stub::GetParetoFront);
  AddUnary("GET", "/v1/individuals/" + id + "/lineage", {"individual_id"}, &Stub::GetLineage);
  AddUnary("GET", "/v1/workers", {}, &Stub::ListWorkers);
  AddUnary("POST", "/v1/searches/" + id + ":extend", {"search_id"}, &Stub::ExtendSearch);
  AddUnary("POST", "/v1/searches/" + id + ":resume", {"search_id"}, &Stub::ResumeSearch);
  AddUnary("POST", "/v1/individuals/" + id + ":retry", {"individual_id"}, &Stub::RetryIndividual);
  AddCheckpointDownload();
}

void JsonGateway::PrepareContext(const HttpCall& call, grpc::ClientContext* context) const {
  context->set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  if (!call.authorization.empty()) context->AddMetadata("authorization", call.authorization);
}

template <typename Request, typename Response>
void JsonGateway::AddUnary(const std::string& method, const std::string& path,
                           std::vector<std::string> path_fields,
                           UnaryMethod<Request, Response> rpc) {
  Handler handler = [this, rpc, path_fields](const HttpCall& call,
                                             const std::vector<std::string>& values) {
    Request request;
    if (auto s = FillRequest(call, path_fields, values, &request); !s.ok()) {
      return InvalidArgument(std::string(s.message()));
    }
    grpc::ClientContext context;
    PrepareContext(call, &context);
    Response response;
    grpc::Status status = (stub_.get()->*rpc)(&context, request, &response);
    return status.ok() ? JsonAnswer(response) : ErrorAnswer(status);
  };
  routes_.push_back({method, std::regex(path), std::move(path_fields), std::move(handler)});
}

void JsonGateway::AddCheckpointDownload() {
  Handler handler = [this](const HttpCall& call, const std::vector<std::string>& values) {
    v1::DownloadCheckpointRequest request;
    if (auto s = FillRequest(call, {"digest"}, values, &request); !s.ok()) {
      return InvalidArgument(std::string(s.message()));
    }
    grpc::ClientContext context;
    PrepareContext(call, &context);
    HttpAnswer answer;
    answer.content_type = "application/octet-stream";
    auto reader = stub_->DownloadCheckpoint(&context, request);
    v1::CheckpointChunk chunk;
    while (reader->Read(&chunk)) answer.body += chunk.data();
    grpc::Status status = reader->Finish();
    return status.ok() ? answer : ErrorAnswer(status);
  };
  routes_.push_back({"GET", std::regex("/v1/checkpoints/([^/]+)"), {"digest"}, std::move(handler)});
}

std::optional<HttpAnswer> JsonGateway::Handle(const HttpCall& call) const {
  if (call.path != "/v1" && call.path.rfind("/v1/", 0) != 0) return std::nullopt;
  if (!IsPrintableAscii(call.authorization)) {
    return ErrorAnswer(
        grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "authorization: must be printable ASCII"));
  }
  std::vector<std::string> allowed;
  for (const Route& route : routes_) {
    std::smatch match;
    if (!std::regex_match(call.path, match, route.path)) continue;
    if (route.method != call.method) {
      allowed.push_back(route.method);
      continue;
    }
    std::vector<std::string> values;
    for (size_t i = 1; i < match.size(); ++i) values.push_back(match[i].str());
    return route.handler(call, values);
  }
  if (!allowed.empty()) {
    HttpAnswer answer = ErrorAnswer(
        grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                     absl::StrCat("method: ", call.method, " is not allowed on ", call.path,
                                  "; use ", absl::StrJoin(allowed, " or "))));
    answer.status = 405;
    return answer;
  }
  return ErrorAnswer(
      grpc::Status(grpc::StatusCode::NOT_FOUND,
                   absl::StrCat("path: no such resource: ", call.path, " (see docs/api.md)")));
}

}  // namespace nas
