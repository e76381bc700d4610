#include "worker/runtime/worker_loop.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"
#include "worker/errors/torch_errors.h"
#include "worker/runtime/job_log.h"

namespace nas {
namespace {

// "cpu", or "cuda:0 (NVIDIA H200)" when the worker knows its model.
std::string DeviceName(const v1::WorkerInfo& info) {
  if (info.device_model().empty()) return info.device();
  return absl::StrCat(info.device(), " (", info.device_model(), ")");
}

}  // namespace

WorkerLoop::WorkerLoop(Options options, ControllerClient* client,
                       std::map<v1::JobKind, std::unique_ptr<JobRunner>> runners)
    : options_(std::move(options)), client_(client), runners_(std::move(runners)) {
  if (options_.name.empty()) options_.name = options_.info.worker_id();
  options_.info.clear_job_kinds();
  for (const auto& [kind, runner] : runners_) options_.info.add_job_kinds(kind);
}

absl::Status WorkerLoop::Run() {
  while (!stop_.load()) {
    if (options_.budget != nullptr && !options_.budget->Take()) break;
    if (options_.slots != nullptr) options_.info.set_slots(options_.slots->load());
    auto lease = client_->LeaseJob(options_.info, &stop_);
    if (!lease.ok() || !lease->job.has_value()) {
      if (options_.budget != nullptr) options_.budget->GiveBack();
    }
    if (!lease.ok() && stop_.load()) break;  // Stop() cancelled a long poll.
    if (!lease.ok()) return lease.status();
    if (!lease->job.has_value()) {
      // Sleep in small steps so Stop() is honoured quickly.
      const absl::Time until = absl::Now() + lease->retry_after;
      while (!stop_.load() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(50));
      continue;
    }
    RETURN_IF_ERROR(RunJob(*lease->job));
  }
  return absl::OkStatus();
}

void WorkerLoop::Release(const v1::Job& job, const std::string& tag, JobLog& log) {
  log.Add("handed back: the worker is stopping");
  const absl::Status released = client_->ReleaseJob(
      job, options_.info.worker_id(), "the worker stopped before the job finished", log.Take());
  if (!released.ok()) {
    // Not fatal: the lease expires and the controller re-queues the job.
    std::cerr << options_.name << ": " << tag << " hand-back failed: " << released << std::endl;
  }
}

absl::Status WorkerLoop::RunJob(const v1::Job& job) {
  const std::string tag = absl::StrCat("job ", job.job_id(), " attempt ", job.attempt());
  // The job's lines: printed at once, sent with its heartbeats and report.
  JobLog log(absl::StrCat(options_.name, ": ", tag), &std::cerr);
  log.Add(absl::StrCat("started ", v1::JobKind_Name(job.kind()), " of individual ",
                       job.individual_id(), " (search ", job.search_id(), ") on ",
                       DeviceName(options_.info), " in ", options_.name));

  const absl::Time started = absl::Now();
  auto finished = [&](const char* outcome) {
    if (options_.metrics) {
      options_.metrics->JobFinished(outcome, absl::ToDoubleSeconds(absl::Now() - started));
    }
  };
  std::atomic<double> progress{0.0};
  std::atomic<bool> abandon{false};  // Lease lost or search cancelled.
  std::mutex mu;
  std::condition_variable wake;
  bool done = false;                     // Guarded by mu.
  std::deque<v1::EpochProgress> epochs;  // Guarded by mu: reported, not yet sent.
  // Guarded by mu: epochs queued and epochs whose heartbeat was answered (or
  // dropped), and the controller's reason to stop early, if it gave one.
  int64_t epochs_queued = 0, epochs_answered = 0;
  std::string stop_reason;
  // Guarded by mu: a resume state uploaded but not yet sent, (digest, epochs).
  std::optional<std::pair<std::string, int>> resume;

  // One heartbeat; carries `epoch` if set, and the log's waiting lines. Marks
  // the job abandoned when the lease is gone or the search was cancelled.
  auto send_heartbeat = [&](const v1::EpochProgress* epoch) {
    v1::HeartbeatRequest request;
    request.set_worker_id(options_.info.worker_id());
    request.set_job_id(job.job_id());
    request.set_attempt(job.attempt());
    request.set_progress(progress.load());
    if (epoch != nullptr) *request.mutable_epoch() = *epoch;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (resume.has_value()) {
        request.set_resume_checkpoint(resume->first);
        request.set_resume_epoch(resume->second);
        resume.reset();
      }
    }
    for (std::string& line : log.Take()) request.add_log_lines(std::move(line));
    auto answer = client_->Heartbeat(request);
    if (!answer.ok() || answer->cancel()) {
      std::cerr << options_.name << ": " << tag
                << " abandoned: " << (answer.ok() ? "search cancelled" : answer.status().ToString())
                << std::endl;
      abandon.store(true);
    } else if (answer->stop()) {
      std::lock_guard<std::mutex> lock(mu);
      if (stop_reason.empty()) stop_reason = answer->stop_reason();
    }
  };
  // Heartbeats at a third of the lease so two can be lost before it expires,
  // and at once when an epoch is reported. Epochs still queued when the job
  // ends are sent before its report, so the history has every epoch.
  const auto interval = std::chrono::milliseconds(std::max(200, job.lease_seconds() * 1000 / 3));
  std::thread heartbeat([&] {
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      wake.wait_for(lock, interval, [&] { return done || !epochs.empty(); });
      if (abandon.load()) {  // Nobody will record them.
        epochs_answered += static_cast<int64_t>(epochs.size());
        epochs.clear();
        wake.notify_all();
      }
      if (!epochs.empty()) {
        const v1::EpochProgress epoch = epochs.front();
        epochs.pop_front();
        lock.unlock();
        send_heartbeat(&epoch);
        lock.lock();
        ++epochs_answered;
        wake.notify_all();
        continue;
      }
      if (done) break;
      lock.unlock();
      send_heartbeat(nullptr);
      lock.lock();
    }
  });

  absl::StatusOr<v1::EvaluationResult> result;
  auto runner = runners_.find(job.kind());
  if (runner == runners_.end()) {
    result = absl::FailedPreconditionError(
        absl::StrCat("this worker cannot run job kind ", v1::JobKind_Name(job.kind())));
  } else {
    // Runners must not throw; one that does fails its job, not the process
    // with every other slot's job in it.
    JobHooks hooks;
    hooks.progress = [&](double fraction) {
      progress.store(fraction);
      return !abandon.load() && !stop_.load();
    };
    hooks.epoch = [&](const v1::EpochProgress& epoch) {
      {
        std::lock_guard<std::mutex> lock(mu);
        epochs.push_back(epoch);
        ++epochs_queued;
      }
      wake.notify_all();
      return !abandon.load() && !stop_.load();
    };
    hooks.log = [&log](const std::string& line) { log.Add(line); };
    hooks.save_resume_state = [&](int epochs_done, const std::string& bytes) -> absl::Status {
      ASSIGN_OR_RETURN(std::string digest, client_->UploadCheckpoint(bytes));
      std::lock_guard<std::mutex> lock(mu);
      resume.emplace(std::move(digest), epochs_done);
      return absl::OkStatus();
    };
    hooks.epoch_verdict = [&](const v1::EpochProgress& epoch) -> std::optional<std::string> {
      std::unique_lock<std::mutex> lock(mu);
      epochs.push_back(epoch);
      const int64_t mine = ++epochs_queued;
      wake.notify_all();
      // Timed, so that a stopping worker is not held by a slow answer.
      while (epochs_answered < mine && !abandon.load() && !stop_.load()) {
        wake.wait_for(lock, std::chrono::milliseconds(100));
      }
      if (stop_reason.empty()) return std::nullopt;
      return stop_reason;
    };
    result = CallGuarded(tag, [&] { return runner->second->Run(job, hooks); });
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
  }
  wake.notify_all();
  heartbeat.join();

  if (!abandon.load() && stop_.load() && absl::IsCancelled(result.status())) {
    // Stopping (SIGTERM): hand the job back so another worker takes it now
    // rather than when the lease expires.
    finished("released");
    Release(job, tag, log);
    return absl::OkStatus();
  }
  if (abandon.load() || absl::IsCancelled(result.status())) {
    // The lease is gone: report nothing; the controller re-queues the job
    // when the lease expires, if it has not already.
    finished("abandoned");
    return absl::OkStatus();
  }
  v1::ReportResultRequest report;
  report.set_worker_id(options_.info.worker_id());
  report.set_job_id(job.job_id());
  report.set_attempt(job.attempt());
  if (result.ok()) {
    *report.mutable_result() = *result;
    log.Add(absl::StrCat("finished: fitness ", result->fitness()));
  } else {
    report.mutable_failure()->set_reason(std::string(result.status().message()));
    report.mutable_failure()->set_retryable(absl::IsResourceExhausted(result.status()) ||
                                            absl::IsUnavailable(result.status()));
    log.Add(absl::StrCat("failed", report.failure().retryable() ? " (may be retried)" : "", ": ",
                         result.status().message()));
  }
  // The lines no heartbeat took: the last ones, with why the job failed.
  for (std::string& line : log.Take()) report.add_log_lines(std::move(line));
  auto reply = client_->ReportResult(report);
  // FAILED_PRECONDITION: the lease was lost meanwhile and another attempt
  // owns the job. NOT_FOUND: the job is gone (a database restored to an
  // earlier state). Either way this worker's result is not wanted, and the
  // worker goes on with other jobs.
  const bool refused = !reply.ok() && (absl::IsFailedPrecondition(reply.status()) ||
                                       absl::IsNotFound(reply.status()));
  if (refused) {
    finished("refused");
    std::cerr << options_.name << ": " << tag << " report refused: " << reply.status() << std::endl;
  } else {
    finished(result.ok() ? "evaluated" : "failed");
    if (!reply.ok()) return reply.status();
  }
  if (result.ok() && options_.after_result) options_.after_result();
  return absl::OkStatus();
}

}  // namespace nas
