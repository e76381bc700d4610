#include "worker/runtime/job_payload.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace nas {
namespace {

std::string PayloadName(v1::Job::PayloadCase payload) {
  const google::protobuf::FieldDescriptor* field =
      v1::Job::descriptor()->FindFieldByNumber(static_cast<int>(payload));
  return field == nullptr ? "none" : field->name();
}

}  // namespace

absl::Status CheckJobPayload(const v1::Job& job, v1::Job::PayloadCase expected) {
  if (job.payload_case() == expected) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("job.payload: a ", v1::JobKind_Name(job.kind()),
                                                 " job needs ", PayloadName(expected), ", got ",
                                                 PayloadName(job.payload_case())));
}

}  // namespace nas
