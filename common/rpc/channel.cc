#include "common/rpc/channel.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace nas {

absl::StatusOr<std::string> ReadSecretFile(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(what, ": cannot read ", path));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options) {
  // Several addresses: an ipv4: target, which gRPC's default pick_first
  // policy fails over between.
  const std::string target = options.target.find(',') == std::string::npos
                                 ? options.target
                                 : "ipv4:" + options.target;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_message_bytes);
  args.SetMaxSendMessageSize(options.max_message_bytes);

  if (options.tls_ca_file.empty()) {
    if (!options.token_file.empty()) {
      return absl::InvalidArgumentError(
          "token_file: a bearer token requires TLS (set the TLS CA file); it is never "
          "sent in plaintext");
    }
    if (!options.tls_server_name.empty()) {
      return absl::InvalidArgumentError(
          "tls_server_name: names the server's TLS certificate, so it requires TLS (set the TLS "
          "CA file)");
    }
    return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  }
  if (!options.tls_server_name.empty()) args.SetSslTargetNameOverride(options.tls_server_name);
  grpc::SslCredentialsOptions ssl;
  auto ca = ReadSecretFile(options.tls_ca_file, "tls_ca_file");
  if (!ca.ok()) return ca.status();
  ssl.pem_root_certs = *ca;
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    auto cert = ReadSecretFile(options.tls_cert_file, "tls_cert_file");
    if (!cert.ok()) return cert.status();
    auto key = ReadSecretFile(options.tls_key_file, "tls_key_file");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *cert;
    ssl.pem_private_key = *key;
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::SslCredentials(ssl);
  if (!options.token_file.empty()) {
    auto token = ReadSecretFile(options.token_file, "token_file");
    if (!token.ok()) return token.status();
    credentials = grpc::CompositeChannelCredentials(
        credentials,
        grpc::AccessTokenCredentials(std::string(absl::StripAsciiWhitespace(*token))));
  }
  return grpc::CreateCustomChannel(target, credentials, args);
}

}  // namespace nas
