#include "controller/service/auth.h"

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/rpc/sha256.h"

namespace nas {
namespace {

constexpr size_t kMinTokenLength = 16;
constexpr size_t kMaxPrincipalLength = 64;

// A name that is safe to print, log and compare: no spaces, no controls.
bool ValidPrincipal(absl::string_view principal) {
  if (principal.empty() || principal.size() > kMaxPrincipalLength) return false;
  for (char c : principal) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '@' && c != '-') return false;
  }
  return true;
}

// A principal for a token line that names none. Derived from the token, not
// from the line's position, so that editing the file keeps every owner.
std::string DerivedPrincipal(const std::string& token) {
  // Sha256Digest is "sha256:<hex>"; 12 hex digits are 48 bits, enough to
  // keep a handful of tokens apart and too few to help guess one.
  return absl::StrCat("token-", Sha256Digest(token).substr(7, 12));
}

// Parses one non-comment line; `where` is "--flag: line N" for errors, which
// never quote the token.
absl::StatusOr<Authorizer::Token> ParseLine(absl::string_view line, Role role,
                                            const std::string& where) {
  const std::vector<std::string> fields =
      absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (fields.size() > 3) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": has ", fields.size(),
                                                   " fields; a line is TOKEN [PRINCIPAL [admin]]"));
  }
  Authorizer::Token token;
  token.token = fields[0];
  if (token.token.size() < kMinTokenLength) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": tokens must have at least ", kMinTokenLength, " characters"));
  }
  token.caller.principal = fields.size() > 1 ? fields[1] : DerivedPrincipal(token.token);
  if (!ValidPrincipal(token.caller.principal)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": principal '", absl::CEscape(token.caller.principal), "' must be 1..",
                     kMaxPrincipalLength, " of A-Z a-z 0-9 . _ @ -"));
  }
  if (fields.size() == 3) {
    if (fields[2] != "admin") {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": role '", absl::CEscape(fields[2]), "' is not 'admin'"));
    }
    if (role != Role::kClient) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": the admin role applies to client tokens only"));
    }
    token.caller.admin = true;
  }
  return token;
}

absl::StatusOr<std::vector<Authorizer::Token>> ReadTokens(const std::string& path, Role role,
                                                          const char* flag) {
  std::vector<Authorizer::Token> tokens;
  if (path.empty()) return tokens;
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(flag, ": cannot read ", path));
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    auto token = ParseLine(text, role, absl::StrCat(flag, ": line ", number));
    if (!token.ok()) return token.status();
    tokens.push_back(*std::move(token));
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

// Looks at every token, so the time taken does not reveal which matched.
const Authorizer::Token* Find(const std::vector<Authorizer::Token>& tokens,
                              const std::string& token) {
  const Authorizer::Token* found = nullptr;
  for (const Authorizer::Token& t : tokens) {
    if (ConstantTimeEquals(t.token, token) && found == nullptr) found = &t;
  }
  return found;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::FromFiles(
    const std::string& worker_tokens_file, const std::string& client_tokens_file) {
  auto authorizer = std::make_unique<Authorizer>();
  auto workers = ReadTokens(worker_tokens_file, Role::kWorker, "--worker_tokens_file");
  if (!workers.ok()) return workers.status();
  auto clients = ReadTokens(client_tokens_file, Role::kClient, "--client_tokens_file");
  if (!clients.ok()) return clients.status();
  authorizer->worker_tokens_ = *std::move(workers);
  authorizer->client_tokens_ = *std::move(clients);
  return authorizer;
}

absl::StatusOr<Caller> Authorizer::Authorize(const grpc::ServerContext& context, Role role) const {
  if (!enabled()) return Caller{"", /*admin=*/true};
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
  const Token* worker = Find(worker_tokens_, token);
  const Token* client = Find(client_tokens_, token);
  if (worker == nullptr && client == nullptr) {
    return absl::UnauthenticatedError("authorization: unknown token");
  }
  if (role == Role::kWorker) {
    if (worker == nullptr) {
      return absl::PermissionDeniedError(
          "authorization: a client token may not call WorkerService");
    }
    return worker->caller;
  }
  if (client == nullptr) {
    return absl::PermissionDeniedError("authorization: a worker token may not call SearchService");
  }
  return client->caller;
}

}  // namespace nas
