#include "controller/http/static_files.h"

namespace nas {

std::optional<HttpAnswer> ServeDashboardFile(const std::string& path) {
  const std::string wanted = path == "/" ? "/index.html" : path;
  for (const StaticFile& file : DashboardFiles()) {
    if (file.path == wanted) return HttpAnswer{200, file.content_type, file.content};
  }
  return std::nullopt;
}

}  // namespace nas
