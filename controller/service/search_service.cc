#include "controller/service/search_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "controller/search/spec_validation.h"
#include "controller/service/checkpoint_streams.h"
#include "controller/service/search_access.h"

namespace nas {
namespace {

absl::StatusOr<Page> MakePage(int32_t page_size, const std::string& token, int default_size) {
  if (page_size < 0 || page_size > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: ", page_size, " is out of range 0..1000"));
  }
  return Page{page_size == 0 ? default_size : page_size, token};
}

absl::Status CheckId(const char* field, int64_t id) {
  if (id <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be > 0"));
  }
  return absl::OkStatus();
}

// Checks the caller's role, runs `fn(caller)` (returning absl::Status) and
// converts its status once.
template <typename Fn>
grpc::Status Serve(const Authorizer& authorizer, const grpc::ServerContext* context, Fn&& fn) {
  absl::StatusOr<Caller> caller = authorizer.Authorize(*context, Role::kClient);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ToGrpcStatus(fn(*caller));
}

// ListWorkers' window: 0 asks for the default.
constexpr int kDefaultSeenWithinSeconds = 86400;
constexpr int kMaxSeenWithinSeconds = 30 * 86400;
// Lines of one ListJobLogs answer.
constexpr int kMaxJobLogLinesPerAnswer = 1000;

}  // namespace

grpc::Status SearchServiceImpl::CreateSearch(grpc::ServerContext* context,
                                             const v1::CreateSearchRequest* request,
                                             v1::Search* response) {
  return Serve(*authorizer_, context, [&](const Caller& caller) -> absl::Status {
    v1::SearchSpec spec = request->spec();
    absl::Status valid = ValidateAndNormalizeSpec(&spec);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("spec.", valid.message()));
    }
    const std::string& request_id = request->request_id();
    if (request_id.size() > 128 || !std::all_of(request_id.begin(), request_id.end(),
                                                [](char c) { return c >= 0x20 && c <= 0x7e; })) {
      return absl::InvalidArgumentError(
          "request_id: must be at most 128 printable ASCII characters");
    }
    RETURN_IF_ERROR(CheckWarmStartAccess(*store_, caller, spec));
    auto search = store_->CreateSearch(spec, request_id, caller.principal);
    if (!search.ok()) return search.status();
    *response = *std::move(search);
    return absl::OkStatus();
  });
}

grpc::Status SearchServiceImpl::GetSearch(grpc::ServerContext* context,
                                          const v1::GetSearchRequest* request,
                                          v1::Search* response) {
  return Serve(*authorizer_, context, [&](const Caller& caller) -> absl::Status {
    if (auto s = CheckId("search_id", request->search_id()); !s.ok()) return s;
    RETURN_IF_ERROR(CheckSearchAccess(*store_, caller, request->search_id()));
    auto search = store_->GetSearch(request->search_id());
    if (!search.ok()) return search.status();
    *response = *std::move(search);
    return absl::OkStatus();
  });
}

grpc::Status SearchServiceImpl::ListSearches(grpc::ServerContext* context,
                                             const v1::ListSearchesRequest* request,
                                             v1::ListSearchesResponse* response) {
  return Serve(*authorizer_, context, [&](const Caller& caller) -> absl::Status {
    auto page = MakePage(request->page_size(), request->page_token(), 50);
    if (!page.ok()) return page.status();
    auto result = store_->ListSearches(
        *page, caller.admin ? std::nullopt : std::optional<std::string>(caller.principal));
    if (!result.ok()) return result.status();
    for (auto& s : result->items) *response->add_searches() = std::move(s);
    response->set_next_page_token(result->next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status SearchServiceImpl::CancelSearch(grpc::ServerContext* context,
                                             const v1::CancelSearchRequest* request,
                                             v1::Search* response) {
  return Serve(*authorizer_, context, [&](const Caller& caller) -> absl::Status {
    if (auto s = CheckId("search_id", request->search_id()); !s.ok()) return s;
    RETURN_IF_ERROR(CheckSearchAccess(*store_, caller, request->search_id()));
    auto search = store_->CancelSearch(request->search_id());
    if (!search.ok()) return search.status();
    *response = *std::move(search);
    return absl::OkStatus();
  });
}

grpc::Status SearchServiceImpl::ListIndividuals(grpc::ServerContext* context,
                                                const v1::ListIndividualsRequest* request,
                                                v1::ListIndividualsResponse* response) {
  return Serve(*authorizer_, context, [&](const Caller& caller) -> absl::Status {
    if (auto s = CheckId("search_id", request->search_id()); !s.ok()) return s;
    RETURN_IF_ERROR(CheckSearchAccess(*store_, caller, request->search_id()));
    auto page = MakePage(request->page_size(), request->page_token(), 100);
    if (!page.ok()) return page.status();
    auto result = store_->ListIndividuals(request->search_id(), *page);
    if (!result.ok()) return result.status();
    for (auto& i : result->items) *response->add_individuals() = std::move(i);
    response->set_next_page_token(result->next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status SearchServiceImpl::GetBestIndividual(grpc::ServerContext* context,
                                                  const v1::GetBestIndividualRequest* request,
                                                  v1::Individual* response) {
  return Serve(*authorizer_, context, [&](const Caller& caller) -> absl::Status {
    if (auto s = CheckId("search_id", request->search_id()); !s.ok()) return s;
    RETURN_IF_ERROR(CheckSearchAccess(*store_, caller, request->search_id()));
    auto best = store_->GetBestIndividual(request->search_id());
    if (!best.ok()) return best.status();
    *response = *std::move(best);
    return absl::OkStatus();
  });
}

grpc::Status SearchServiceImpl::GetLineage(grpc::ServerContext* context,
                                           const v1::GetLineageRequest* request,
                                           v1::GetLineageResponse* response) {
  return Serve(*authorizer_, context, [&](const Caller& caller) -> absl::Status {
    if (auto s = CheckId("individual_id", request->individual_id()); !s.ok()) return s;
    RETURN_IF_ERROR(CheckIndividualAccess(*store_, caller, request->individual_id()));
    auto lineage = store_->GetLineage(request->individual_id());
    if (!lineage.ok()) return lineage.status();
    for (auto& i : *lineage) *response->add_individuals() = std::move(i);
    return absl::OkStatus();
  });
}

grpc::Status SearchServiceImpl::GetParetoFront(grpc::ServerContext* context,
                                               const v1::GetParetoFrontRequest* request,
                                               v1::GetParetoFrontResponse* response) {
  return Serve(*authorizer_, context, [&](const Caller& caller) -> absl::Status {
    if (auto s = CheckId("search_id", request->search_id()); !s.ok()) return s;
    RETURN_IF_ERROR(CheckSearchAccess(*store_, caller, request->search_id()));
    auto front = store_->GetParetoFront(request->search_id());
    if (!front.ok()) return front.status();
    for (auto& i : *front) *response->add_individuals() = std::move(i);
    return absl::OkStatus();
  });
}

grpc::Status SearchServiceImpl::DownloadCheckpoint(
    grpc::ServerContext* context, const v1::DownloadCheckpointRequest* request,
    grpc::ServerWriter<v1::CheckpointChunk>* writer) {
  return Serve(*authorizer_, context, [&](const Caller& caller) -> absl::Status {
    RETURN_IF_ERROR(CheckCheckpointAccess(*store_, caller, request->digest()));
    return SendCheckpoint(*checkpoints_, *request, writer);
  });
}

grpc::Status SearchServiceImpl::ListEpochProgress(grpc::ServerContext* context,
                                                  const v1::ListEpochProgressRequest* request,
                                                  v1::ListEpochProgressResponse* response) {
  return Serve(*authorizer_, context, [&](const Caller& caller) -> absl::Status {
    if (auto s = CheckId("search_id", request->search_id()); !s.ok()) return s;
    RETURN_IF_ERROR(CheckSearchAccess(*store_, caller, request->search_id()));
    if (request->skip() < 0) return absl::InvalidArgumentError("skip: must be >= 0");
    auto epochs = store_->ListEpochProgress(request->search_id(), request->skip(), 1000);
    if (!epochs.ok()) return epochs.status();
    for (auto& e : *epochs) *response->add_epochs() = std::move(e);
    return absl::OkStatus();
  });
}

grpc::Status SearchServiceImpl::ListWorkers(grpc::ServerContext* context,
                                            const v1::ListWorkersRequest* request,
                                            v1::ListWorkersResponse* response) {
  return Serve(*authorizer_, context, [&](const Caller&) -> absl::Status {
    const int within = request->seen_within_seconds();
    if (within < 0 || within > kMaxSeenWithinSeconds) {
      return absl::InvalidArgumentError(absl::StrCat("seen_within_seconds: ", within,
                                                     " is out of range 0..", kMaxSeenWithinSeconds,
                                                     " (0 = ", kDefaultSeenWithinSeconds, ")"));
    }
    auto workers = workers_->ListWorkers(within == 0 ? kDefaultSeenWithinSeconds : within);
    if (!workers.ok()) return workers.status();
    for (auto& w : *workers) *response->add_workers() = std::move(w);
    return absl::OkStatus();
  });
}

grpc::Status SearchServiceImpl::ListJobLogs(grpc::ServerContext* context,
                                            const v1::ListJobLogsRequest* request,
                                            v1::ListJobLogsResponse* response) {
  return Serve(*authorizer_, context, [&](const Caller& caller) -> absl::Status {
    if (auto s = CheckId("search_id", request->search_id()); !s.ok()) return s;
    RETURN_IF_ERROR(CheckSearchAccess(*store_, caller, request->search_id()));
    if (request->individual_id() < 0) {
      return absl::InvalidArgumentError("individual_id: must be >= 0 (0 = every individual)");
    }
    if (request->skip() < 0) return absl::InvalidArgumentError("skip: must be >= 0");
    auto lines = job_logs_->ListJobLogs(request->search_id(), request->individual_id(),
                                        request->skip(), kMaxJobLogLinesPerAnswer);
    if (!lines.ok()) return lines.status();
    for (auto& line : *lines) *response->add_lines() = std::move(line);
    return absl::OkStatus();
  });
}

grpc::Status SearchServiceImpl::ExtendSearch(grpc::ServerContext* context,
                                             const v1::ExtendSearchRequest* request,
                                             v1::Search* response) {
  return Serve(*authorizer_, context, [&](const Caller& caller) -> absl::Status {
    if (auto s = CheckId("search_id", request->search_id()); !s.ok()) return s;
    RETURN_IF_ERROR(CheckSearchAccess(*store_, caller, request->search_id()));
    auto search = store_->ExtendSearch(request->search_id(), request->budget());
    if (!search.ok()) return search.status();
    *response = *std::move(search);
    return absl::OkStatus();
  });
}

grpc::Status SearchServiceImpl::ResumeSearch(grpc::ServerContext* context,
                                             const v1::ResumeSearchRequest* request,
                                             v1::Search* response) {
  return Serve(*authorizer_, context, [&](const Caller& caller) -> absl::Status {
    if (auto s = CheckId("search_id", request->search_id()); !s.ok()) return s;
    RETURN_IF_ERROR(CheckSearchAccess(*store_, caller, request->search_id()));
    auto search = store_->ResumeSearch(request->search_id());
    if (!search.ok()) return search.status();
    *response = *std::move(search);
    return absl::OkStatus();
  });
}

grpc::Status SearchServiceImpl::RetryIndividual(grpc::ServerContext* context,
                                                const v1::RetryIndividualRequest* request,
                                                v1::Individual* response) {
  return Serve(*authorizer_, context, [&](const Caller& caller) -> absl::Status {
    if (auto s = CheckId("individual_id", request->individual_id()); !s.ok()) return s;
    RETURN_IF_ERROR(CheckIndividualAccess(*store_, caller, request->individual_id()));
    auto individual = store_->RetryIndividual(request->individual_id());
    if (!individual.ok()) return individual.status();
    *response = *std::move(individual);
    return absl::OkStatus();
  });
}

}  // namespace nas
