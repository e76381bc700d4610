// nas_export: writes the network a stored checkpoint holds as a TorchScript
// module. `nasctl export` downloads the checkpoint and runs this program, so
// that nasctl itself needs no LibTorch; what it prints and its exit status
// are described in export_summary.h.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "google/protobuf/text_format.h"
#include "worker/export/checkpoint_export.h"
#include "worker/export/data_embedding.h"
#include "worker/export/export_summary.h"
#include "worker/export/torchscript_export.h"

ABSL_FLAG(std::string, checkpoint, "", "file holding the weights a worker uploaded");
ABSL_FLAG(std::string, architecture, "",
          "the individual's canonical architecture text; the checkpoint must hold it");
ABSL_FLAG(std::string, out, "", "the TorchScript file to write");
ABSL_FLAG(std::string, data_description, "",
          "optional: a file holding the search's nas.v1.DataDescription in text format; the "
          "module then normalises its input per channel and carries class_names");

namespace nas {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read --", flag, " ", path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

absl::StatusOr<v1::DataDescription> ReadDataDescription(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string text, ReadFile("data_description", path));
  v1::DataDescription data;
  if (!google::protobuf::TextFormat::ParseFromString(text, &data)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--data_description ", path, " is not a nas.v1.DataDescription"));
  }
  return data;
}

absl::StatusOr<ExportSummary> Export(const std::string& checkpoint_path,
                                     const std::string& architecture, const std::string& out,
                                     const std::string& data_path) {
  if (checkpoint_path.empty() || architecture.empty() || out.empty()) {
    return absl::InvalidArgumentError("--checkpoint, --architecture and --out are required");
  }
  ASSIGN_OR_RETURN(const std::string checkpoint, ReadFile("checkpoint", checkpoint_path));
  ASSIGN_OR_RETURN(ExportedNetwork exported, ExportCheckpoint(architecture, checkpoint));
  if (!data_path.empty()) {
    ASSIGN_OR_RETURN(const v1::DataDescription data, ReadDataDescription(data_path));
    ASSIGN_OR_RETURN(exported.module,
                     EmbedDataDescription(std::move(exported.module), data, exported.in_channels,
                                          exported.num_classes));
  }
  RETURN_IF_ERROR(SaveTorchScript(exported.module, out));
  return ExportSummary{exported.kind, exported.in_channels, exported.num_classes};
}

}  // namespace
}  // namespace nas

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "writes the network a checkpoint holds as TorchScript (load it with torch.jit.load).\n\n"
      "usage: nas_export --checkpoint=FILE --architecture=TEXT --out=FILE "
      "[--data_description=FILE]\n\n"
      "Prints 'kind=K in_channels=C num_classes=N'; on failure exits with the error's "
      "absl::StatusCode.");
  absl::ParseCommandLine(argc, argv);
  const absl::StatusOr<nas::ExportSummary> summary =
      nas::Export(absl::GetFlag(FLAGS_checkpoint), absl::GetFlag(FLAGS_architecture),
                  absl::GetFlag(FLAGS_out), absl::GetFlag(FLAGS_data_description));
  if (!summary.ok()) {
    std::cerr << summary.status().message() << std::endl;
    return static_cast<int>(summary.status().code());
  }
  std::cout << nas::FormatExportSummary(*summary);
  return 0;
}
