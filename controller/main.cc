// nas_controller: serves nas.v1.SearchService and nas.v1.WorkerService over
// the PostgreSQL database named by --database.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "controller/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port to serve gRPC on; port 0 picks a free port");
ABSL_FLAG(std::string, database, "",
          "libpq connection string, e.g. 'host=127.0.0.1 port=5432 dbname=nas'");
ABSL_FLAG(int, database_pool_size, 8, "PostgreSQL connections to keep");
ABSL_FLAG(int, database_statement_timeout_ms, 30000,
          "PostgreSQL cancels any statement running longer; the call fails UNAVAILABLE");
ABSL_FLAG(int, database_lock_timeout_ms, 5000,
          "PostgreSQL cancels any statement waiting longer for a lock another connection "
          "holds; the call fails UNAVAILABLE (retried by workers and clients)");
ABSL_FLAG(int, reclaim_interval_ms, 2000, "how often to look for expired leases");
ABSL_FLAG(int, max_lease_wait_ms, 25000,
          "longest a LeaseJob that finds no job waits for one (the worker's wait_ms, capped "
          "here): it is answered as soon as a job it can run is queued, through any controller "
          "(PostgreSQL LISTEN/NOTIFY); 0 = never wait; at most 27000, so that a waiting worker "
          "stays counted as active");
ABSL_FLAG(int, max_lease_waiters, 1024,
          "LeaseJob calls that may wait at once (each holds a server thread); more are "
          "answered at once without a job");
ABSL_FLAG(bool, batched_report_writes, true,
          "record the common reports of a group-committed batch in memory and write them with one "
          "statement per table (false: each report by its own statements, as a reference)");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate of this server; enables TLS");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA: require clients (workers) to present certificates it signed (mutual TLS)");
ABSL_FLAG(std::string, worker_tokens_file, "",
          "bearer tokens for workers, one per line; enables authorization");
ABSL_FLAG(std::string, client_tokens_file, "",
          "bearer tokens for researchers' clients, one per line; enables authorization");
ABSL_FLAG(int, max_message_bytes, 64 << 20, "largest request or response");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port to serve Prometheus metrics on (/metrics); empty = off");
ABSL_FLAG(std::string, http_listen, "",
          "host:port to serve the JSON API (/v1/...) and the dashboard (/) on, with the same "
          "TLS files and tokens as gRPC; port 0 picks a free port; empty = off");
ABSL_FLAG(std::string, health_listen, "",
          "host:port to serve plaintext HTTP /healthz and /readyz on: 200 while PostgreSQL "
          "answers, 503 otherwise (the status grpc.health.v1 on --listen reports, for probes "
          "that cannot speak TLS gRPC); empty = off");
ABSL_FLAG(int, health_interval_ms, 1000,
          "how often the health status probes PostgreSQL (at least 100)");
ABSL_FLAG(std::string, http_port_file, "", "like --port_file, for the port --http_listen bound");
ABSL_FLAG(std::string, port_file, "",
          "if set, the bound port and a newline are written here once serving (for "
          "launchers; with --listen=HOST:0). Written to PORT_FILE.tmp, then renamed, so a "
          "reader never sees a partial line");

namespace {

// Writes "PORT\n" to `path` through a rename, so a launcher that polls for
// the file reads the whole line or nothing.
bool WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return false;
  const bool written = std::fprintf(f, "%d\n", port) > 0;
  if (std::fclose(f) != 0 || !written) return false;
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Debian's absl is built with mutex deadlock detection on: it kept a lock
  // graph on every Lock/Unlock, 4% of the controller's CPU with 256 workers.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (absl::GetFlag(FLAGS_database).empty()) {
    std::cerr << "--database: required (a libpq connection string)" << std::endl;
    return 2;
  }
  // Zero would mean "no bound" to PostgreSQL, which is what these flags exist to prevent.
  for (const auto& [flag, value] :
       {std::pair<const char*, int>{"--database_statement_timeout_ms",
                                    absl::GetFlag(FLAGS_database_statement_timeout_ms)},
        std::pair<const char*, int>{"--database_lock_timeout_ms",
                                    absl::GetFlag(FLAGS_database_lock_timeout_ms)}}) {
    if (value <= 0) {
      std::cerr << flag << ": must be > 0 milliseconds (got " << value << ")" << std::endl;
      return 2;
    }
  }
  nas::ControllerServer::Options options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.database_dsn = absl::GetFlag(FLAGS_database);
  options.database_pool_size = absl::GetFlag(FLAGS_database_pool_size);
  options.database_statement_timeout_ms = absl::GetFlag(FLAGS_database_statement_timeout_ms);
  options.database_lock_timeout_ms = absl::GetFlag(FLAGS_database_lock_timeout_ms);
  options.reclaim_interval_ms = absl::GetFlag(FLAGS_reclaim_interval_ms);
  options.max_lease_wait_ms = absl::GetFlag(FLAGS_max_lease_wait_ms);
  options.max_lease_waiters = absl::GetFlag(FLAGS_max_lease_waiters);
  options.batched_report_writes = absl::GetFlag(FLAGS_batched_report_writes);
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  options.worker_tokens_file = absl::GetFlag(FLAGS_worker_tokens_file);
  options.client_tokens_file = absl::GetFlag(FLAGS_client_tokens_file);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.metrics_listen_address = absl::GetFlag(FLAGS_metrics_listen);
  options.http_listen_address = absl::GetFlag(FLAGS_http_listen);
  options.health_listen_address = absl::GetFlag(FLAGS_health_listen);
  if (absl::GetFlag(FLAGS_health_interval_ms) < 100) {
    std::cerr << "--health_interval_ms: must be at least 100 (got "
              << absl::GetFlag(FLAGS_health_interval_ms) << ")" << std::endl;
    return 2;
  }
  options.health_interval = absl::Milliseconds(absl::GetFlag(FLAGS_health_interval_ms));

  // Block SIGINT/SIGTERM here so a dedicated thread can wait for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto server = nas::ControllerServer::BuildAndStart(options);
  if (!server.ok()) {
    std::cerr << "controller failed to start: " << server.status() << std::endl;
    return 1;
  }
  std::cerr << "controller serving on port " << (*server)->port() << std::endl;
  if (const std::string port_file = absl::GetFlag(FLAGS_port_file);
      !port_file.empty() && !WritePortFile(port_file, (*server)->port())) {
    // A launcher waiting for the file would wait in vain: say why and stop.
    std::cerr << "--port_file: cannot write " << port_file << ": " << std::strerror(errno)
              << std::endl;
    (*server)->Shutdown();
    return 1;
  }
  if ((*server)->http_port() != 0) {
    std::cerr << "controller serving HTTP (JSON API, dashboard) on port " << (*server)->http_port()
              << std::endl;
  }
  if ((*server)->health_port() != 0) {
    std::cerr << "controller serving /healthz and /readyz on port " << (*server)->health_port()
              << std::endl;
  }
  if (const std::string port_file = absl::GetFlag(FLAGS_http_port_file);
      !port_file.empty() &&
      ((*server)->http_port() == 0 || !WritePortFile(port_file, (*server)->http_port()))) {
    std::cerr << "--http_port_file: "
              << ((*server)->http_port() == 0
                      ? "requires --http_listen"
                      : "cannot write " + port_file + ": " + std::strerror(errno))
              << std::endl;
    (*server)->Shutdown();
    return 1;
  }
  std::thread signal_waiter([&stop_signals, s = server->get()] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::cerr << "controller stopping (signal " << sig << ")" << std::endl;
    s->Shutdown();
  });
  signal_waiter.detach();
  (*server)->Wait();
  return 0;
}
