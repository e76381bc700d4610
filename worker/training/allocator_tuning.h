#ifndef NAS_WORKER_TRAINING_ALLOCATOR_TUNING_H_
#define NAS_WORKER_TRAINING_ALLOCATOR_TUNING_H_

namespace nas {

// Makes glibc's malloc keep freed memory for reuse instead of handing it back
// to the kernel. A training step allocates and frees the same activation
// buffers (a few MiB each) every step; with glibc's defaults each of them is a
// fresh mmap whose pages fault in again, step after step. Afterwards blocks up
// to 32 MiB come from the heap and the heap is never trimmed, so a worker
// keeps its peak heap size: the price of not faulting it in again.
// Call once at start-up, before training. Returns false where the C library
// refused a setting (not glibc, or a glibc without these knobs).
bool KeepFreedMemoryForReuse();

}  // namespace nas

#endif  // NAS_WORKER_TRAINING_ALLOCATOR_TUNING_H_
