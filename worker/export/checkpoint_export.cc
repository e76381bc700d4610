#include "worker/export/checkpoint_export.h"

#include <map>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/genome/convnet_genome.h"
#include "common/genome/darts_genome.h"
#include "common/genome/tfnas_genome.h"
#include "common/status/status_macros.h"
#include "worker/export/torchscript_export.h"
#include "worker/model/darts_checkpoint.h"
#include "worker/nash/checkpoint.h"
#include "worker/nash/convnet.h"
#include "worker/tfnas/checkpoint.h"

namespace nas {
namespace {

constexpr absl::string_view kConvNetMagic = "NASCONV1";

absl::Status OtherArchitecture(absl::string_view stored, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("the checkpoint holds architecture '", stored,
                                                 "', not the individual's '", expected, "'"));
}

absl::StatusOr<ExportedNetwork> ExportDarts(absl::string_view architecture,
                                            absl::string_view checkpoint) {
  ASSIGN_OR_RETURN(LoadedDartsNetwork loaded, DeserializeDartsNetwork(checkpoint));
  ASSIGN_OR_RETURN(DartsGenome expected, ParseDartsGenome(architecture));
  if (!(expected == loaded.genome)) {
    return OtherArchitecture(DartsGenomeToText(loaded.genome), architecture);
  }
  ASSIGN_OR_RETURN(torch::jit::Module module, ExportDartsNetwork(*loaded.net));
  return ExportedNetwork{module, "darts_cell", loaded.options.in_channels,
                         loaded.options.num_classes};
}

// The value of header line `field` of a ConvNet checkpoint. Only a hint for
// DeserializeNet, which checks the whole checkpoint against it.
absl::StatusOr<int64_t> ConvNetHeaderField(absl::string_view checkpoint, absl::string_view field) {
  const absl::string_view header = checkpoint.substr(0, checkpoint.find("\n\n"));
  for (absl::string_view line : absl::StrSplit(header, '\n')) {
    int64_t value = 0;
    if (absl::ConsumePrefix(&line, absl::StrCat(field, ": ")) && absl::SimpleAtoi(line, &value)) {
      return value;
    }
  }
  return absl::DataLossError(
      absl::StrCat("corrupt ConvNet checkpoint: no '", field, "' in its header"));
}

absl::StatusOr<ExportedNetwork> ExportConvNetCheckpoint(absl::string_view architecture,
                                                        absl::string_view checkpoint) {
  ASSIGN_OR_RETURN(ConvNetGenome genome, ParseConvNetGenome(architecture));
  ASSIGN_OR_RETURN(const int64_t in_channels, ConvNetHeaderField(checkpoint, "in_channels"));
  ASSIGN_OR_RETURN(const int64_t num_classes, ConvNetHeaderField(checkpoint, "num_classes"));
  ASSIGN_OR_RETURN(ConvNet net,
                   DeserializeNet(genome, in_channels, num_classes, std::string(checkpoint)));
  ASSIGN_OR_RETURN(torch::jit::Module module, ExportConvNet(*net));
  return ExportedNetwork{module, "convnet", in_channels, num_classes};
}

absl::StatusOr<ExportedNetwork> ExportTfNas(absl::string_view architecture,
                                            absl::string_view checkpoint) {
  ASSIGN_OR_RETURN(LoadedTfNasNetwork loaded, DeserializeTfNasNetwork(checkpoint));
  ASSIGN_OR_RETURN(TfNasGenome expected, ParseTfNasGenome(architecture));
  if (TfNasGenomeToText(expected) != TfNasGenomeToText(loaded.genome)) {
    return OtherArchitecture(TfNasGenomeToText(loaded.genome), architecture);
  }
  ASSIGN_OR_RETURN(torch::jit::Module module, ExportTfNasNetwork(*loaded.net));
  return ExportedNetwork{module, "tfnas", loaded.space_spec.image_channels(),
                         loaded.space_spec.num_classes()};
}

}  // namespace

absl::StatusOr<ExportedNetwork> ExportCheckpoint(absl::string_view architecture,
                                                 absl::string_view checkpoint) {
  if (LooksLikeDartsCheckpoint(checkpoint)) return ExportDarts(architecture, checkpoint);
  if (absl::StartsWith(checkpoint, kConvNetMagic)) {
    return ExportConvNetCheckpoint(architecture, checkpoint);
  }
  if (LooksLikeTfNasCheckpoint(checkpoint)) return ExportTfNas(architecture, checkpoint);
  return absl::InvalidArgumentError(absl::StrCat(
      "not a DARTS (NASDART1), ConvNet (NASCONV1) or TF-NAS (NASTFNA1) checkpoint: it starts "
      "with '",
      absl::CHexEscape(checkpoint.substr(0, 8)), "'"));
}

}  // namespace nas
