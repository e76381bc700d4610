#include "worker/runtime/worker_slots.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "worker/runtime/slot_plan.h"

namespace nas {

absl::StatusOr<std::unique_ptr<WorkerSlots>> WorkerSlots::Create(Options options,
                                                                 ControllerClient* client) {
  if (options.slots < 1 || options.slots > kMaxSlots) {
    return absl::InvalidArgumentError(
        absl::StrCat("slots: ", options.slots, " must be in 1..", kMaxSlots));
  }
  if (!options.make_runners) return absl::InvalidArgumentError("make_runners: required");
  std::unique_ptr<WorkerSlots> slots(new WorkerSlots(std::make_unique<JobBudget>(options.max_jobs),
                                                     std::move(options.enter_slot)));
  options.info.set_slots(options.slots);
  for (int i = 0; i < options.slots; ++i) {
    ASSIGN_OR_RETURN(JobRunners runners, options.make_runners());
    WorkerLoop::Options loop;
    loop.info = options.info;
    loop.name = options.slots == 1 ? options.info.worker_id()
                                   : absl::StrCat(options.info.worker_id(), " slot ", i);
    loop.budget = slots->budget_.get();
    loop.metrics = options.metrics;
    slots->loops_.push_back(std::make_unique<WorkerLoop>(loop, client, std::move(runners)));
  }
  return slots;
}

absl::Status WorkerSlots::Run() {
  auto run_slot = [this](int i) {
    const absl::Status status = loops_[i]->Run();
    if (status.ok()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (first_error_.ok()) first_error_ = status;
    }
    Stop();
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < slots(); ++i) {
    threads.emplace_back([this, i, &run_slot] {
      if (enter_slot_) {
        enter_slot_(i, [&] { run_slot(i); });
      } else {
        run_slot(i);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::lock_guard<std::mutex> lock(mu_);
  return first_error_;
}

void WorkerSlots::Stop() {
  for (const auto& loop : loops_) loop->Stop();
}

}  // namespace nas
