// nas_worker: pulls jobs from a controller, runs them, reports results.
// One process per GPU (or per CPU box), running --slots jobs at once.
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
#include "worker/runtime/slot_plan.h"
#include "worker/runtime/worker_health.h"
#include "worker/runtime/worker_slots.h"
#include "worker/training/allocator_tuning.h"
#include "worker/training/cpu_convolution_check.h"
#include "worker/training/device.h"
#include "worker/training/device_slots.h"
#include "worker/training/slot_stream.h"

ABSL_FLAG(std::string, controller, "127.0.0.1:50051",
          "controller host:port, or ip:port,ip:port,... (IP addresses only) to fail over between "
          "controllers; behind one name (a Kubernetes Service) failover is the Service's");
ABSL_FLAG(std::string, worker_id, "", "unique id of this worker; default HOSTNAME-PID");
ABSL_FLAG(std::string, device, "auto",
          "auto (CUDA when the linked LibTorch has it), cpu, cuda or cuda:N");
ABSL_FLAG(int, threads, 0,
          "CPU threads for LibTorch, split evenly between the slots (each gets threads / slots, "
          "at least 1); 0 = all cores (LibTorch would use 1)");
ABSL_FLAG(std::string, slots, "1",
          "jobs run at once, each in a slot with its own lease, heartbeat, seed and (on CUDA) "
          "stream; a job failing in one slot leaves the others running. 1..64, or auto: 1 on the "
          "CPU; on CUDA as many as --slot_memory_mb fits in 80% of the device's free memory, "
          "at most 16, or without --slot_memory_mb 1 until the first job has trained, then as "
          "many as the memory the worker holds after it fits");
ABSL_FLAG(int, slot_memory_mb, 0,
          "with --slots=auto on CUDA: the device memory one job takes, in MiB, as nvidia-smi "
          "shows it for a worker running one job of the search; 0 = the worker measures its "
          "own after its first job");
ABSL_FLAG(int, slots_after_first_job_for_testing, 0,
          "tests only: with --slots=auto, start 1 slot and open this many in all once the first "
          "job has trained, in place of measuring the device (a CPU has nothing to measure); "
          "0 = off");
ABSL_FLAG(std::string, job_kinds, "all",
          "comma-separated job kinds this worker accepts, or all: every kind this binary "
          "registers (listed by --help and --list_job_kinds)");
ABSL_FLAG(bool, list_job_kinds, false, "print the job kinds this binary can run, and exit");
ABSL_FLAG(int, lease_wait_ms, 20000,
          "when no job is queued, how long a lease request waits on the controller for one "
          "(long poll: the worker is handed a job as soon as one is queued, and an idle worker "
          "asks about once per wait); the controller caps it (--max_lease_wait_ms there); 0 = "
          "ask, then sleep as the controller says");
ABSL_FLAG(int, max_jobs, 0,
          "exit after this many jobs (all slots together); 0 = run until stopped");
ABSL_FLAG(std::string, tls_ca_file, "", "PEM CA of the controller's certificate; enables TLS");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate for mutual TLS");
ABSL_FLAG(std::string, tls_key_file, "", "PEM key of --tls_cert_file");
ABSL_FLAG(std::string, token_file, "", "file holding this worker's bearer token (needs TLS)");
ABSL_FLAG(std::string, tls_server_name, "",
          "name the controller's TLS certificate carries, when --controller does not use it "
          "(an IP address, another Service name); needs --tls_ca_file");
ABSL_FLAG(int, dataset_memory_mb, 4096,
          "image folders whose decoded images need more memory than this stream from their "
          "files during training (decoded by --loader_threads into a bounded queue); smaller "
          "ones are held in memory; 0 = always in memory");
ABSL_FLAG(int, loader_threads, 0, "threads decoding streamed image folders; 0 = min(4, cores)");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port to serve Prometheus metrics on (/metrics); empty = off");
ABSL_FLAG(std::string, health_listen, "",
          "host:port to serve HTTP /healthz and /readyz on (Kubernetes probes): /healthz is 200 "
          "while the worker loop runs and a controller answered within --health_window_seconds, "
          "/readyz also needs an answer since start and no SIGTERM; 503 otherwise; empty = off");
ABSL_FLAG(int, health_window_seconds, 300,
          "longest silence from the controller that /healthz accepts; keep it above the "
          "searches' lease_seconds / 3 (the heartbeat interval)");

namespace {

nas::WorkerSlots* g_slots = nullptr;
nas::WorkerHealth* g_health = nullptr;

// SIGTERM (a pod evicted or scaled down) or SIGINT: lease nothing more, stop
// the running jobs and hand them back, then exit 0.
extern "C" void HandleStop(int) {
  if (g_health != nullptr) g_health->SetStopping();
  if (g_slots != nullptr) g_slots->Stop();  // Only stores atomic flags.
}

// --slots=auto once the first slot's first job has trained: the slots wanted
// in all, as the device memory the job took fits them (or as the test flag
// says); `free_bytes_before` is the device's free memory before any job.
// LibTorch's threads are split again between the slots. Logs the
// arithmetic; keeps 1 slot when the memory cannot be measured.
int SlotsAfterFirstJob(const torch::Device& device, int64_t free_bytes_before, int threads,
                       const std::string& worker_id) {
  nas::SlotDecision decided;
  if (const int wanted = absl::GetFlag(FLAGS_slots_after_first_job_for_testing); wanted > 0) {
    decided = {wanted, false, absl::StrCat("--slots_after_first_job_for_testing=", wanted)};
  } else if (auto measured = nas::DecideSlotsAfterProbe(device, free_bytes_before); measured.ok()) {
    decided = *std::move(measured);
  } else {
    decided = {1, false, absl::StrCat("--slots=auto keeps 1 slot: ", measured.status().message())};
  }
  // As at start: each new slot's thread takes the count up when it first
  // runs LibTorch's parallel code; the first slot's thread takes it here.
  const int threads_per_slot = nas::ThreadsPerSlot(threads, decided.slots);
  torch::set_num_threads(threads_per_slot);
  std::cerr << worker_id << ": " << decided.why << "; " << decided.slots << " slot(s) with "
            << threads_per_slot << " thread(s) each" << std::endl;
  return decided.slots;
}

std::string Hostname() {
  char name[256] = {0};
  gethostname(name, sizeof(name) - 1);
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  const nas::JobRunnerRegistry& registry = nas::JobRunnerRegistry::Global();
  absl::SetProgramUsageMessage(absl::StrCat(
      "leases jobs from a controller, runs them and reports their results.\n\n"
      "usage: nas_worker --controller=HOST:PORT [--job_kinds=KIND,...] [--slots=K|auto] "
      "[flags]\n\n"
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
  auto slots_flag = nas::ParseSlotsFlag(absl::GetFlag(FLAGS_slots));
  if (!slots_flag.ok()) {
    std::cerr << "--" << slots_flag.status().message() << std::endl;
    return 2;
  }
  auto slots = nas::DecideSlots(*slots_flag, *device, absl::GetFlag(FLAGS_slot_memory_mb));
  if (!slots.ok()) {
    std::cerr << slots.status().message() << std::endl;
    return 2;
  }
  if (const int wanted = absl::GetFlag(FLAGS_slots_after_first_job_for_testing); wanted != 0) {
    if (!slots_flag->automatic || wanted < 1 || wanted > nas::kMaxSlots) {
      std::cerr << "--slots_after_first_job_for_testing: " << wanted << " must be in 1.."
                << nas::kMaxSlots << ", with --slots=auto" << std::endl;
      return 2;
    }
    slots->probe = true;
    slots->why = absl::StrCat("1 until the first job has trained, then ", wanted,
                              " (--slots_after_first_job_for_testing)");
  }
  int threads = absl::GetFlag(FLAGS_threads);
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  // Process-wide: each slot's thread takes it up when it first runs
  // LibTorch's parallel code.
  const int threads_per_slot = nas::ThreadsPerSlot(threads, slots->slots);
  torch::set_num_threads(threads_per_slot);
  nas::KeepFreedMemoryForReuse();  // Each training step reuses the last one's buffers.
  if (!device->is_cuda()) {
    // Before any training: a LibTorch whose oneDNN computes wrong convolutions
    // here would make every reported fitness wrong.
    std::cerr << nas::DescribeCpuConvolutionCheck(nas::CheckCpuConvolutions()) << std::endl;
  }

  nas::ControllerClient::Options client_options;
  client_options.channel.target = absl::GetFlag(FLAGS_controller);
  client_options.channel.tls_ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  client_options.channel.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  client_options.channel.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  client_options.channel.token_file = absl::GetFlag(FLAGS_token_file);
  client_options.channel.tls_server_name = absl::GetFlag(FLAGS_tls_server_name);
  if (absl::GetFlag(FLAGS_lease_wait_ms) < 0) {
    std::cerr << "--lease_wait_ms: must be >= 0 (got " << absl::GetFlag(FLAGS_lease_wait_ms) << ")"
              << std::endl;
    return 2;
  }
  client_options.lease_wait = absl::Milliseconds(absl::GetFlag(FLAGS_lease_wait_ms));
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
  nas::DatasetCache datasets(dataset_options);  // Shared by every slot's runners (thread-safe).
  nas::JobRunnerContext context;
  context.device = device->str();
  context.datasets = &datasets;
  context.client = client->get();

  nas::WorkerSlots::Options options;
  options.info.set_worker_id(absl::GetFlag(FLAGS_worker_id).empty()
                                 ? absl::StrCat(Hostname(), "-", getpid())
                                 : absl::GetFlag(FLAGS_worker_id));
  options.info.set_hostname(Hostname());
  options.info.set_device(device->str());
  options.info.set_device_model(nas::DescribeDeviceModel(*device, threads_per_slot));
  options.slots = slots->slots;
  options.max_jobs = absl::GetFlag(FLAGS_max_jobs);
  options.make_runners = [&]() -> absl::StatusOr<nas::JobRunners> {
    auto runners = registry.Make(absl::GetFlag(FLAGS_job_kinds), context);
    if (!runners.ok()) {
      return absl::Status(runners.status().code(),
                          absl::StrCat("--job_kinds: ", runners.status().message()));
    }
    return runners;
  };
  const std::string worker_id = options.info.worker_id();
  if (slots->probe) {
    options.after_first_job = [&] {
      return SlotsAfterFirstJob(*device, slots->free_bytes_before, threads, worker_id);
    };
  }
  options.enter_slot = [&](int slot, const std::function<void()>& run) {
    const nas::SlotStream stream(*device);
    if (device->is_cuda()) {
      std::cerr << worker_id << " slot " << slot << " on " << stream.Describe() << std::endl;
    }
    run();
  };
  std::unique_ptr<nas::WorkerMetrics> metrics;
  if (const std::string listen = absl::GetFlag(FLAGS_metrics_listen); !listen.empty()) {
    auto created = nas::WorkerMetrics::Create(listen);
    if (!created.ok()) {
      std::cerr << created.status().message() << std::endl;
      return 2;
    }
    metrics = *std::move(created);
    metrics->SetSlots(slots->slots);
    options.metrics = metrics.get();
  }

  std::unique_ptr<nas::WorkerHealth> health;
  if (const std::string listen = absl::GetFlag(FLAGS_health_listen); !listen.empty()) {
    nas::WorkerHealth::Options health_options;
    health_options.listen_address = listen;
    health_options.window = absl::Seconds(absl::GetFlag(FLAGS_health_window_seconds));
    health_options.last_reached = [c = client->get()] { return c->last_reached(); };
    auto started = nas::WorkerHealth::Start(health_options);
    if (!started.ok()) {
      std::cerr << started.status().message() << std::endl;
      return 2;
    }
    health = *std::move(started);
  }

  auto worker = nas::WorkerSlots::Create(options, client->get());
  if (!worker.ok()) {
    std::cerr << worker.status().message() << std::endl;
    return 2;
  }
  g_slots = worker->get();
  g_health = health.get();
  std::signal(SIGINT, HandleStop);
  std::signal(SIGTERM, HandleStop);
  std::cerr << "worker " << worker_id << " on " << device->str() << ", " << slots->slots
            << " slot(s) with " << threads_per_slot << " thread(s) each (" << slots->why
            << "), controller " << absl::GetFlag(FLAGS_controller) << std::endl;
  if (health) health->SetRunning(true);
  const absl::Status status = (*worker)->Run();
  if (health) health->SetRunning(false);
  if (!status.ok()) {
    std::cerr << "worker stopped: " << status << std::endl;
    return 1;
  }
  return 0;
}
