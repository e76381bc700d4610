#include "worker/training/slot_stream.h"

#include <sstream>

#include "c10/core/impl/DeviceGuardImplInterface.h"

namespace nas {

SlotStream::SlotStream(const torch::Device& device) {
  if (!device.is_cuda()) return;
  // The CUDA guard implementation is registered by libtorch_cuda; a device
  // only resolves to CUDA (ResolveDevice) when that library is linked in.
  const c10::impl::DeviceGuardImplInterface* cuda = c10::impl::getDeviceGuardImpl(device.type());
  guard_.reset_stream(cuda->getStreamFromGlobalPool(device));
}

std::string SlotStream::Describe() const {
  // c10::optional up to LibTorch 2.1, std::optional after: auto takes either.
  const auto stream = guard_.current_stream();
  if (!stream.has_value()) return "default stream";
  std::ostringstream out;
  out << *stream;
  return out.str();
}

}  // namespace nas
