// TLS, mutual TLS and bearer-token roles on a real controller over loopback.
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/rpc/channel.h"
#include "controller/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/search_service.grpc.pb.h"
#include "proto/worker_service.grpc.pb.h"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

constexpr char kWorkerToken[] = "worker-token-0123456789abcdef";
constexpr char kClientToken[] = "client-token-0123456789abcdef";

std::string Dir() { return std::getenv("TEST_TMPDIR"); }

std::string Write(const std::string& name, const std::string& content) {
  const std::string path = Dir() + "/" + name;
  std::ofstream(path) << content;
  return path;
}

// A self-signed certificate for 127.0.0.1, made with the openssl CLI.
void MakeCertificate(const std::string& stem) {
  const std::string cmd = absl::StrCat(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout ",
      Dir(), "/", stem, ".key -out ", Dir(), "/", stem, ".pem 2>/dev/null");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl failed";
}

class AuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    MakeCertificate("server");
    MakeCertificate("client");
    MakeCertificate("stranger");
  }

  void Start(bool mutual_tls) {
    ControllerServer::Options options;
    options.listen_address = "127.0.0.1:0";
    options.database_dsn = db_.dsn();
    options.tls_cert_file = Dir() + "/server.pem";
    options.tls_key_file = Dir() + "/server.key";
    if (mutual_tls) options.tls_client_ca_file = Dir() + "/client.pem";
    options.worker_tokens_file =
        Write("worker_tokens", absl::StrCat("# workers\n", kWorkerToken, "\n"));
    options.client_tokens_file = Write("client_tokens", absl::StrCat(kClientToken, "\n"));
    auto server = ControllerServer::BuildAndStart(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::shared_ptr<grpc::Channel> Channel(const std::string& token, bool tls = true,
                                         const std::string& client_cert = "") {
    ChannelOptions o;
    o.target = absl::StrCat("127.0.0.1:", server_->port());
    if (tls) o.tls_ca_file = Dir() + "/server.pem";
    if (!token.empty()) o.token_file = Write("token_" + token, token);
    if (!client_cert.empty()) {
      o.tls_cert_file = Dir() + "/" + client_cert + ".pem";
      o.tls_key_file = Dir() + "/" + client_cert + ".key";
    }
    auto channel = MakeChannel(o);
    EXPECT_TRUE(channel.ok()) << channel.status();
    return *channel;
  }

  static grpc::Status ListSearches(const std::shared_ptr<grpc::Channel>& channel) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::ListSearchesResponse response;
    return v1::SearchService::NewStub(channel)->ListSearches(&context, {}, &response);
  }

  static grpc::Status Lease(const std::shared_ptr<grpc::Channel>& channel) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::LeaseJobRequest request;
    request.mutable_worker()->set_worker_id("w");
    request.mutable_worker()->add_job_kinds(v1::TABLE_LOOKUP);
    v1::LeaseJobResponse response;
    return v1::WorkerService::NewStub(channel)->LeaseJob(&context, request, &response);
  }

  testing::TestDatabase db_;
  std::unique_ptr<ControllerServer> server_;
};

TEST_F(AuthTest, EachRoleMayDoItsOwnWorkOnly) {
  Start(/*mutual_tls=*/false);
  EXPECT_TRUE(ListSearches(Channel(kClientToken)).ok());
  EXPECT_TRUE(Lease(Channel(kWorkerToken)).ok());

  const grpc::Status worker_reads = ListSearches(Channel(kWorkerToken));
  EXPECT_EQ(worker_reads.error_code(), grpc::PERMISSION_DENIED);
  EXPECT_THAT(worker_reads.error_message(), HasSubstr("worker token may not call SearchService"));
  const grpc::Status client_leases = Lease(Channel(kClientToken));
  EXPECT_EQ(client_leases.error_code(), grpc::PERMISSION_DENIED);
  EXPECT_THAT(client_leases.error_message(), HasSubstr("client token may not call WorkerService"));
}

TEST_F(AuthTest, MissingOrUnknownTokenIsUnauthenticated) {
  Start(/*mutual_tls=*/false);
  EXPECT_EQ(ListSearches(Channel("")).error_code(), grpc::UNAUTHENTICATED);
  EXPECT_EQ(Lease(Channel("")).error_code(), grpc::UNAUTHENTICATED);
  EXPECT_EQ(ListSearches(Channel("not-a-known-token-at-all")).error_code(), grpc::UNAUTHENTICATED);
}

TEST_F(AuthTest, PlaintextClientCannotTalkToTlsServer) {
  Start(/*mutual_tls=*/false);
  EXPECT_EQ(ListSearches(Channel("", /*tls=*/false)).error_code(), grpc::UNAVAILABLE);
}

TEST_F(AuthTest, TokenIsNeverSentInPlaintext) {
  ChannelOptions o;
  o.target = "127.0.0.1:1";
  o.token_file = Write("t", kClientToken);
  EXPECT_THAT(MakeChannel(o).status().message(), HasSubstr("requires TLS"));
}

TEST_F(AuthTest, MutualTlsRequiresATrustedClientCertificate) {
  Start(/*mutual_tls=*/true);
  EXPECT_TRUE(Lease(Channel(kWorkerToken, true, "client")).ok());
  EXPECT_EQ(Lease(Channel(kWorkerToken, true, "")).error_code(), grpc::UNAVAILABLE);
  EXPECT_EQ(Lease(Channel(kWorkerToken, true, "stranger")).error_code(), grpc::UNAVAILABLE);
}

TEST_F(AuthTest, ShortTokensAreRefusedAtStart) {
  ControllerServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.database_dsn = db_.dsn();
  options.worker_tokens_file = Write("short", "abc\n");
  auto server = ControllerServer::BuildAndStart(options);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr("at least 16 characters"));
}

// Each malformed line stops the start, naming the flag, the line and the
// rule, and never quoting the token.
TEST_F(AuthTest, MalformedTokenLinesAreRefusedAtStart) {
  struct Case {
    std::string worker_line;
    std::string client_line;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", "client-token-0123456789 alice admin extra",
       "--client_tokens_file: line 2: has 4 fields; a line is TOKEN [PRINCIPAL [admin]]"},
      {"", "client-token-0123456789 al/ice",
       "--client_tokens_file: line 2: principal 'al/ice' must be 1..64 of A-Z a-z 0-9 . _ @ -"},
      {"", absl::StrCat("client-token-0123456789 ", std::string(65, 'a')), "must be 1..64 of"},
      {"", "client-token-0123456789 alice root",
       "--client_tokens_file: line 2: role 'root' is not 'admin'"},
      {"worker-token-0123456789 w1 admin", "",
       "--worker_tokens_file: line 2: the admin role applies to client tokens only"},
      {"", "short alice", "--client_tokens_file: line 2: tokens must have at least 16"},
  };
  for (const Case& c : cases) {
    ControllerServer::Options options;
    options.listen_address = "127.0.0.1:0";
    options.database_dsn = db_.dsn();
    options.worker_tokens_file = Write("workers", absl::StrCat("# workers\n", c.worker_line));
    options.client_tokens_file = Write("clients", absl::StrCat("\n", c.client_line));
    auto server = ControllerServer::BuildAndStart(options);
    EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(server.status().message(), HasSubstr(c.message));
    EXPECT_THAT(server.status().message(), ::testing::Not(HasSubstr("0123456789")));
  }
}

}  // namespace
}  // namespace nas
