#include "worker/runtime/controller_client.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/rpc/sha256.h"
#include "common/status/grpc_status.h"

namespace nas {
// Calls `rpc(context)` until it succeeds, fails for good, or `budget` runs
// out. Every answer from the controller (an error included) marks it reached.
template <typename Rpc>
absl::Status ControllerClient::Call(absl::Duration budget, Rpc&& rpc, absl::Duration longer) {
  const absl::Time give_up = absl::Now() + budget;
  absl::Duration backoff = absl::Milliseconds(100);
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.call_timeout + longer));
    const absl::Status status = FromGrpcStatus(rpc(&context));
    const bool unreachable = absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
    // A call this worker cancelled got no answer either.
    if (!unreachable && !absl::IsCancelled(status)) {
      last_reached_ns_.store(absl::GetCurrentTimeNanos());
    }
    if (!(unreachable || absl::IsAborted(status)) || absl::Now() + backoff > give_up) {
      return status;
    }
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(5));
  }
}

absl::StatusOr<std::unique_ptr<ControllerClient>> ControllerClient::Create(Options options) {
  auto channel = MakeChannel(options.channel);
  if (!channel.ok()) return channel.status();
  return std::unique_ptr<ControllerClient>(
      new ControllerClient(std::move(options), *std::move(channel)));
}

ControllerClient::ControllerClient(Options options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)), stub_(v1::WorkerService::NewStub(channel)) {}

grpc::Status ControllerClient::LeaseCancellable(grpc::ClientContext* context,
                                                const v1::LeaseJobRequest& request,
                                                v1::LeaseJobResponse* response,
                                                const std::atomic<bool>* stop) {
  grpc::Status status;
  absl::Notification done;  // May be destroyed as soon as the wait sees it.
  stub_->async()->LeaseJob(context, &request, response, [&](grpc::Status s) {
    status = std::move(s);
    done.Notify();
  });
  bool cancelled = false;
  while (!done.WaitForNotificationWithTimeout(absl::Milliseconds(50))) {
    if (!cancelled && stop != nullptr && stop->load()) {
      context->TryCancel();  // The callback still runs, with CANCELLED.
      cancelled = true;
    }
  }
  return status;
}

absl::StatusOr<ControllerClient::Lease> ControllerClient::LeaseJob(const v1::WorkerInfo& worker,
                                                                   const std::atomic<bool>* stop) {
  v1::LeaseJobRequest request;
  *request.mutable_worker() = worker;
  // The first call is answered at once, so that a worker knows (and its
  // /readyz says) that a controller answers before it waits on one.
  const absl::Duration wait = last_reached_ns_.load() == 0
                                  ? absl::ZeroDuration()
                                  : std::max(options_.lease_wait, absl::ZeroDuration());
  request.set_wait_ms(static_cast<int32_t>(
      std::min<int64_t>(absl::ToInt64Milliseconds(wait), std::numeric_limits<int32_t>::max())));
  v1::LeaseJobResponse response;
  const absl::Status status = Call(
      options_.retry_budget,
      [&](grpc::ClientContext* c) {
        if (request.wait_ms() == 0) return stub_->LeaseJob(c, request, &response);
        return LeaseCancellable(c, request, &response, stop);
      },
      wait);
  if (!status.ok()) return status;
  Lease lease;
  if (response.has_job()) lease.job = response.job();
  // A controller without long polls answers at once with a wait: kept. One
  // that waited the whole bound answers 0: ask again now.
  lease.retry_after = request.wait_ms() > 0 && response.retry_after_ms() == 0
                          ? absl::ZeroDuration()
                          : absl::Milliseconds(std::max(50, response.retry_after_ms()));
  return lease;
}

absl::StatusOr<v1::HeartbeatResponse> ControllerClient::Heartbeat(
    const v1::HeartbeatRequest& request) {
  v1::HeartbeatResponse response;
  const absl::Status status = Call(options_.retry_budget, [&](grpc::ClientContext* c) {
    return stub_->Heartbeat(c, request, &response);
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ReportResultResponse> ControllerClient::ReportResult(
    const v1::ReportResultRequest& request) {
  v1::ReportResultResponse response;
  const absl::Status status = Call(options_.retry_budget, [&](grpc::ClientContext* c) {
    return stub_->ReportResult(c, request, &response);
  });
  if (!status.ok()) return status;
  return response;
}

absl::Status ControllerClient::ReleaseJob(const v1::Job& job, const std::string& worker_id,
                                          const std::string& reason,
                                          std::vector<std::string> log_lines) {
  v1::ReportResultRequest request;
  request.set_worker_id(worker_id);
  request.set_job_id(job.job_id());
  request.set_attempt(job.attempt());
  request.mutable_failure()->set_reason(reason);
  request.mutable_failure()->set_released(true);
  for (std::string& line : log_lines) request.add_log_lines(std::move(line));
  v1::ReportResultResponse response;
  return Call(options_.release_budget,
              [&](grpc::ClientContext* c) { return stub_->ReportResult(c, request, &response); });
}

absl::Time ControllerClient::last_reached() const {
  const int64_t ns = last_reached_ns_.load();
  return ns == 0 ? absl::InfinitePast() : absl::FromUnixNanos(ns);
}

absl::StatusOr<std::string> ControllerClient::UploadCheckpoint(const std::string& bytes) {
  constexpr size_t kChunk = 1 << 20;
  v1::UploadCheckpointResponse response;
  const absl::Status status = Call(options_.retry_budget, [&](grpc::ClientContext* c) {
    auto writer = stub_->UploadCheckpoint(c, &response);
    for (size_t offset = 0; offset < bytes.size(); offset += kChunk) {
      v1::CheckpointChunk chunk;
      chunk.set_data(bytes.substr(offset, kChunk));
      if (!writer->Write(chunk)) break;  // The status below says why.
    }
    writer->WritesDone();
    return writer->Finish();
  });
  if (!status.ok()) return status;
  return response.digest();
}

absl::StatusOr<std::string> ControllerClient::DownloadCheckpoint(const std::string& digest) {
  std::string bytes;
  const absl::Status status = Call(options_.retry_budget, [&](grpc::ClientContext* c) {
    bytes.clear();
    v1::DownloadCheckpointRequest request;
    request.set_digest(digest);
    auto reader = stub_->DownloadCheckpoint(c, request);
    v1::CheckpointChunk chunk;
    while (reader->Read(&chunk)) bytes += chunk.data();
    return reader->Finish();
  });
  if (!status.ok()) return status;
  if (Sha256Digest(bytes) != digest) {
    return absl::DataLossError(
        absl::StrCat("checkpoint ", digest, ": downloaded bytes do not match the digest"));
  }
  return bytes;
}

}  // namespace nas
