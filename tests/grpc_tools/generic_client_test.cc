// A generic gRPC client that has none of this project's files (only the
// standard health and reflection protocols) can check the controller's health,
// list its services and fetch their schemas.
#include <set>

#include "google/protobuf/descriptor.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/grpc_tools/health.grpc.pb.h"
#include "tests/grpc_tools/reflection.grpc.pb.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

namespace health = ::grpc::health::v1;
namespace reflection = ::grpc::reflection::v1alpha;

// The controller runs as its own process: this one links the standard
// protocols' definitions, as a generic tool would.
class GenericClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(cluster_.StartController());
    channel_ = grpc::CreateChannel(cluster_.controller_address(0),
                                   grpc::InsecureChannelCredentials());
  }

  health::HealthCheckResponse::ServingStatus Health(const std::string& service) {
    grpc::ClientContext context;
    health::HealthCheckRequest request;
    request.set_service(service);
    health::HealthCheckResponse response;
    const grpc::Status status =
        health::Health::NewStub(channel_)->Check(&context, request, &response);
    return status.ok() ? response.status() : health::HealthCheckResponse::SERVICE_UNKNOWN;
  }

  reflection::ServerReflectionResponse Reflect(const reflection::ServerReflectionRequest& r) {
    grpc::ClientContext context;
    auto stream = reflection::ServerReflection::NewStub(channel_)->ServerReflectionInfo(&context);
    EXPECT_TRUE(stream->Write(r));
    stream->WritesDone();
    reflection::ServerReflectionResponse response;
    EXPECT_TRUE(stream->Read(&response));
    EXPECT_TRUE(stream->Finish().ok());
    return response;
  }

  testing::LocalCluster cluster_{"generic_client"};
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(GenericClientTest, HealthReportsEachService) {
  EXPECT_EQ(Health(""), health::HealthCheckResponse::SERVING);
  EXPECT_EQ(Health("nas.v1.SearchService"), health::HealthCheckResponse::SERVING);
  EXPECT_EQ(Health("nas.v1.WorkerService"), health::HealthCheckResponse::SERVING);
  EXPECT_EQ(Health("no.such.Service"), health::HealthCheckResponse::SERVICE_UNKNOWN);
}

TEST_F(GenericClientTest, ReflectionListsServicesAndServesTheirSchemas) {
  reflection::ServerReflectionRequest list;
  list.set_list_services("");
  const reflection::ServerReflectionResponse listed = Reflect(list);
  std::set<std::string> services;
  for (const auto& s : listed.list_services_response().service()) services.insert(s.name());
  EXPECT_TRUE(services.count("nas.v1.SearchService"));
  EXPECT_TRUE(services.count("nas.v1.WorkerService"));
  EXPECT_TRUE(services.count("grpc.health.v1.Health"));

  reflection::ServerReflectionRequest symbol;
  symbol.set_file_containing_symbol("nas.v1.SearchService");
  const auto response = Reflect(symbol);
  ASSERT_GT(response.file_descriptor_response().file_descriptor_proto_size(), 0);
  bool found = false;
  for (const std::string& bytes : response.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(file.ParseFromString(bytes));
    for (const auto& service : file.service()) {
      if (service.name() != "SearchService") continue;
      found = true;
      std::set<std::string> methods;
      for (const auto& m : service.method()) methods.insert(m.name());
      EXPECT_TRUE(methods.count("CreateSearch"));
      EXPECT_TRUE(methods.count("GetBestIndividual"));
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace nas
