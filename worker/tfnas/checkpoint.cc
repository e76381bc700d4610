#include "worker/tfnas/checkpoint.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/search_space/tfnas_space_spec.h"
#include "common/status/status_macros.h"
#include "google/protobuf/text_format.h"
#include "worker/errors/torch_errors.h"
#include "worker/model/checkpoint_frame.h"
#include "worker/model/module_payload.h"
#include "worker/model/tensor_signature.h"

namespace nas {
namespace {

constexpr absl::string_view kMagic = "NASTFNA1";

absl::Status Corrupt(absl::string_view why) {
  return absl::DataLossError(absl::StrCat("corrupt TF-NAS checkpoint: ", why));
}

std::string OneLine(const v1::TfNasSpace& spec) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  std::string text;
  printer.PrintToString(spec, &text);
  return std::string(absl::StripTrailingAsciiWhitespace(text));
}

absl::StatusOr<TfNasNetwork> Build(const TfNasSpace& space, const TfNasGenome& genome) {
  return CallGuarded("building the TF-NAS network", [&]() -> absl::StatusOr<TfNasNetwork> {
    return BuildTfNasNetwork(space, genome);
  });
}

}  // namespace

bool LooksLikeTfNasCheckpoint(absl::string_view bytes) { return absl::StartsWith(bytes, kMagic); }

absl::StatusOr<std::string> SerializeTfNasNetwork(const v1::TfNasSpace& space_spec,
                                                  const TfNasGenome& genome, TfNasNetwork& net) {
  if (net.is_empty()) return absl::InvalidArgumentError("SerializeTfNasNetwork: empty network");
  const v1::TfNasSpace filled = FillTfNasSpaceDefaults(space_spec);
  ASSIGN_OR_RETURN(const TfNasSpace space, TfNasSpaceFromSpec(filled));
  // The network must be the one space and genome describe, or the bytes
  // would not load back.
  ASSIGN_OR_RETURN(TfNasNetwork fresh, Build(space, genome));
  if (TensorSignature(*net) != TensorSignature(*fresh)) {
    return absl::InvalidArgumentError(
        "SerializeTfNasNetwork: the network's tensors are not those of the space and genome "
        "given (or not float32)");
  }
  ASSIGN_OR_RETURN(const std::string payload, SaveModulePayload(*net, "TF-NAS"));
  return FrameCheckpoint(
      kMagic, {{"space", OneLine(filled)}, {"genome", TfNasGenomeToText(genome)}}, payload);
}

absl::StatusOr<LoadedTfNasNetwork> DeserializeTfNasNetwork(absl::string_view bytes) {
  ASSIGN_OR_RETURN(CheckpointFrame frame, ParseCheckpointFrame(bytes, kMagic, "TF-NAS"));
  LoadedTfNasNetwork loaded;
  if (!google::protobuf::TextFormat::ParseFromString(frame.header["space"], &loaded.space_spec)) {
    return Corrupt("its header's space is not a nas.v1.TfNasSpace");
  }
  auto space = TfNasSpaceFromSpec(loaded.space_spec);
  if (!space.ok()) return Corrupt(absl::StrCat("its space: ", space.status().message()));
  loaded.space = *space;
  auto genome = ParseTfNasGenome(frame.header["genome"]);
  if (!genome.ok()) return Corrupt(absl::StrCat("its genome: ", genome.status().message()));
  loaded.genome = *genome;
  auto net = Build(loaded.space, loaded.genome);
  if (!net.ok()) {
    if (net.status().code() == absl::StatusCode::kResourceExhausted) return net.status();
    return Corrupt(absl::StrCat("its header: ", net.status().message()));
  }
  loaded.net = *net;
  RETURN_IF_ERROR(LoadModulePayload(frame.payload, *loaded.net, "TF-NAS"));
  loaded.net->eval();
  return loaded;
}

}  // namespace nas
