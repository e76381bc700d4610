// A client reaching the controller by an address its certificate does not
// name (kubectl port-forward to 127.0.0.1, a pod IP) names the certificate
// with ChannelOptions.tls_server_name (nasctl and nas_worker --tls_server_name).
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/rpc/channel.h"
#include "controller/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/search_service.grpc.pb.h"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

constexpr char kServiceName[] = "nas-controller.nas.svc";

std::string Dir() { return std::getenv("TEST_TMPDIR"); }

class TlsServerNameTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Names only the in-cluster Service, not the loopback address we dial.
    const std::string cmd =
        absl::StrCat("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=", kServiceName,
                     " -addext subjectAltName=DNS:", kServiceName, " -keyout ", Dir(),
                     "/server.key -out ", Dir(), "/server.pem 2>/dev/null");
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl failed";
  }

  void SetUp() override {
    ControllerServer::Options options;
    options.listen_address = "127.0.0.1:0";
    options.database_dsn = db_.dsn();
    options.tls_cert_file = Dir() + "/server.pem";
    options.tls_key_file = Dir() + "/server.key";
    auto server = ControllerServer::BuildAndStart(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  grpc::Status ListSearches(const std::string& server_name) {
    ChannelOptions o;
    o.target = absl::StrCat("127.0.0.1:", server_->port());
    o.tls_ca_file = Dir() + "/server.pem";
    o.tls_server_name = server_name;
    auto channel = MakeChannel(o);
    EXPECT_TRUE(channel.ok()) << channel.status();
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::ListSearchesResponse response;
    return v1::SearchService::NewStub(*channel)->ListSearches(&context, {}, &response);
  }

  testing::TestDatabase db_;
  std::unique_ptr<ControllerServer> server_;
};

TEST_F(TlsServerNameTest, TheCertificatesNameMakesALoopbackAddressVerify) {
  EXPECT_EQ(ListSearches("").error_code(), grpc::UNAVAILABLE) << "127.0.0.1 is not in the cert";
  EXPECT_TRUE(ListSearches(kServiceName).ok());
  EXPECT_EQ(ListSearches("someone-else.example").error_code(), grpc::UNAVAILABLE);
}

TEST(TlsServerNameOptionTest, RequiresTls) {
  ChannelOptions o;
  o.target = "127.0.0.1:1";
  o.tls_server_name = kServiceName;
  const auto channel = MakeChannel(o);
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(channel.status().message(), HasSubstr("tls_server_name"));
}

}  // namespace
}  // namespace nas
