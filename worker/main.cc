// nas_worker: pulls jobs from a controller, runs them, reports results.
// One process per GPU (or per CPU box).
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "worker/data/dataset_cache.h"
#include "worker/metrics/worker_metrics.h"
#include "worker/runtime/controller_client.h"
#include "worker/runtime/job_runner_registry.h"
#include "worker/runtime/worker_loop.h"
#include "worker/training/allocator_tuning.h"
#include "worker/training/device.h"

ABSL_FLAG(std::string, controller, "127.0.0.1:50051",
          "controller host:port, or ip:port,ip:port,... (IP addresses only) to fail over between "
          "controllers; behind one name (a Kubernetes Service) failover is the Service's");
ABSL_FLAG(std::string, worker_id, "", "unique id of this worker; default HOSTNAME-PID");
ABSL_FLAG(std::string, device, "auto",
          "auto (CUDA when the linked LibTorch has it), cpu, cuda or cuda:N");
ABSL_FLAG(int, threads, 0, "CPU threads for LibTorch; 0 = all cores (LibTorch would use 1)");
ABSL_FLAG(std::string, job_kinds, "all",
          "comma-separated job kinds this worker accepts, or all: every kind this binary "
          "registers (listed by --help and --list_job_kinds)");
ABSL_FLAG(bool, list_job_kinds, false, "print the job kinds this binary can run, and exit");
ABSL_FLAG(int, max_jobs, 0, "exit after this many jobs; 0 = run until stopped");
ABSL_FLAG(std::string, tls_ca_file, "", "PEM CA of the controller's certificate; enables TLS");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate for mutual TLS");
ABSL_FLAG(std::string, tls_key_file, "", "PEM key of --tls_cert_file");
ABSL_FLAG(std::string, token_file, "", "file holding this worker's bearer token (needs TLS)");
ABSL_FLAG(int, dataset_memory_mb, 4096,
          "image folders whose decoded images need more memory than this stream from their "
          "files during training (decoded by --loader_threads into a bounded queue); smaller "
          "ones are held in memory; 0 = always in memory");
ABSL_FLAG(int, loader_threads, 0, "threads decoding streamed image folders; 0 = min(4, cores)");
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
  const nas::JobRunnerRegistry& registry = nas::JobRunnerRegistry::Global();
  absl::SetProgramUsageMessage(
      absl::StrCat("leases jobs from a controller, runs them and reports their results.\n\n"
                   "usage: nas_worker --controller=HOST:PORT [--job_kinds=KIND,...] [flags]\n\n"
                   "Job kinds (--job_kinds):\n",
                   registry.Describe()));
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_list_job_kinds)) {
    std::cout << registry.Describe();
    return 0;
  }
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
  nas::DatasetCache::Options dataset_options;
  dataset_options.read.max_in_memory_bytes =
      static_cast<int64_t>(std::max(0, absl::GetFlag(FLAGS_dataset_memory_mb))) << 20;
  dataset_options.prefetch.threads =
      absl::GetFlag(FLAGS_loader_threads) > 0
          ? absl::GetFlag(FLAGS_loader_threads)
          : static_cast<int>(std::min(4u, std::max(1u, std::thread::hardware_concurrency())));
  // Page-locked batches copy to the GPU without blocking the step.
  dataset_options.prefetch.pin_memory = device->is_cuda();
  nas::DatasetCache datasets(dataset_options);
  nas::JobRunnerContext context;
  context.device = device->str();
  context.datasets = &datasets;
  context.client = client->get();
  auto runners = registry.Make(absl::GetFlag(FLAGS_job_kinds), context);
  if (!runners.ok()) {
    std::cerr << "--job_kinds: " << runners.status().message() << std::endl;
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

  nas::WorkerLoop loop(options, client->get(), *std::move(runners));
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
