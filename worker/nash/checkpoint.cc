#include "worker/nash/checkpoint.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/status/status_macros.h"
#include "worker/errors/torch_errors.h"
#include "worker/model/checkpoint_frame.h"
#include "worker/model/module_payload.h"

namespace nas {
namespace {

constexpr absl::string_view kMagic = "NASCONV1";

absl::Status Corrupt(absl::string_view why) {
  return absl::DataLossError(absl::StrCat("corrupt ConvNet checkpoint: ", why));
}

// The dtypes a checkpoint may hold, by their c10::toString names.
constexpr torch::ScalarType kDtypes[] = {torch::kFloat32, torch::kFloat64, torch::kFloat16,
                                         torch::kBFloat16};

struct Header {
  std::string genome_text;
  torch::ScalarType dtype = torch::kFloat32;
  int64_t in_channels = 0, num_classes = 0;
  absl::string_view payload;
};

// The frame's header as genome, shapes and dtype.
absl::StatusOr<Header> ParseCheckpoint(absl::string_view bytes) {
  ASSIGN_OR_RETURN(CheckpointFrame frame, ParseCheckpointFrame(bytes, kMagic, "ConvNet"));
  Header h;
  h.payload = frame.payload;
  h.genome_text = frame.header["genome"];
  if (!absl::SimpleAtoi(frame.header["in_channels"], &h.in_channels) ||
      !absl::SimpleAtoi(frame.header["num_classes"], &h.num_classes)) {
    return Corrupt("header fields missing or inconsistent with the payload");
  }
  const std::string& name = frame.header["dtype"];
  const auto dtype = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                                  [&](auto t) { return name == c10::toString(t); });
  if (dtype == std::end(kDtypes)) {
    return Corrupt(absl::StrCat("unsupported dtype '", name, "'"));
  }
  h.dtype = *dtype;
  return h;
}

absl::Status CheckMatches(const Header& h, const ConvNetGenome& genome, int64_t in_channels,
                          int64_t num_classes) {
  const std::string expected = ConvNetGenomeToText(genome);
  if (h.genome_text != expected || h.in_channels != in_channels || h.num_classes != num_classes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the checkpoint holds genome '%s' with %d input channels and %d classes, not "
        "'%s' with %d and %d",
        h.genome_text, h.in_channels, h.num_classes, expected, in_channels, num_classes));
  }
  return absl::OkStatus();
}

absl::StatusOr<ConvNet> Load(const ConvNetGenome& genome, int64_t in_channels, int64_t num_classes,
                             const Header& h) {
  ASSIGN_OR_RETURN(ConvNet net, MakeConvNet(genome, in_channels, num_classes));
  // Loading into a tensor keeps the tensor's dtype.
  RETURN_IF_ERROR(CallGuarded("converting the network", [&] {
    ConvertFloatingPoint(*net, h.dtype);
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(LoadModulePayload(h.payload, *net, "ConvNet"));
  return net;
}

}  // namespace

absl::StatusOr<std::string> SerializeNet(ConvNet& net) {
  if (net.is_empty()) return absl::InvalidArgumentError("SerializeNet: empty network");
  const torch::ScalarType dtype = net->parameters().front().scalar_type();
  if (std::find(std::begin(kDtypes), std::end(kDtypes), dtype) == std::end(kDtypes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("SerializeNet: unsupported dtype ", c10::toString(dtype)));
  }
  ASSIGN_OR_RETURN(const std::string payload, SaveModulePayload(*net, "ConvNet"));
  return FrameCheckpoint(kMagic,
                         {{"genome", ConvNetGenomeToText(net->genome)},
                          {"in_channels", absl::StrCat(net->in_channels)},
                          {"num_classes", absl::StrCat(net->num_classes)},
                          {"dtype", c10::toString(dtype)}},
                         payload);
}

absl::StatusOr<ConvNet> DeserializeNet(const ConvNetGenome& genome, int64_t in_channels,
                                       int64_t num_classes, const std::string& bytes) {
  ASSIGN_OR_RETURN(const Header header, ParseCheckpoint(bytes));
  RETURN_IF_ERROR(CheckMatches(header, genome, in_channels, num_classes));
  return Load(genome, in_channels, num_classes, header);
}

}  // namespace nas
