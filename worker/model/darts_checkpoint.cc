#include "worker/model/darts_checkpoint.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <map>
#include <new>
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
#include "worker/model/tensor_signature.h"

namespace nas {
namespace {

constexpr absl::string_view kMagic = "NASDART1";

absl::Status Corrupt(absl::string_view why) {
  return absl::DataLossError(absl::StrCat("corrupt DARTS checkpoint: ", why));
}

absl::Status ValidateOptions(const DartsNetworkOptions& o) {
  if (o.in_channels < 1 || o.num_classes < 1 || o.init_channels < 1 || o.cells < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "in_channels %d, num_classes %d, init_channels %d and cells %d must all be >= 1",
        o.in_channels, o.num_classes, o.init_channels, o.cells));
  }
  return absl::OkStatus();
}

absl::StatusOr<DartsNetwork> Build(const DartsGenome& genome, const DartsNetworkOptions& options) {
  RETURN_IF_ERROR(ValidateDartsGenome(genome));
  RETURN_IF_ERROR(ValidateOptions(options));
  return CallGuarded("building the DARTS network", [&]() -> absl::StatusOr<DartsNetwork> {
    return DartsNetwork(genome, options);
  });
}

struct Header {
  std::string genome_text;
  DartsNetworkOptions options;
  absl::string_view payload;
};

// The frame's header as genome and network options.
absl::StatusOr<Header> ParseCheckpoint(absl::string_view bytes) {
  ASSIGN_OR_RETURN(CheckpointFrame frame, ParseCheckpointFrame(bytes, kMagic, "DARTS"));
  Header h;
  h.genome_text = frame.header["genome"];
  h.payload = frame.payload;
  if (!absl::SimpleAtoi(frame.header["in_channels"], &h.options.in_channels) ||
      !absl::SimpleAtoi(frame.header["num_classes"], &h.options.num_classes) ||
      !absl::SimpleAtoi(frame.header["init_channels"], &h.options.init_channels) ||
      !absl::SimpleAtoi(frame.header["cells"], &h.options.cells)) {
    return Corrupt("header fields missing or inconsistent with the payload");
  }
  return h;
}

}  // namespace

bool LooksLikeDartsCheckpoint(absl::string_view bytes) { return absl::StartsWith(bytes, kMagic); }

absl::StatusOr<std::string> SerializeDartsNetwork(const DartsGenome& genome,
                                                  const DartsNetworkOptions& options,
                                                  DartsNetwork& net) {
  if (net.is_empty()) return absl::InvalidArgumentError("SerializeDartsNetwork: empty network");
  // The network must be the one genome and options describe, or the bytes
  // would not load back.
  ASSIGN_OR_RETURN(DartsNetwork fresh, Build(genome, options));
  std::map<std::string, std::string> expected = TensorSignature(*fresh);
  if (TensorSignature(*net) != expected) {
    return absl::InvalidArgumentError(
        "SerializeDartsNetwork: the network's tensors are not those of the genome and options "
        "given (or not float32)");
  }
  ASSIGN_OR_RETURN(const std::string payload, SaveModulePayload(*net, "DARTS"));
  return FrameCheckpoint(kMagic,
                         {{"genome", DartsGenomeToText(genome)},
                          {"in_channels", absl::StrCat(options.in_channels)},
                          {"num_classes", absl::StrCat(options.num_classes)},
                          {"init_channels", absl::StrCat(options.init_channels)},
                          {"cells", absl::StrCat(options.cells)}},
                         payload);
}

absl::StatusOr<LoadedDartsNetwork> DeserializeDartsNetwork(absl::string_view bytes) {
  ASSIGN_OR_RETURN(const Header header, ParseCheckpoint(bytes));
  LoadedDartsNetwork loaded;
  loaded.options = header.options;
  auto genome = ParseDartsGenome(header.genome_text);
  if (!genome.ok()) return Corrupt(absl::StrCat("its genome: ", genome.status().message()));
  loaded.genome = *genome;
  auto net = Build(loaded.genome, loaded.options);
  if (!net.ok()) {
    if (net.status().code() == absl::StatusCode::kResourceExhausted) return net.status();
    return Corrupt(absl::StrCat("its header: ", net.status().message()));
  }
  loaded.net = *net;
  RETURN_IF_ERROR(LoadModulePayload(header.payload, *loaded.net, "DARTS"));
  loaded.net->eval();
  return loaded;
}

}  // namespace nas
