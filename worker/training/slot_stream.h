// A CUDA stream of a slot's own. LibTorch queues a thread's CUDA work on that
// thread's current stream, the device's default stream unless one is set:
// the jobs of several slots on the default stream would run one kernel after
// another. Device-generic (c10::Stream through LibTorch's device guard
// registry), so it compiles against a CPU-only LibTorch and takes effect when
// the binary is linked against a CUDA one.
#ifndef NAS_WORKER_TRAINING_SLOT_STREAM_H_
#define NAS_WORKER_TRAINING_SLOT_STREAM_H_

#include <string>

#include "c10/core/StreamGuard.h"
#include "torch/torch.h"

namespace nas {

// Not copyable or movable: construct it on the slot's thread, and keep it
// for as long as the slot runs there.
class SlotStream {
 public:
  // On a CUDA device: takes a stream from LibTorch's pool for that device and
  // makes it this thread's current stream there until destroyed (the
  // previous one is restored then). On any other device it does nothing.
  explicit SlotStream(const torch::Device& device);

  SlotStream(const SlotStream&) = delete;
  SlotStream& operator=(const SlotStream&) = delete;

  // "default stream" on the CPU, else the stream's id, for the worker's log.
  std::string Describe() const;

 private:
  c10::OptionalStreamGuard guard_;
};

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_SLOT_STREAM_H_
