#include "worker/runtime/worker_slots.h"

#include <algorithm>
#include <iostream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace nas {

WorkerSlots::WorkerSlots(Options options, ControllerClient* client)
    : options_(std::move(options)),
      client_(client),
      budget_(std::make_unique<JobBudget>(options_.max_jobs)) {}

absl::StatusOr<std::unique_ptr<WorkerSlots>> WorkerSlots::Create(Options options,
                                                                 ControllerClient* client) {
  if (options.slots < 1 || options.slots > kMaxSlots) {
    return absl::InvalidArgumentError(
        absl::StrCat("slots: ", options.slots, " must be in 1..", kMaxSlots));
  }
  if (!options.make_runners) return absl::InvalidArgumentError("make_runners: required");
  options.info.set_slots(options.slots);
  std::unique_ptr<WorkerSlots> slots(new WorkerSlots(std::move(options), client));
  for (int i = 0; i < slots->options_.slots; ++i) {
    ASSIGN_OR_RETURN(slots->loops_[i], slots->MakeLoop(i));
    slots->count_.store(i + 1);
  }
  return slots;
}

absl::StatusOr<std::unique_ptr<WorkerLoop>> WorkerSlots::MakeLoop(int i) {
  ASSIGN_OR_RETURN(JobRunners runners, options_.make_runners());
  const std::string& id = options_.info.worker_id();
  WorkerLoop::Options loop;
  loop.info = options_.info;
  // A worker that may open more slots names its first one as they will be.
  loop.name = options_.slots == 1 && !options_.after_first_job ? id : absl::StrCat(id, " slot ", i);
  loop.budget = budget_.get();
  loop.metrics = options_.metrics;
  loop.slots = &count_;
  if (options_.after_first_job) loop.after_result = [this] { AfterResult(); };
  return std::make_unique<WorkerLoop>(loop, client_, std::move(runners));
}

absl::Status WorkerSlots::Run() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int i = 0; i < slots(); ++i) StartSlot(i);
  }
  // A slot opens others only on its own thread, before that thread ends: once
  // every thread started so far is joined, no other can be started.
  for (size_t i = 0;; ++i) {
    std::thread* thread = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (i == threads_.size()) break;
      thread = &threads_[i];
    }
    thread->join();
  }
  std::lock_guard<std::mutex> lock(mu_);
  return first_error_;
}

void WorkerSlots::StartSlot(int i) {
  threads_.emplace_back([this, i] {
    if (options_.enter_slot) {
      options_.enter_slot(i, [this, i] { RunSlot(i); });
    } else {
      RunSlot(i);
    }
  });
}

void WorkerSlots::RunSlot(int i) {
  const absl::Status status = loops_[i]->Run();
  if (status.ok()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (first_error_.ok()) first_error_ = status;
  }
  Stop();
}

void WorkerSlots::AfterResult() {
  if (had_result_.exchange(true) || stopped_.load()) return;
  const int wanted = std::min(options_.after_first_job(), kMaxSlots);
  const int before = slots();
  // Built before any is counted, so that every lease from now on, the first
  // slot's next one included, declares the final count.
  std::vector<std::unique_ptr<WorkerLoop>> opened;
  for (int i = before; i < wanted; ++i) {
    absl::StatusOr<std::unique_ptr<WorkerLoop>> loop = MakeLoop(i);
    if (!loop.ok()) {
      std::cerr << options_.info.worker_id() << ": slot " << i << " not opened: " << loop.status()
                << std::endl;
      break;
    }
    opened.push_back(*std::move(loop));
  }
  if (opened.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (std::unique_ptr<WorkerLoop>& loop : opened) {
    const int i = count_.load();
    loops_[i] = std::move(loop);
    count_.store(i + 1);
  }
  // Stop() reads count_ after it sets stopped_, and this reads stopped_
  // after it set count_: one of the two stops the new slots.
  if (stopped_.load()) Stop();
  if (options_.metrics != nullptr) options_.metrics->SetSlots(slots());
  std::cerr << options_.info.worker_id() << ": opened " << slots() - before << " more slot(s), "
            << slots() << " in all" << std::endl;
  for (int i = before; i < slots(); ++i) StartSlot(i);
}

void WorkerSlots::Stop() {
  stopped_.store(true);
  const int count = count_.load();
  for (int i = 0; i < count; ++i) loops_[i]->Stop();
}

}  // namespace nas
