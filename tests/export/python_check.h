// The C++ half of the Python export check (tests/export/check_export.py):
// writes a batch and the outputs a network computes on it in a file that
// Python's torch.load reads, and runs the script under /usr/bin/python3 (or
// other commands, such as nasctl).
#ifndef NAS_TESTS_EXPORT_PYTHON_CHECK_H_
#define NAS_TESTS_EXPORT_PYTHON_CHECK_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "tests/testing/child_process.h"
#include "torch/torch.h"

namespace nas::testing {

// Writes {"input": input, "output": output} (CPU copies) to `path`.
// UNAVAILABLE if the file cannot be written.
absl::Status WriteReferenceIo(const std::string& path, const torch::Tensor& input,
                              const torch::Tensor& output);

// Runs /usr/bin/python3 `script` (check_export.py's path) on (model,
// reference) path pairs. Exit status 0 = every model reproduced its reference.
CommandResult RunPythonCheck(const std::string& script,
                             const std::vector<std::pair<std::string, std::string>>& pairs);

}  // namespace nas::testing

#endif  // NAS_TESTS_EXPORT_PYTHON_CHECK_H_
