#include "controller/service/auth.h"

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace nas {
namespace {

constexpr size_t kMinTokenLength = 16;

absl::StatusOr<std::vector<std::string>> ReadTokens(const std::string& path,
                                                    const char* flag) {
  std::vector<std::string> tokens;
  if (path.empty()) return tokens;
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(flag, ": cannot read ", path));
  std::string line;
  while (std::getline(in, line)) {
    const std::string token(absl::StripAsciiWhitespace(line));
    if (token.empty() || token[0] == '#') continue;
    if (token.size() < kMinTokenLength) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, ": tokens must have at least ", kMinTokenLength, " characters"));
    }
    tokens.push_back(token);
  }
  return tokens;
}

// Compares every byte regardless of where the first difference is, so the
// time taken does not reveal how much of a guess was right.
bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

bool Contains(const std::vector<std::string>& tokens, const std::string& token) {
  bool found = false;
  for (const std::string& t : tokens) found |= ConstantTimeEquals(t, token);
  return found;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::FromFiles(
    const std::string& worker_tokens_file, const std::string& client_tokens_file) {
  auto authorizer = std::make_unique<Authorizer>();
  auto workers = ReadTokens(worker_tokens_file, "--worker_tokens_file");
  if (!workers.ok()) return workers.status();
  auto clients = ReadTokens(client_tokens_file, "--client_tokens_file");
  if (!clients.ok()) return clients.status();
  authorizer->worker_tokens_ = *std::move(workers);
  authorizer->client_tokens_ = *std::move(clients);
  return authorizer;
}

absl::Status Authorizer::Check(const grpc::ServerContext& context, Role role) const {
  if (!enabled()) return absl::OkStatus();
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return absl::UnauthenticatedError(
        "authorization: missing; send 'authorization: Bearer <token>' metadata");
  }
  const std::string value(it->second.data(), it->second.size());
  if (!absl::StartsWith(value, "Bearer ")) {
    return absl::UnauthenticatedError("authorization: must be 'Bearer <token>'");
  }
  const std::string token = value.substr(7);
  const bool worker = Contains(worker_tokens_, token);
  const bool client = Contains(client_tokens_, token);
  if (!worker && !client) return absl::UnauthenticatedError("authorization: unknown token");
  if (role == Role::kWorker && !worker) {
    return absl::PermissionDeniedError(
        "authorization: a client token may not call WorkerService");
  }
  if (role == Role::kClient && !client) {
    return absl::PermissionDeniedError(
        "authorization: a worker token may not call SearchService");
  }
  return absl::OkStatus();
}

}  // namespace nas
