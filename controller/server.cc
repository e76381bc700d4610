#include "controller/server.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/status/status_macros.h"
#include "controller/store/migrator.h"
#include "grpcpp/server_builder.h"

namespace nas {

absl::StatusOr<std::unique_ptr<ControllerServer>> ControllerServer::BuildAndStart(
    Options options) {
  std::unique_ptr<ControllerServer> s(new ControllerServer());
  ASSIGN_OR_RETURN(s->db_, Database::Create({options.database_dsn,
                                             options.database_pool_size}));
  ASSIGN_OR_RETURN(std::vector<int> applied,
                   ApplyMigrations(*s->db_, EmbeddedMigrations()));
  if (!applied.empty()) {
    std::cerr << "applied schema migrations: " << absl::StrJoin(applied, ", ")
              << std::endl;
  }
  s->search_store_ = std::make_unique<SearchStore>(s->db_.get());
  s->job_queue_ = std::make_unique<JobQueue>(s->db_.get());
  s->search_service_ = std::make_unique<SearchServiceImpl>(s->search_store_.get());
  s->worker_service_ =
      std::make_unique<WorkerServiceImpl>(s->job_queue_.get(), options.idle_retry_ms);

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address,
                           grpc::InsecureServerCredentials(), &s->port_);
  builder.RegisterService(s->search_service_.get());
  builder.RegisterService(s->worker_service_.get());
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || s->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address));
  }
  s->reaper_ = std::thread([raw = s.get(), ms = options.reclaim_interval_ms] {
    raw->ReapLoop(ms);
  });
  return s;
}

ControllerServer::~ControllerServer() { Shutdown(); }

void ControllerServer::ReapLoop(int interval_ms) {
  while (!stop_.WaitForNotificationWithTimeout(absl::Milliseconds(interval_ms))) {
    auto reclaimed = job_queue_->ReclaimExpiredLeases();
    if (!reclaimed.ok()) {
      std::cerr << "reclaiming expired leases: " << reclaimed.status() << std::endl;
    } else if (*reclaimed > 0) {
      std::cerr << "reclaimed " << *reclaimed << " expired lease(s)" << std::endl;
    }
  }
}

void ControllerServer::Wait() {
  if (server_) server_->Wait();
}

void ControllerServer::Shutdown() {
  if (shut_down_.exchange(true)) return;
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (reaper_.joinable()) reaper_.join();
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
}

}  // namespace nas
