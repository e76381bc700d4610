// nas_worker: pulls jobs from a controller, runs them, reports results.
// One process per GPU (or per CPU box).
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "worker/data/dataset_cache.h"
#include "worker/metrics/worker_metrics.h"
#include "worker/nash/train_morphed_runner.h"
#include "worker/runtime/controller_client.h"
#include "worker/runtime/worker_loop.h"
#include "worker/supernet_search/supernet_search_runner.h"
#include "worker/table_lookup/table_lookup_runner.h"
#include "worker/tfnas_search/measure_latency_runner.h"
#include "worker/tfnas_search/tfnas_search_runner.h"
#include "worker/train_candidate/train_candidate_runner.h"
#include "worker/training/allocator_tuning.h"
#include "worker/training/device.h"

ABSL_FLAG(std::string, controller, "127.0.0.1:50051",
          "controller host:port, or ip:port,ip:port,... (IP addresses only) to fail over between "
          "controllers; behind one name (a Kubernetes Service) failover is the Service's");
ABSL_FLAG(std::string, worker_id, "", "unique id of this worker; default HOSTNAME-PID");
ABSL_FLAG(std::string, device, "auto",
          "auto (CUDA when the linked LibTorch has it), cpu, cuda or cuda:N");
ABSL_FLAG(int, threads, 0, "CPU threads for LibTorch; 0 = all cores (LibTorch would use 1)");
ABSL_FLAG(std::string, job_kinds,
          "train_candidate,train_morphed,table_lookup,supernet_search,tfnas_search,"
          "measure_latency",
          "comma-separated job kinds this worker accepts");
ABSL_FLAG(int, max_jobs, 0, "exit after this many jobs; 0 = run until stopped");
ABSL_FLAG(std::string, tls_ca_file, "", "PEM CA of the controller's certificate; enables TLS");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate for mutual TLS");
ABSL_FLAG(std::string, tls_key_file, "", "PEM key of --tls_cert_file");
ABSL_FLAG(std::string, token_file, "", "file holding this worker's bearer token (needs TLS)");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port to serve Prometheus metrics on (/metrics); empty = off");

namespace {

nas::WorkerLoop* g_loop = nullptr;

extern "C" void HandleStop(int) {
  if (g_loop != nullptr) g_loop->Stop();  // Only stores an atomic flag.
}

std::string Hostname() {
  char name[256] = {0};
  gethostname(name, sizeof(name) - 1);
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto device = nas::ResolveDevice(absl::GetFlag(FLAGS_device));
  if (!device.ok()) {
    std::cerr << "--device: " << device.status().message() << std::endl;
    return 2;
  }
  int threads = absl::GetFlag(FLAGS_threads);
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  torch::set_num_threads(threads);
  nas::KeepFreedMemoryForReuse();  // Each training step reuses the last one's buffers.

  nas::ControllerClient::Options client_options;
  client_options.channel.target = absl::GetFlag(FLAGS_controller);
  client_options.channel.tls_ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  client_options.channel.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  client_options.channel.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  client_options.channel.token_file = absl::GetFlag(FLAGS_token_file);
  auto client = nas::ControllerClient::Create(client_options);
  if (!client.ok()) {
    std::cerr << "--" << client.status().message() << std::endl;
    return 2;
  }
  nas::DatasetCache datasets;
  std::map<nas::v1::JobKind, std::unique_ptr<nas::JobRunner>> runners;
  for (absl::string_view kind :
       absl::StrSplit(absl::GetFlag(FLAGS_job_kinds), ',', absl::SkipWhitespace())) {
    if (kind == "train_candidate") {
      runners[nas::v1::TRAIN_CANDIDATE] =
          std::make_unique<nas::TrainCandidateRunner>(*device, &datasets, client->get());
    } else if (kind == "train_morphed") {
      runners[nas::v1::TRAIN_MORPHED] =
          std::make_unique<nas::TrainMorphedRunner>(*device, &datasets, client->get());
    } else if (kind == "table_lookup") {
      runners[nas::v1::TABLE_LOOKUP] = std::make_unique<nas::TableLookupRunner>();
    } else if (kind == "supernet_search") {
      runners[nas::v1::SUPERNET_SEARCH] =
          std::make_unique<nas::SupernetSearchRunner>(*device, &datasets, client->get());
    } else if (kind == "tfnas_search") {
      runners[nas::v1::TFNAS_SEARCH] =
          std::make_unique<nas::TfNasSearchRunner>(*device, &datasets, client->get());
    } else if (kind == "measure_latency") {
      runners[nas::v1::MEASURE_LATENCY] = std::make_unique<nas::MeasureLatencyRunner>(*device);
    } else {
      std::cerr << "--job_kinds: unknown job kind '" << kind
                << "'; known: train_candidate, train_morphed, table_lookup, supernet_search, "
                   "tfnas_search, measure_latency"
                << std::endl;
      return 2;
    }
  }
  if (runners.empty()) {
    std::cerr << "--job_kinds: must name at least one job kind" << std::endl;
    return 2;
  }

  nas::WorkerLoop::Options options;
  options.info.set_worker_id(absl::GetFlag(FLAGS_worker_id).empty()
                                 ? absl::StrCat(Hostname(), "-", getpid())
                                 : absl::GetFlag(FLAGS_worker_id));
  options.info.set_hostname(Hostname());
  options.info.set_device(device->str());
  options.info.set_device_model(nas::DescribeDeviceModel(*device, threads));
  options.max_jobs = absl::GetFlag(FLAGS_max_jobs);
  std::unique_ptr<nas::WorkerMetrics> metrics;
  if (const std::string listen = absl::GetFlag(FLAGS_metrics_listen); !listen.empty()) {
    auto created = nas::WorkerMetrics::Create(listen);
    if (!created.ok()) {
      std::cerr << created.status().message() << std::endl;
      return 2;
    }
    metrics = *std::move(created);
    options.metrics = metrics.get();
  }

  nas::WorkerLoop loop(options, client->get(), std::move(runners));
  g_loop = &loop;
  std::signal(SIGINT, HandleStop);
  std::signal(SIGTERM, HandleStop);
  std::cerr << "worker " << options.info.worker_id() << " on " << device->str() << " with "
            << threads << " thread(s), controller " << absl::GetFlag(FLAGS_controller) << std::endl;
  const absl::Status status = loop.Run();
  if (!status.ok()) {
    std::cerr << "worker stopped: " << status << std::endl;
    return 1;
  }
  return 0;
}
