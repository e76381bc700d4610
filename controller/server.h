// The controller process: both gRPC services over one PostgreSQL database,
// plus a reaper that returns expired leases to the queue. Holds no search
// state of its own; any number of controllers may serve one database.
#ifndef NAS_CONTROLLER_SERVER_H_
#define NAS_CONTROLLER_SERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "common/health/health_endpoint.h"
#include "controller/database_health.h"
#include "controller/http/http_server.h"
#include "controller/http/json_gateway.h"
#include "controller/metrics/controller_metrics.h"
#include "controller/service/auth.h"
#include "controller/service/search_service.h"
#include "controller/service/worker_service.h"
#include "controller/store/checkpoint_store.h"
#include "controller/store/database.h"
#include "controller/store/database_probe.h"
#include "controller/store/job_logs.h"
#include "controller/store/job_notifications.h"
#include "controller/store/job_queue.h"
#include "controller/store/search_store.h"
#include "controller/store/worker_store.h"
#include "grpcpp/server.h"

namespace nas {

class ControllerServer {
 public:
  struct Options {
    std::string listen_address = "127.0.0.1:50051";  // Port 0 picks a free one.
    std::string database_dsn;
    int database_pool_size = 8;
    // Every statement's bounds (see Database::Options): a stuck database makes
    // calls fail UNAVAILABLE instead of waiting.
    int database_statement_timeout_ms = 30000;
    int database_lock_timeout_ms = 5000;
    int reclaim_interval_ms = 2000;
    // Unreferenced checkpoints younger than this are kept (their report may
    // still be on its way).
    absl::Duration checkpoint_grace = absl::Minutes(10);
    int idle_retry_ms = 500;
    // Long-poll leases (LeaseJobRequest.wait_ms): the longest wait granted,
    // 0 = none (the controller then neither waits nor LISTENs). Below the 30 s
    // in which a worker counts as active (ActiveSlots), so a waiting worker
    // still counts when a search decides how many jobs to queue.
    int max_lease_wait_ms = 25000;
    // Waiting leases each hold a thread of the sync gRPC server (it starts
    // threads as calls need them; no ResourceQuota caps them). Past this many
    // a LeaseJob answers at once, as without wait_ms.
    int max_lease_waiters = 1024;
    // JobQueue::set_batched_writes.
    bool batched_report_writes = true;
    // TLS: PEM certificate and key of the server; both empty = plaintext.
    std::string tls_cert_file;
    std::string tls_key_file;
    // Mutual TLS: clients must present a certificate signed by this CA.
    std::string tls_client_ca_file;
    // Bearer tokens by role (see controller/service/auth.h); empty = none.
    std::string worker_tokens_file;
    std::string client_tokens_file;
    // host:port of the Prometheus /metrics endpoint; empty = none.
    std::string metrics_listen_address;
    // Largest request accepted; larger ones are refused RESOURCE_EXHAUSTED.
    int max_message_bytes = 64 << 20;
    // host:port of the HTTP endpoint (JSON API and dashboard, with the same
    // TLS files and tokens as gRPC); empty = none. Port 0 picks a free one.
    std::string http_listen_address;
    // How often the database is probed for the health status: grpc.health.v1
    // (and the --health_listen endpoint) say NOT_SERVING while it does not
    // answer, SERVING again when it does.
    absl::Duration health_interval = absl::Seconds(1);
    // host:port of a plaintext HTTP /healthz and /readyz following the same
    // status (for probes that cannot speak TLS gRPC); empty = none.
    std::string health_listen_address;
  };

  // Connects, applies migrations, starts serving. UNAVAILABLE if the
  // database or the address cannot be reached.
  static absl::StatusOr<std::unique_ptr<ControllerServer>> BuildAndStart(Options options);

  ~ControllerServer();

  // The port actually bound.
  int port() const { return port_; }
  // The HTTP endpoint's port; 0 when it is off.
  int http_port() const { return http_ ? http_->port() : 0; }
  // The health endpoint's port; 0 when it is off.
  int health_port() const { return health_endpoint_ ? health_endpoint_->port() : 0; }
  // Blocks until Shutdown().
  void Wait();
  // Stops accepting calls, ends long-polling leases (answered without a
  // job), finishes the calls in flight, stops the reaper.
  void Shutdown();

 private:
  ControllerServer() = default;
  void ReapLoop(int interval_ms, absl::Duration checkpoint_grace);
  // Serving now; then following the database (DatabaseHealth).
  absl::Status StartHealth(const Options& options);

  std::unique_ptr<Database> db_;
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<ControllerMetrics> metrics_;
  std::unique_ptr<SearchStore> search_store_;
  std::unique_ptr<JobQueue> job_queue_;
  std::unique_ptr<JobNotifications> job_notifications_;  // Null: long polls off.
  std::unique_ptr<CheckpointStore> checkpoints_;
  std::unique_ptr<JobLogStore> job_logs_;
  std::unique_ptr<WorkerStore> workers_;
  std::unique_ptr<SearchServiceImpl> search_service_;
  std::unique_ptr<WorkerServiceImpl> worker_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<JsonGateway> gateway_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<DatabaseProbe> probe_;
  std::unique_ptr<DatabaseHealth> health_;
  std::unique_ptr<HealthEndpoint> health_endpoint_;
  int port_ = 0;
  absl::Notification stop_;
  std::thread reaper_;
  std::atomic<bool> shut_down_{false};
};

}  // namespace nas

#endif  // NAS_CONTROLLER_SERVER_H_
