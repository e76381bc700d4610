#include "controller/server.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/status/status_macros.h"
#include "controller/store/migrator.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace nas {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* flag) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(flag, ": cannot read ", path));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const ControllerServer::Options& options) {
  if (options.tls_cert_file.empty() && options.tls_key_file.empty()) {
    if (!options.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError("--tls_client_ca_file: requires --tls_cert_file");
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions ssl(
      options.tls_client_ca_file.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ASSIGN_OR_RETURN(std::string cert, ReadPem(options.tls_cert_file, "--tls_cert_file"));
  ASSIGN_OR_RETURN(std::string key, ReadPem(options.tls_key_file, "--tls_key_file"));
  ssl.pem_key_cert_pairs.push_back({key, cert});
  if (!options.tls_client_ca_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs,
                     ReadPem(options.tls_client_ca_file, "--tls_client_ca_file"));
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ControllerServer>> ControllerServer::BuildAndStart(Options options) {
  if (options.max_lease_wait_ms < 0 || options.max_lease_waiters < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_lease_wait_ms (", options.max_lease_wait_ms, "), --max_lease_waiters (",
                     options.max_lease_waiters, "): must be >= 0 (0 = no long polls)"));
  }
  if (absl::Milliseconds(options.max_lease_wait_ms) > JobQueue::kMaxLeaseWait) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max_lease_wait_ms (", options.max_lease_wait_ms, "): must be at most ",
        absl::ToInt64Milliseconds(JobQueue::kMaxLeaseWait),
        ": a worker waiting longer drops out of the 30 s window in which the controller "
        "counts it as active, and searches queue too few jobs for it"));
  }
  std::unique_ptr<ControllerServer> s(new ControllerServer());
  Database::Options db_options;
  db_options.dsn = options.database_dsn;
  db_options.pool_size = options.database_pool_size;
  db_options.statement_timeout_ms = options.database_statement_timeout_ms;
  db_options.lock_timeout_ms = options.database_lock_timeout_ms;
  ASSIGN_OR_RETURN(s->db_, Database::Create(std::move(db_options)));
  ASSIGN_OR_RETURN(std::vector<int> applied, ApplyMigrations(*s->db_, EmbeddedMigrations()));
  if (!applied.empty()) {
    std::cerr << "applied schema migrations: " << absl::StrJoin(applied, ", ") << std::endl;
  }
  ASSIGN_OR_RETURN(s->authorizer_,
                   Authorizer::FromFiles(options.worker_tokens_file, options.client_tokens_file));
  ASSIGN_OR_RETURN(auto credentials, ServerCredentials(options));
  if (s->authorizer_->enabled() && options.tls_cert_file.empty()) {
    std::cerr << "warning: bearer tokens without TLS; clients refuse to send tokens "
                 "in plaintext"
              << std::endl;
  }
  s->search_store_ = std::make_unique<SearchStore>(s->db_.get());
  s->job_queue_ = std::make_unique<JobQueue>(s->db_.get());
  s->job_queue_->set_batched_writes(options.batched_report_writes);
  if (!options.metrics_listen_address.empty()) {
    ASSIGN_OR_RETURN(s->metrics_,
                     ControllerMetrics::Create(options.metrics_listen_address, s->db_.get()));
    s->job_queue_->set_on_leases_expired([m = s->metrics_.get()](int n) { m->LeasesExpired(n); });
  }
  LeaseWaitOptions lease_wait;
  if (options.max_lease_wait_ms > 0 && options.max_lease_waiters > 0) {
    JobNotifications::Options listen;
    listen.dsn = options.database_dsn;
    s->job_notifications_ = JobNotifications::Start(std::move(listen));
    lease_wait.notifications = s->job_notifications_.get();
    lease_wait.max_wait = absl::Milliseconds(options.max_lease_wait_ms);
    lease_wait.max_waiters = options.max_lease_waiters;
  }
  s->checkpoints_ = std::make_unique<CheckpointStore>(s->db_.get());
  s->job_logs_ = std::make_unique<JobLogStore>(s->db_.get());
  s->workers_ = std::make_unique<WorkerStore>(s->db_.get());
  s->search_service_ = std::make_unique<SearchServiceImpl>(
      SearchServiceImpl::Stores{s->search_store_.get(), s->checkpoints_.get(), s->job_logs_.get(),
                                s->workers_.get()},
      s->authorizer_.get());
  s->worker_service_ = std::make_unique<WorkerServiceImpl>(
      s->job_queue_.get(), s->checkpoints_.get(), s->authorizer_.get(), s->metrics_.get(),
      options.idle_retry_ms, lease_wait);

  // Generic gRPC tools (grpcurl, grpc_health_probe, load balancers) need no
  // project files: the standard health service and server reflection.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second server of the same user could
  // then bind this port too and silently take part of the connections. A
  // port in use is an error ("cannot listen") instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(options.listen_address, credentials, &s->port_);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.RegisterService(s->search_service_.get());
  builder.RegisterService(s->worker_service_.get());
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || s->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen_address));
  }
  if (!options.http_listen_address.empty()) {
    // The JSON API calls the gRPC service in process: same validation,
    // tokens and roles, no second network hop.
    grpc::ChannelArguments channel_args;
    channel_args.SetMaxReceiveMessageSize(options.max_message_bytes);
    channel_args.SetMaxSendMessageSize(options.max_message_bytes);
    s->gateway_ = std::make_unique<JsonGateway>(s->server_->InProcessChannel(channel_args),
                                                absl::Seconds(60));
    HttpServer::Options http;
    http.listen_address = options.http_listen_address;
    http.tls_cert_file = options.tls_cert_file;
    http.tls_key_file = options.tls_key_file;
    http.tls_client_ca_file = options.tls_client_ca_file;
    http.max_body_bytes = options.max_message_bytes;
    ASSIGN_OR_RETURN(s->http_, HttpServer::Start(http, s->gateway_.get()));
  }
  RETURN_IF_ERROR(s->StartHealth(options));
  s->reaper_ = std::thread([raw = s.get(), ms = options.reclaim_interval_ms,
                            grace = options.checkpoint_grace] { raw->ReapLoop(ms, grace); });
  return s;
}

absl::Status ControllerServer::StartHealth(const Options& options) {
  auto set_serving = [server = server_.get()](bool serving) {
    for (const char* service : {"", "nas.v1.SearchService", "nas.v1.WorkerService"}) {
      server->GetHealthCheckService()->SetServingStatus(service, serving);
    }
  };
  set_serving(true);  // The database answered a moment ago (migrations).
  probe_ = std::make_unique<DatabaseProbe>(
      options.database_dsn, std::max<int64_t>(2, absl::ToInt64Seconds(options.health_interval)));
  DatabaseHealth::Options health;
  health.probe = [probe = probe_.get()] { return probe->Check(); };
  health.interval = options.health_interval;
  health.on_change = set_serving;
  health_ = std::make_unique<DatabaseHealth>(std::move(health));
  if (options.health_listen_address.empty()) return absl::OkStatus();
  // Alive while it serves (a restart would not bring the database back);
  // ready while the database answers.
  auto alive = [] { return std::string(); };
  auto ready = [health = health_.get()] { return health->problem(); };
  ASSIGN_OR_RETURN(
      health_endpoint_,
      HealthEndpoint::Start("--health_listen", options.health_listen_address, {alive, ready}));
  return absl::OkStatus();
}

ControllerServer::~ControllerServer() { Shutdown(); }

void ControllerServer::ReapLoop(int interval_ms, absl::Duration checkpoint_grace) {
  while (!stop_.WaitForNotificationWithTimeout(absl::Milliseconds(interval_ms))) {
    auto reclaimed = job_queue_->ReclaimExpiredLeases();
    if (!reclaimed.ok()) {
      std::cerr << "reclaiming expired leases: " << reclaimed.status() << std::endl;
    } else if (*reclaimed > 0) {
      std::cerr << "reclaimed " << *reclaimed << " expired lease(s)" << std::endl;
    }
    if (metrics_) {
      if (absl::Status refreshed = metrics_->Refresh(); !refreshed.ok()) {
        std::cerr << "refreshing metrics: " << refreshed << std::endl;
      }
    }
    auto collected = checkpoints_->CollectGarbage(checkpoint_grace);
    if (!collected.ok()) {
      std::cerr << "collecting checkpoints: " << collected.status() << std::endl;
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
  health_endpoint_.reset();
  health_.reset();           // Before the health service below: it sets its status.
  if (http_) http_->Stop();  // Before gRPC: its calls go through the server.
  // Waiting leases answer now (no job, retry later) rather than hold up the
  // server's shutdown until their bound.
  if (job_notifications_) job_notifications_->Stop();
  if (server_) {
    server_->GetHealthCheckService()->Shutdown();  // Reports NOT_SERVING from now on.
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }
}

}  // namespace nas
