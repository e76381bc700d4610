// How many more jobs a worker process may start (nas_worker --max_jobs),
// shared by its slots.
#ifndef NAS_WORKER_RUNTIME_JOB_BUDGET_H_
#define NAS_WORKER_RUNTIME_JOB_BUDGET_H_

#include <atomic>

namespace nas {

// Thread-safe. A slot takes one unit before it asks for a lease and gives it
// back when no job came; so however the slots interleave, no more than
// `max_jobs` jobs are leased in all.
class JobBudget {
 public:
  // `max_jobs` <= 0: no limit.
  explicit JobBudget(int max_jobs) : unlimited_(max_jobs <= 0), left_(max_jobs) {}

  // One job's worth; false once the budget is spent or promised to leases
  // still being asked for.
  bool Take() {
    if (unlimited_) return true;
    int left = left_.load();
    while (left > 0) {
      if (left_.compare_exchange_weak(left, left - 1)) return true;
    }
    return false;
  }

  // Gives back what Take() gave when no job came of it (an empty lease).
  void GiveBack() {
    if (!unlimited_) left_.fetch_add(1);
  }

 private:
  const bool unlimited_;
  std::atomic<int> left_;
};

}  // namespace nas

#endif  // NAS_WORKER_RUNTIME_JOB_BUDGET_H_
