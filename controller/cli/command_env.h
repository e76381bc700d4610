// What every nasctl command runs with: the controller's stub, the call
// deadline, the output format and where output goes. nasctl.cc fills it from
// its flags.
#ifndef NAS_CONTROLLER_CLI_COMMAND_ENV_H_
#define NAS_CONTROLLER_CLI_COMMAND_ENV_H_

#include <memory>
#include <ostream>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "controller/cli/output_format.h"
#include "google/protobuf/message.h"
#include "grpcpp/client_context.h"
#include "proto/search_service.grpc.pb.h"

namespace nas {

struct CommandEnv {
  v1::SearchService::Stub* stub = nullptr;          // Not owned.
  absl::Duration call_timeout = absl::Seconds(30);  // Deadline of each call.
  absl::Duration poll = absl::Seconds(1);           // watch, logs --follow: time between polls.
  OutputFormat format = OutputFormat::kText;
  std::ostream* out = nullptr;  // Not owned; the command's output.
  std::ostream* err = nullptr;  // Not owned; retries and warnings.

  // A context whose deadline is call_timeout from now.
  std::unique_ptr<grpc::ClientContext> Context() const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + call_timeout));
    return context;
  }
};

// Prints a read command's answer in env.format: `message` as JSON, `csv()`
// or `text()` (each returns the whole output as a std::string).
template <typename CsvFn, typename TextFn>
absl::Status Print(const CommandEnv& env, const google::protobuf::Message& message, CsvFn csv,
                   TextFn text) {
  switch (env.format) {
    case OutputFormat::kJson: {
      absl::StatusOr<std::string> json = ToJson(message);
      if (!json.ok()) return json.status();
      *env.out << *json;
      break;
    }
    case OutputFormat::kCsv:
      *env.out << csv();
      break;
    case OutputFormat::kText:
      *env.out << text();
      break;
  }
  env.out->flush();
  return absl::OkStatus();
}

}  // namespace nas

#endif  // NAS_CONTROLLER_CLI_COMMAND_ENV_H_
