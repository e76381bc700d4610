#include "tests/testing/local_cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/status/grpc_status.h"
#include "grpcpp/create_channel.h"
#include "tests/testing/tcp_peers.h"

namespace nas::testing {

namespace {

// A controller that migrates a fresh database on a loaded machine takes
// seconds; one that serves nothing after this long will not.
constexpr absl::Duration kControllerStartTimeout = absl::Seconds(60);

// Binds `port` on loopback (0: any) and closes it again; the port bound, or
// 0 if it was taken.
int TryBind(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  socklen_t len = sizeof(addr);
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                     getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  return bound ? ntohs(addr.sin_port) : 0;
}

}  // namespace

LocalCluster::LocalCluster(std::string name)
    : LocalCluster(std::move(name), RequiredEnv("NAS_TEST_PG_DSN")) {}

LocalCluster::LocalCluster(std::string name, std::string admin_dsn)
    : name_(std::move(name)),
      dir_(absl::StrCat(RequiredEnv("TEST_TMPDIR"), "/", name_)),
      db_(std::move(admin_dsn)) {
  std::system(absl::StrCat("mkdir -p '", dir_, "'").c_str());
}

LocalCluster::~LocalCluster() {
  for (auto& w : workers_) w->Stop(2000);
  for (auto& c : controllers_) c->Stop(2000);
}

int FreePort() {
  int ephemeral_low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
  const int low = std::max(1024, ephemeral_low - 12000);
  if (ephemeral_low - low >= 1000) {
    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<int> pick(low, ephemeral_low - 1);
    for (int tries = 0; tries < 100; ++tries) {
      if (const int port = TryBind(pick(rng)); port != 0) return port;
    }
  }
  return TryBind(0);  // No room below the ephemeral range: the old way.
}

absl::Status LocalCluster::LaunchController(int index, int port) {
  const std::string port_file = absl::StrCat(dir_, "/controller", index, ".port");
  std::remove(port_file.c_str());
  std::vector<std::string> argv = {RunfilePath("controller/nas_controller"),
                                   "--database=" + db_.dsn(),
                                   absl::StrCat("--listen=127.0.0.1:", port),
                                   "--port_file=" + port_file, "--reclaim_interval_ms=500"};
  argv.insert(argv.end(), controller_flags_[index].begin(), controller_flags_[index].end());
  auto launched =
      std::make_unique<ChildProcess>(argv, absl::StrCat(dir_, "/controller", index, ".log"));
  if (index < static_cast<int>(controllers_.size())) {
    controllers_[index] = std::move(launched);
  } else {
    controllers_.push_back(std::move(launched));
  }
  ChildProcess& process = *controllers_[index];
  const absl::Time deadline = absl::Now() + kControllerStartTimeout;
  // The controller writes the file (atomically) once it serves: readiness.
  while (true) {
    if (const std::string line = WaitForFile(port_file, 100); !line.empty()) {
      int bound = 0;
      if (!absl::SimpleAtoi(line, &bound) || bound <= 0 || (port != 0 && bound != port)) {
        return absl::InternalError(absl::StrCat("controller ", index, " wrote port '", line,
                                                "' to ", port_file, ", asked for ", port));
      }
      ports_[index] = bound;
      return absl::OkStatus();
    }
    if (!process.running()) {
      return absl::UnavailableError(absl::StrCat("controller ", index, " ", process.DescribeExit(),
                                                 " before serving; its log:\n", process.LogTail()));
    }
    if (absl::Now() > deadline) {
      process.Kill();
      return absl::DeadlineExceededError(absl::StrCat("controller ", index,
                                                      " did not serve within ",
                                                      absl::FormatDuration(kControllerStartTimeout),
                                                      " (killed); its log:\n", process.LogTail()));
    }
  }
}

absl::Status LocalCluster::StartController(std::vector<std::string> extra_flags) {
  const int index = static_cast<int>(ports_.size());
  ports_.push_back(0);
  controller_flags_.push_back(std::move(extra_flags));
  return LaunchController(index, 0);
}

absl::Status LocalCluster::RestartController(int i) {
  controllers_.at(i)->Kill();
  return LaunchController(i, ports_[i]);
}

int LocalCluster::StartWorker(const std::string& worker_id, int controller_index,
                              std::vector<std::string> extra_flags) {
  return StartWorkerAt(worker_id, controller_address(controller_index), std::move(extra_flags));
}

int LocalCluster::StartWorkerAt(const std::string& worker_id, const std::string& controllers,
                                std::vector<std::string> extra_flags) {
  std::vector<std::string> argv = {RunfilePath("worker/nas_worker"), "--controller=" + controllers,
                                   "--worker_id=" + worker_id, "--threads=1", "--device=cpu"};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  worker_argv_.push_back(argv);
  worker_logs_.push_back(absl::StrCat(dir_, "/", worker_id, ".log"));
  workers_.push_back(std::make_unique<ChildProcess>(argv, worker_logs_.back()));
  return static_cast<int>(workers_.size()) - 1;
}

int LocalCluster::StartWorkerOnAllControllers(const std::string& worker_id,
                                              std::vector<std::string> extra_flags) {
  std::vector<std::string> addresses;
  for (size_t i = 0; i < ports_.size(); ++i) addresses.push_back(controller_address(i));
  return StartWorkerAt(worker_id, absl::StrJoin(addresses, ","), std::move(extra_flags));
}

void LocalCluster::RestartWorker(int i) {
  workers_[i]->Kill();
  workers_[i] = std::make_unique<ChildProcess>(worker_argv_[i], worker_logs_[i]);
}

void LocalCluster::RestartWorker(int i, const std::string& new_worker_id) {
  workers_[i]->Kill();
  for (std::string& arg : worker_argv_[i]) {
    if (arg.rfind("--worker_id=", 0) == 0) arg = "--worker_id=" + new_worker_id;
  }
  worker_logs_[i] = absl::StrCat(dir_, "/", new_worker_id, ".log");
  workers_[i] = std::make_unique<ChildProcess>(worker_argv_[i], worker_logs_[i]);
}

int LocalCluster::ControllerUsedBy(int worker_index) {
  const std::vector<int> peers = ConnectedRemotePorts(workers_.at(worker_index)->pid());
  for (size_t c = 0; c < ports_.size(); ++c) {
    if (std::find(peers.begin(), peers.end(), ports_[c]) != peers.end()) {
      return static_cast<int>(c);
    }
  }
  return -1;
}

std::string LocalCluster::controller_address(int i) const {
  return absl::StrCat("127.0.0.1:", ports_.at(i));
}

absl::StatusOr<std::string> LocalCluster::DownloadCheckpoint(const std::string& digest,
                                                             int i) const {
  grpc::ClientContext context;
  v1::DownloadCheckpointRequest request;
  request.set_digest(digest);
  auto reader = SearchStub(i)->DownloadCheckpoint(&context, request);
  std::string bytes;
  v1::CheckpointChunk chunk;
  while (reader->Read(&chunk)) bytes += chunk.data();
  const grpc::Status status = reader->Finish();
  if (!status.ok()) {
    return absl::UnknownError(
        absl::StrCat("DownloadCheckpoint ", digest, ": ", status.error_message()));
  }
  return bytes;
}

std::unique_ptr<v1::SearchService::Stub> LocalCluster::SearchStub(int i) const {
  return v1::SearchService::NewStub(
      grpc::CreateChannel(controller_address(i), grpc::InsecureChannelCredentials()));
}

absl::StatusOr<int64_t> LocalCluster::CreateSearch(const v1::SearchSpec& spec, int i) const {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  v1::CreateSearchRequest request;
  *request.mutable_spec() = spec;
  v1::Search search;
  const absl::Status status =
      FromGrpcStatus(SearchStub(i)->CreateSearch(&context, request, &search));
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat("CreateSearch on controller ", i, ": ", status.message()));
  }
  return search.id();
}

absl::StatusOr<v1::Search> LocalCluster::WaitForSearch(int64_t search_id, absl::Duration timeout,
                                                       int controller_index) const {
  auto stub = SearchStub(controller_index);
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::GetSearchRequest request;
    request.set_search_id(search_id);
    v1::Search search;
    absl::Status status = FromGrpcStatus(stub->GetSearch(&context, request, &search));
    if (status.ok() && search.state() != v1::SEARCH_RUNNING) return search;
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("search ", search_id,
                                                      " still running: ", search.ShortDebugString(),
                                                      " last status ", status.ToString()));
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
}

std::string LocalCluster::Logs() {
  std::string out;
  for (size_t i = 0; i < controllers_.size(); ++i) {
    absl::StrAppend(&out, "=== controller ", i, "\n", controllers_[i]->Log());
  }
  for (size_t i = 0; i < workers_.size(); ++i) {
    absl::StrAppend(&out, "=== worker ", i, "\n", workers_[i]->Log());
  }
  return out;
}

}  // namespace nas::testing
