#include "tests/export/python_check.h"

#include <fstream>

#include "absl/strings/str_cat.h"

namespace nas::testing {

absl::Status WriteReferenceIo(const std::string& path, const torch::Tensor& input,
                              const torch::Tensor& output) {
  c10::Dict<std::string, torch::Tensor> io;
  io.insert("input", input.detach().to(torch::kCPU).contiguous());
  io.insert("output", output.detach().to(torch::kCPU).contiguous());
  // pickle_save writes the format torch.load reads.
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(io));
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

CommandResult RunPythonCheck(const std::string& script,
                             const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string command = absl::StrCat("/usr/bin/python3 '", script, "'");
  for (const auto& p : pairs) absl::StrAppend(&command, " '", p.first, "' '", p.second, "'");
  return RunCommand(command);
}

}  // namespace nas::testing
