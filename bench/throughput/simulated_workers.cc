#include "bench/throughput/simulated_workers.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/status/grpc_status.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "proto/search_service.grpc.pb.h"
#include "proto/worker_service.grpc.pb.h"
#include "worker/table_lookup/table_lookup_runner.h"

namespace nas {
namespace {

using Clock = std::chrono::steady_clock;

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

LatencySummary Summarize(std::vector<double> ms) {
  LatencySummary s;
  s.calls = static_cast<int64_t>(ms.size());
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  // Nearest rank.
  auto at = [&ms](double q) {
    const size_t rank = static_cast<size_t>(std::ceil(q * ms.size()));
    return ms[std::min(ms.size(), std::max<size_t>(rank, 1)) - 1];
  };
  s.p50_ms = at(0.50);
  s.p99_ms = at(0.99);
  return s;
}

// Each simulated worker is its own client: its own TCP connection, as
// separate worker processes would have.
std::shared_ptr<grpc::Channel> OwnChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

template <typename Rpc>
grpc::Status CallWithDeadline(Rpc rpc) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  return rpc(&context);
}

// What one worker thread measured.
struct WorkerTally {
  std::vector<double> lease_ms, empty_lease_ms, report_ms;
  Clock::time_point last_report{};
  int failures = 0, duplicates = 0;
  absl::Status error;
};

class Run {
 public:
  Run(const SimulatedWorkersOptions& options, TableLookupRunner& runner)
      : options_(options), runner_(runner), tallies_(options.workers) {}

  void Worker(int index, absl::Notification& connected) {
    WorkerTally& tally = tallies_[index];
    auto channel = OwnChannel(options_.controller);
    auto stub = v1::WorkerService::NewStub(channel);
    v1::LeaseJobRequest lease_request;
    v1::WorkerInfo& info = *lease_request.mutable_worker();
    info.set_worker_id(absl::StrCat(options_.worker_id_prefix, "-", index));
    info.set_hostname("load-generator");
    info.set_device("cpu");
    info.add_job_kinds(v1::TABLE_LOOKUP);
    channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (++connected_ == options_.workers) connected.Notify();
    start_.WaitForNotification();
    while (!done_.load()) {
      v1::LeaseJobResponse lease;
      const auto t0 = Clock::now();
      grpc::Status status = CallWithDeadline(
          [&](grpc::ClientContext* c) { return stub->LeaseJob(c, lease_request, &lease); });
      const auto t1 = Clock::now();
      if (!status.ok()) {
        tally.error = FromGrpcStatus(status);
        ++errored_;
        break;
      }
      if (!lease.has_job()) {
        tally.empty_lease_ms.push_back(Millis(t1 - t0));
        std::this_thread::sleep_for(std::chrono::milliseconds(
            std::min(options_.max_idle_ms, std::max(1, lease.retry_after_ms()))));
        continue;
      }
      tally.lease_ms.push_back(Millis(t1 - t0));
      const v1::Job& job = lease.job();
      v1::ReportResultRequest report;
      report.set_worker_id(info.worker_id());
      report.set_job_id(job.job_id());
      report.set_attempt(job.attempt());
      auto result = runner_.Run(job, [](double) { return true; });
      if (result.ok()) {
        *report.mutable_result() = *std::move(result);
      } else {
        ++tally.failures;
        report.mutable_failure()->set_reason(result.status().ToString());
      }
      v1::ReportResultResponse reported;
      const auto t2 = Clock::now();
      status = CallWithDeadline(
          [&](grpc::ClientContext* c) { return stub->ReportResult(c, report, &reported); });
      const auto t3 = Clock::now();
      if (!status.ok()) {
        tally.error = FromGrpcStatus(status);
        ++errored_;
        break;
      }
      tally.report_ms.push_back(Millis(t3 - t2));
      tally.last_report = t3;
      if (reported.duplicate()) ++tally.duplicates;
    }
  }

  absl::Notification start_;
  std::atomic<bool> done_{false};
  std::atomic<int> connected_{0};
  std::atomic<int> errored_{0};  // Workers stopped by an RPC error.
  const SimulatedWorkersOptions& options_;
  TableLookupRunner& runner_;
  std::vector<WorkerTally> tallies_;
};

absl::StatusOr<v1::Search> GetSearch(v1::SearchService::Stub& stub, int64_t id) {
  v1::GetSearchRequest request;
  request.set_search_id(id);
  v1::Search search;
  grpc::Status status = CallWithDeadline(
      [&](grpc::ClientContext* c) { return stub.GetSearch(c, request, &search); });
  if (!status.ok()) return FromGrpcStatus(status);
  return search;
}

// Loads the table before the clock starts (a real worker has it cached after
// its first job): a lookup of a cell that is not there still loads it.
absl::Status WarmTable(TableLookupRunner& runner, const v1::SearchSpec& spec) {
  v1::Job job;
  job.set_kind(v1::TABLE_LOOKUP);
  *job.mutable_table_lookup() = spec.table_lookup();
  job.mutable_architecture()->set_text("(not a cell)");
  auto result = runner.Run(job, [](double) { return true; });
  if (result.ok() || absl::IsNotFound(result.status())) return absl::OkStatus();
  return result.status();
}

}  // namespace

absl::StatusOr<SimulatedWorkersResult> RunSimulatedWorkers(
    const SimulatedWorkersOptions& options) {
  if (options.workers < 1) return absl::InvalidArgumentError("workers: must be >= 1");
  if (!options.spec.has_table_lookup()) {
    return absl::InvalidArgumentError("spec.table_lookup: must be set (table-lookup search)");
  }
  TableLookupRunner runner;
  if (absl::Status warm = WarmTable(runner, options.spec); !warm.ok()) return warm;

  auto search_stub = v1::SearchService::NewStub(OwnChannel(options.controller));
  Run run(options, runner);
  absl::Notification connected;
  std::vector<std::thread> threads;
  for (int i = 0; i < options.workers; ++i) {
    threads.emplace_back([&run, &connected, i] { run.Worker(i, connected); });
  }
  connected.WaitForNotification();

  v1::CreateSearchRequest create;
  *create.mutable_spec() = options.spec;
  v1::Search search;
  grpc::Status created = CallWithDeadline(
      [&](grpc::ClientContext* c) { return search_stub->CreateSearch(c, create, &search); });
  absl::Status status = FromGrpcStatus(created);
  const auto start = Clock::now();
  run.start_.Notify();
  const absl::Time deadline = absl::Now() + options.timeout;
  while (status.ok()) {
    absl::SleepFor(absl::Milliseconds(20));
    auto current = GetSearch(*search_stub, search.id());
    if (!current.ok()) {
      status = current.status();
      break;
    }
    search = *std::move(current);
    if (search.state() != v1::SEARCH_RUNNING) break;
    if (absl::Now() > deadline) {
      status = absl::DeadlineExceededError(
          absl::StrCat("search ", search.id(), " still running after ", absl::FormatDuration(options.timeout)));
    }
    if (run.errored_.load() > 0) break;  // Reported below, after the join.
  }
  run.done_ = true;
  for (auto& t : threads) t.join();
  if (!status.ok()) return status;

  SimulatedWorkersResult result;
  std::vector<double> lease, empty, report;
  Clock::time_point last = start;
  int failures = 0, duplicates = 0;
  for (const WorkerTally& t : run.tallies_) {
    if (!t.error.ok()) return t.error;
    lease.insert(lease.end(), t.lease_ms.begin(), t.lease_ms.end());
    empty.insert(empty.end(), t.empty_lease_ms.begin(), t.empty_lease_ms.end());
    report.insert(report.end(), t.report_ms.begin(), t.report_ms.end());
    last = std::max(last, t.last_report);
    failures += t.failures;
    duplicates += t.duplicates;
  }
  if (search.state() != v1::SEARCH_SUCCEEDED || failures > 0 || duplicates > 0 ||
      search.evaluations_done() != options.spec.budget() ||
      static_cast<int>(report.size()) != options.spec.budget()) {
    return absl::InternalError(absl::StrCat(
        "search ", search.id(), " ended ", v1::SearchState_Name(search.state()), " with ",
        search.evaluations_done(), " evaluations of ", options.spec.budget(), "; ",
        report.size(), " reports, ", failures, " failed lookups, ", duplicates, " duplicates"));
  }
  result.search_id = search.id();
  result.evaluations = search.evaluations_done();
  result.wall_seconds = std::chrono::duration<double>(last - start).count();
  result.evaluations_per_second = result.evaluations / std::max(1e-9, result.wall_seconds);
  result.lease = Summarize(std::move(lease));
  result.empty_lease = Summarize(std::move(empty));
  result.report = Summarize(std::move(report));
  return result;
}

}  // namespace nas
