#include "tests/testing/local_cluster.h"

#include <cstdlib>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/grpc_status.h"
#include "grpcpp/create_channel.h"

namespace nas::testing {

LocalCluster::LocalCluster(std::string name)
    : name_(std::move(name)),
      dir_(absl::StrCat(RequiredEnv("TEST_TMPDIR"), "/", name_)) {
  std::system(absl::StrCat("mkdir -p '", dir_, "'").c_str());
}

LocalCluster::~LocalCluster() {
  for (auto& w : workers_) w->Stop(2000);
  for (auto& c : controllers_) c->Stop(2000);
}

int LocalCluster::StartController() {
  const int index = static_cast<int>(controllers_.size());
  const std::string port_file = absl::StrCat(dir_, "/controller", index, ".port");
  controllers_.push_back(std::make_unique<ChildProcess>(
      std::vector<std::string>{RunfilePath("controller/nas_controller"),
                               "--database=" + db_.dsn(), "--listen=127.0.0.1:0",
                               "--port_file=" + port_file, "--reclaim_interval_ms=500"},
      absl::StrCat(dir_, "/controller", index, ".log")));
  const std::string port_text = WaitForFile(port_file, 30000);
  int port = 0;
  if (!absl::SimpleAtoi(port_text, &port)) {
    std::cerr << "controller did not start:\n" << controllers_.back()->Log() << std::endl;
    std::abort();
  }
  ports_.push_back(port);
  return index;
}

void LocalCluster::StartWorker(const std::string& worker_id, int controller_index,
                               std::vector<std::string> extra_flags) {
  std::vector<std::string> argv = {RunfilePath("worker/nas_worker"),
                                   "--controller=" + controller_address(controller_index),
                                   "--worker_id=" + worker_id, "--threads=1",
                                   "--device=cpu"};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  workers_.push_back(std::make_unique<ChildProcess>(
      argv, absl::StrCat(dir_, "/", worker_id, ".log")));
}

std::string LocalCluster::controller_address(int i) const {
  return absl::StrCat("127.0.0.1:", ports_.at(i));
}

std::unique_ptr<v1::SearchService::Stub> LocalCluster::SearchStub(int i) const {
  return v1::SearchService::NewStub(
      grpc::CreateChannel(controller_address(i), grpc::InsecureChannelCredentials()));
}

absl::StatusOr<v1::Search> LocalCluster::WaitForSearch(int64_t search_id,
                                                       absl::Duration timeout,
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
      return absl::DeadlineExceededError(absl::StrCat(
          "search ", search_id, " still running: ", search.ShortDebugString(),
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
