#include "bench/throughput/simulated_workers.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status/grpc_status.h"
#include "grpcpp/alarm.h"
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

// What one worker measured.
struct WorkerTally {
  std::vector<double> lease_ms, lease_own_ms, empty_lease_ms, report_ms;
  Clock::time_point last_report{};
  int failures = 0, duplicates = 0;
  absl::Status error;
};

// What the workers of one run share.
struct RunState {
  RunState(const SimulatedWorkersOptions& o, TableLookupRunner& r) : options(o), runner(r) {}
  const SimulatedWorkersOptions& options;
  TableLookupRunner& runner;
  std::atomic<bool> done{false};
  std::atomic<int> errored{0};  // Workers stopped by an RPC error.
  absl::Mutex mu;
  int running ABSL_GUARDED_BY(mu) = 0;
};

// One worker's loop as a state machine driven by gRPC's callbacks:
// Lease -> Report -> Lease ..., an empty lease waiting on an alarm first.
// Only one of its calls is in flight at a time, so its fields need no lock.
class SimulatedWorker {
 public:
  SimulatedWorker(RunState& run, int index)
      : run_(run),
        channel_(OwnChannel(run.options.controller)),
        stub_(v1::WorkerService::NewStub(channel_)) {
    v1::WorkerInfo& info = *lease_request_.mutable_worker();
    info.set_worker_id(absl::StrCat(run.options.worker_id_prefix, "-", index));
    info.set_hostname("load-generator");
    info.set_device("cpu");
    info.add_job_kinds(v1::TABLE_LOOKUP);
    lease_request_.set_wait_ms(run.options.lease_wait_ms);
  }

  bool WaitForConnected() {
    return channel_->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(30));
  }
  void Start() { Lease(); }
  // Ends a lease still waiting on the controller (a long poll) once the run
  // is over.
  void CancelWaitingLease() {
    absl::MutexLock lock(&context_mu_);
    cancelled_ = true;
    if (lease_context_ != nullptr) lease_context_->TryCancel();
  }
  const WorkerTally& tally() const { return tally_; }

 private:
  static std::unique_ptr<grpc::ClientContext> NewContext() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return context;
  }

  void Lease() {
    grpc::ClientContext* context = nullptr;
    {
      absl::MutexLock lock(&context_mu_);
      if (!run_.done.load() && !cancelled_) {
        lease_context_ = NewContext();
        if (run_.options.lease_wait_ms > 0) {
          lease_context_->set_deadline(std::chrono::system_clock::now() +
                                       std::chrono::milliseconds(run_.options.lease_wait_ms) +
                                       std::chrono::seconds(10));
        }
        context = lease_context_.get();
      }
    }
    if (context == nullptr) return Stop();
    lease_.Clear();
    started_ = Clock::now();
    // Outside the lock: the library may run the callback (and so the next
    // Lease) in this thread.
    stub_->async()->LeaseJob(context, &lease_request_, &lease_,
                             [this](grpc::Status status) { OnLeased(status); });
  }

  void OnLeased(const grpc::Status& status) {
    const double ms = Millis(Clock::now() - started_);
    if (!status.ok() && run_.done.load()) return Stop();  // Cancelled at the end.
    if (!status.ok()) return Fail(status);
    if (!lease_.has_job()) {
      tally_.empty_lease_ms.push_back(ms);
      const int wait_ms = std::min(run_.options.max_idle_ms, std::max(1, lease_.retry_after_ms()));
      idle_ = std::make_unique<grpc::Alarm>();
      idle_->Set(std::chrono::system_clock::now() + std::chrono::milliseconds(wait_ms),
                 [this](bool) { Lease(); });
      return;
    }
    // The lease's own time: less the wait for a job, and not a worker's
    // first lease (all N workers start at once: that burst is the start's).
    if (!tally_.lease_ms.empty()) {
      tally_.lease_own_ms.push_back(std::max(0.0, ms - lease_.waited_ms()));
    }
    tally_.lease_ms.push_back(ms);
    Report();
  }

  void Report() {
    const v1::Job& job = lease_.job();
    report_.Clear();
    report_.set_worker_id(lease_request_.worker().worker_id());
    report_.set_job_id(job.job_id());
    report_.set_attempt(job.attempt());
    auto result = run_.runner.Run(job, [](double) { return true; });
    if (result.ok()) {
      *report_.mutable_result() = *std::move(result);
    } else {
      ++tally_.failures;
      report_.mutable_failure()->set_reason(result.status().ToString());
    }
    report_context_ = NewContext();
    reported_.Clear();
    started_ = Clock::now();
    stub_->async()->ReportResult(report_context_.get(), &report_, &reported_,
                                 [this](grpc::Status status) { OnReported(status); });
  }

  void OnReported(const grpc::Status& status) {
    const auto now = Clock::now();
    if (!status.ok()) return Fail(status);
    tally_.report_ms.push_back(Millis(now - started_));
    tally_.last_report = now;
    if (reported_.duplicate()) ++tally_.duplicates;
    Lease();
  }

  void Fail(const grpc::Status& status) {
    tally_.error = FromGrpcStatus(status);
    ++run_.errored;
    Stop();
  }

  void Stop() {
    absl::MutexLock lock(&run_.mu);
    --run_.running;
  }

  RunState& run_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::WorkerService::Stub> stub_;
  v1::LeaseJobRequest lease_request_;
  v1::LeaseJobResponse lease_;
  v1::ReportResultRequest report_;
  v1::ReportResultResponse reported_;
  absl::Mutex context_mu_;  // Lease() against CancelWaitingLease().
  bool cancelled_ ABSL_GUARDED_BY(context_mu_) = false;
  std::unique_ptr<grpc::ClientContext> lease_context_ ABSL_GUARDED_BY(context_mu_);
  std::unique_ptr<grpc::ClientContext> report_context_;
  std::unique_ptr<grpc::Alarm> idle_;
  Clock::time_point started_;
  WorkerTally tally_;
};

absl::StatusOr<v1::Search> GetSearch(v1::SearchService::Stub& stub, int64_t id) {
  v1::GetSearchRequest request;
  request.set_search_id(id);
  v1::Search search;
  grpc::Status status =
      CallWithDeadline([&](grpc::ClientContext* c) { return stub.GetSearch(c, request, &search); });
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

absl::StatusOr<SimulatedWorkersResult> RunSimulatedWorkers(const SimulatedWorkersOptions& options) {
  if (options.workers < 1) return absl::InvalidArgumentError("workers: must be >= 1");
  if (options.searches < 1) return absl::InvalidArgumentError("searches: must be >= 1");
  if (!options.spec.has_table_lookup()) {
    return absl::InvalidArgumentError("spec.table_lookup: must be set (table-lookup search)");
  }
  TableLookupRunner runner;
  if (absl::Status warm = WarmTable(runner, options.spec); !warm.ok()) return warm;

  auto search_stub = v1::SearchService::NewStub(OwnChannel(options.controller));
  RunState run(options, runner);
  std::vector<std::unique_ptr<SimulatedWorker>> workers;
  for (int i = 0; i < options.workers; ++i) {
    workers.push_back(std::make_unique<SimulatedWorker>(run, i));
    if (!workers.back()->WaitForConnected()) {
      return absl::UnavailableError(
          absl::StrCat("worker ", i, " could not connect to ", options.controller));
    }
  }

  std::vector<v1::Search> searches;
  for (int k = 0; k < options.searches; ++k) {
    v1::CreateSearchRequest create;
    *create.mutable_spec() = options.spec;
    create.mutable_spec()->set_seed(options.spec.seed() + k);
    v1::Search search;
    grpc::Status created = CallWithDeadline(
        [&](grpc::ClientContext* c) { return search_stub->CreateSearch(c, create, &search); });
    if (!created.ok()) return FromGrpcStatus(created);
    searches.push_back(std::move(search));
  }

  const auto start = Clock::now();
  {
    absl::MutexLock lock(&run.mu);
    run.running = options.workers;
  }
  for (auto& worker : workers) worker->Start();
  absl::Status status;
  const absl::Time deadline = absl::Now() + options.timeout;
  for (bool running = true; running && status.ok() && run.errored.load() == 0;) {
    absl::SleepFor(absl::Milliseconds(20));
    running = false;
    for (v1::Search& search : searches) {
      if (search.state() != v1::SEARCH_RUNNING && search.state() != v1::SEARCH_STATE_UNSPECIFIED) {
        continue;
      }
      auto current = GetSearch(*search_stub, search.id());
      if (!current.ok()) {
        status = current.status();
        break;
      }
      search = *std::move(current);
      running |= search.state() == v1::SEARCH_RUNNING;
    }
    if (running && absl::Now() > deadline) {
      status = absl::DeadlineExceededError(
          absl::StrCat("searches still running after ", absl::FormatDuration(options.timeout)));
    }
  }
  run.done = true;
  for (auto& worker : workers) worker->CancelWaitingLease();
  {
    absl::MutexLock lock(&run.mu);
    run.mu.Await(absl::Condition(
        +[](int* running) { return *running == 0; }, &run.running));
  }
  if (!status.ok()) return status;

  SimulatedWorkersResult result;
  std::vector<double> lease, lease_own, empty, report;
  Clock::time_point last = start;
  int failures = 0, duplicates = 0;
  for (const auto& worker : workers) {
    const WorkerTally& t = worker->tally();
    if (!t.error.ok()) return t.error;
    lease.insert(lease.end(), t.lease_ms.begin(), t.lease_ms.end());
    lease_own.insert(lease_own.end(), t.lease_own_ms.begin(), t.lease_own_ms.end());
    empty.insert(empty.end(), t.empty_lease_ms.begin(), t.empty_lease_ms.end());
    report.insert(report.end(), t.report_ms.begin(), t.report_ms.end());
    last = std::max(last, t.last_report);
    failures += t.failures;
    duplicates += t.duplicates;
  }
  for (const v1::Search& search : searches) {
    if (search.state() != v1::SEARCH_SUCCEEDED ||
        search.evaluations_done() != options.spec.budget()) {
      return absl::InternalError(absl::StrCat(
          "search ", search.id(), " ended ", v1::SearchState_Name(search.state()), " with ",
          search.evaluations_done(), " evaluations of ", options.spec.budget()));
    }
    result.search_ids.push_back(search.id());
    result.evaluations += search.evaluations_done();
  }
  const int64_t expected = static_cast<int64_t>(options.spec.budget()) * options.searches;
  if (failures > 0 || duplicates > 0 || static_cast<int64_t>(report.size()) != expected) {
    return absl::InternalError(absl::StrCat(report.size(), " reports for ", expected,
                                            " evaluations; ", failures, " failed lookups, ",
                                            duplicates, " duplicates"));
  }
  result.wall_seconds = std::chrono::duration<double>(last - start).count();
  result.evaluations_per_second = result.evaluations / std::max(1e-9, result.wall_seconds);
  result.lease = Summarize(std::move(lease));
  result.lease_own = Summarize(std::move(lease_own));
  result.empty_lease = Summarize(std::move(empty));
  result.report = Summarize(std::move(report));
  return result;
}

}  // namespace nas
