// The controller's gRPC surface, in process, over loopback and a real
// PostgreSQL: validation, errors, pagination.
#include "controller/server.h"

#include "common/rpc/sha256.h"
#include "common/status/grpc_status.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "proto/search_service.grpc.pb.h"
#include "proto/worker_service.grpc.pb.h"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

class ControllerServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ControllerServer::Options options;
    options.listen_address = "127.0.0.1:0";
    options.database_dsn = db_.dsn();
    auto server = ControllerServer::BuildAndStart(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                       grpc::InsecureChannelCredentials());
    searches_ = v1::SearchService::NewStub(channel);
    workers_ = v1::WorkerService::NewStub(channel);
  }

  static v1::SearchSpec Spec() {
    v1::SearchSpec spec;
    google::protobuf::TextFormat::ParseFromString(R"pb(
      space { nasbench201 {} }
      strategy { aging_evolution { population_size: 5 sample_size: 2 } }
      budget: 20
      table_lookup { table_path: "t.csv" cell_column: "arch" fitness_column: "acc" }
    )pb", &spec);
    return spec;
  }

  absl::StatusOr<v1::Search> Create(const v1::SearchSpec& spec) {
    grpc::ClientContext context;
    v1::CreateSearchRequest request;
    *request.mutable_spec() = spec;
    v1::Search search;
    absl::Status status = FromGrpcStatus(searches_->CreateSearch(&context, request, &search));
    if (!status.ok()) return status;
    return search;
  }

  int CountSearches() {
    grpc::ClientContext context;
    v1::ListSearchesResponse response;
    EXPECT_TRUE(searches_->ListSearches(&context, {}, &response).ok());
    return response.searches_size();
  }

  testing::TestDatabase db_;
  std::unique_ptr<ControllerServer> server_;
  std::unique_ptr<v1::SearchService::Stub> searches_;
  std::unique_ptr<v1::WorkerService::Stub> workers_;
};

TEST_F(ControllerServerTest, BadSpecIsRejectedNamingTheFieldAndStoresNothing) {
  v1::SearchSpec spec = Spec();
  spec.mutable_strategy()->mutable_aging_evolution()->set_population_size(50);
  auto search = Create(spec);
  EXPECT_EQ(search.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(search.status().message(),
              HasSubstr("spec.strategy.aging_evolution.population_size: 50 must not "
                        "exceed budget (20)"));
  EXPECT_EQ(CountSearches(), 0);
  ASSERT_TRUE(Create(Spec()).ok());
  EXPECT_EQ(CountSearches(), 1);
}

TEST_F(ControllerServerTest, CreatedSearchStoresNormalisedSpecAndQueuesPopulation) {
  auto search = Create(Spec());
  ASSERT_TRUE(search.ok()) << search.status();
  EXPECT_EQ(search->state(), v1::SEARCH_RUNNING);
  EXPECT_EQ(search->spec().lease_seconds(), 60);
  EXPECT_EQ(search->spec().max_attempts(), 3);
  EXPECT_EQ(search->jobs_in_flight(), 5);
}

TEST_F(ControllerServerTest, IndividualsArePaginatedInBirthOrder) {
  auto search = Create(Spec());
  ASSERT_TRUE(search.ok());
  std::vector<int> births;
  std::string token;
  int pages = 0;
  do {
    grpc::ClientContext context;
    v1::ListIndividualsRequest request;
    request.set_search_id(search->id());
    request.set_page_size(2);
    request.set_page_token(token);
    v1::ListIndividualsResponse response;
    ASSERT_TRUE(searches_->ListIndividuals(&context, request, &response).ok());
    for (const auto& i : response.individuals()) births.push_back(i.birth_order());
    token = response.next_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(births, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST_F(ControllerServerTest, ErrorsUseCodesThatTellTheCallerWhatToDo) {
  grpc::ClientContext c1;
  v1::GetSearchRequest get;
  get.set_search_id(999);
  v1::Search search;
  EXPECT_EQ(searches_->GetSearch(&c1, get, &search).error_code(), grpc::NOT_FOUND);

  grpc::ClientContext c2;
  get.set_search_id(0);
  grpc::Status zero = searches_->GetSearch(&c2, get, &search);
  EXPECT_EQ(zero.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(zero.error_message(), HasSubstr("search_id"));

  grpc::ClientContext c3;
  v1::ListSearchesRequest list;
  list.set_page_token("not-a-token");
  v1::ListSearchesResponse response;
  grpc::Status bad_token = searches_->ListSearches(&c3, list, &response);
  EXPECT_EQ(bad_token.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(bad_token.error_message(), HasSubstr("page_token"));

  grpc::ClientContext c4;
  v1::LeaseJobRequest lease;
  lease.mutable_worker()->set_worker_id("w");
  v1::LeaseJobResponse leased;
  grpc::Status no_kinds = workers_->LeaseJob(&c4, lease, &leased);
  EXPECT_EQ(no_kinds.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(no_kinds.error_message(), HasSubstr("worker.job_kinds"));

  auto created = Create(Spec());
  ASSERT_TRUE(created.ok());
  grpc::ClientContext c5;
  v1::GetBestIndividualRequest best;
  best.set_search_id(created->id());
  v1::Individual individual;
  EXPECT_EQ(searches_->GetBestIndividual(&c5, best, &individual).error_code(),
            grpc::NOT_FOUND);
}

TEST_F(ControllerServerTest, WorkerOnlyGetsJobsOfKindsItDeclares) {
  ASSERT_TRUE(Create(Spec()).ok());
  grpc::ClientContext c1;
  v1::LeaseJobRequest lease;
  lease.mutable_worker()->set_worker_id("trainer");
  lease.mutable_worker()->add_job_kinds(v1::TRAIN_CANDIDATE);
  v1::LeaseJobResponse response;
  ASSERT_TRUE(workers_->LeaseJob(&c1, lease, &response).ok());
  EXPECT_FALSE(response.has_job());
  EXPECT_GT(response.retry_after_ms(), 0);

  grpc::ClientContext c2;
  lease.mutable_worker()->add_job_kinds(v1::TABLE_LOOKUP);
  ASSERT_TRUE(workers_->LeaseJob(&c2, lease, &response).ok());
  ASSERT_TRUE(response.has_job());
  EXPECT_EQ(response.job().kind(), v1::TABLE_LOOKUP);
  EXPECT_EQ(response.job().attempt(), 1);
  EXPECT_FALSE(response.job().architecture().text().empty());
}

// Job logs go in with Heartbeat and come out with ListJobLogs; ListWorkers
// shows the worker holding the job. Bad input is refused naming the field.
TEST_F(ControllerServerTest, JobLogsAndWorkersOverGrpc) {
  auto created = Create(Spec());
  ASSERT_TRUE(created.ok());
  grpc::ClientContext c1;
  v1::LeaseJobRequest lease;
  lease.mutable_worker()->set_worker_id("w");
  lease.mutable_worker()->set_device("cpu");
  lease.mutable_worker()->set_device_model("Test CPU");
  lease.mutable_worker()->add_job_kinds(v1::TABLE_LOOKUP);
  v1::LeaseJobResponse leased;
  ASSERT_TRUE(workers_->LeaseJob(&c1, lease, &leased).ok());
  ASSERT_TRUE(leased.has_job());

  v1::HeartbeatRequest hb;
  hb.set_worker_id("w");
  hb.set_job_id(leased.job().job_id());
  hb.set_attempt(leased.job().attempt());
  for (int i = 0; i < 201; ++i) hb.add_log_lines(absl::StrCat("line ", i));
  v1::HeartbeatResponse beat;
  grpc::ClientContext c2;
  grpc::Status too_many = workers_->Heartbeat(&c2, hb, &beat);
  EXPECT_EQ(too_many.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(too_many.error_message(), HasSubstr("log_lines: 201 lines, at most 200"));
  hb.mutable_log_lines()->DeleteSubrange(2, 199);
  grpc::ClientContext c3;
  ASSERT_TRUE(workers_->Heartbeat(&c3, hb, &beat).ok());

  auto list_logs = [&](int64_t search_id, int64_t individual_id, int skip) {
    grpc::ClientContext context;
    v1::ListJobLogsRequest request;
    request.set_search_id(search_id);
    request.set_individual_id(individual_id);
    request.set_skip(skip);
    v1::ListJobLogsResponse response;
    grpc::Status status = searches_->ListJobLogs(&context, request, &response);
    return std::make_pair(status, response);
  };
  auto [ok, logs] = list_logs(created->id(), 0, 0);
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  ASSERT_EQ(logs.lines_size(), 2);
  EXPECT_EQ(logs.lines(1).text(), "line 1");
  EXPECT_EQ(logs.lines(1).individual_id(), leased.job().individual_id());
  EXPECT_EQ(list_logs(created->id(), leased.job().individual_id(), 1).second.lines_size(), 1);
  EXPECT_THAT(list_logs(0, 0, 0).first.error_message(), HasSubstr("search_id: must be > 0"));
  EXPECT_THAT(list_logs(created->id(), 0, -1).first.error_message(),
              HasSubstr("skip: must be >= 0"));
  EXPECT_THAT(list_logs(created->id(), -1, 0).first.error_message(),
              HasSubstr("individual_id: must be >= 0"));
  EXPECT_EQ(list_logs(created->id(), 0, -1).first.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(list_logs(created->id() + 1, 0, 0).first.error_code(), grpc::NOT_FOUND);
  auto other = Create(Spec());
  ASSERT_TRUE(other.ok());
  grpc::Status elsewhere = list_logs(other->id(), leased.job().individual_id(), 0).first;
  EXPECT_EQ(elsewhere.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(elsewhere.error_message(), HasSubstr("is not an individual of search"));

  auto list_workers = [&](int seen_within_seconds) {
    grpc::ClientContext context;
    v1::ListWorkersRequest request;
    request.set_seen_within_seconds(seen_within_seconds);
    v1::ListWorkersResponse response;
    grpc::Status status = searches_->ListWorkers(&context, request, &response);
    return std::make_pair(status, response);
  };
  auto [listed, workers] = list_workers(0);
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  ASSERT_EQ(workers.workers_size(), 1);
  EXPECT_EQ(workers.workers(0).device(), "cpu");
  EXPECT_EQ(workers.workers(0).device_model(), "Test CPU");
  EXPECT_EQ(workers.workers(0).slots(), 1);
  ASSERT_EQ(workers.workers(0).jobs_size(), 1);
  EXPECT_EQ(workers.workers(0).jobs(0).job_id(), leased.job().job_id());
  for (int bad : {-1, 2592001}) {
    grpc::Status refused = list_workers(bad).first;
    EXPECT_EQ(refused.error_code(), grpc::INVALID_ARGUMENT);
    EXPECT_THAT(refused.error_message(), HasSubstr("seen_within_seconds: "));
  }
  EXPECT_TRUE(list_workers(2592000).first.ok());
}

// A realistic network's weights (tens of MB) cross gRPC both ways in chunks,
// far past the per-message limit, and come back bit-identical.
TEST_F(ControllerServerTest, LargeCheckpointStreamsBothWaysInChunks) {
  std::string bytes(40 << 20, '\0');
  uint32_t x = 12345;
  for (char& c : bytes) c = static_cast<char>(x = x * 1664525u + 1013904223u);
  v1::UploadCheckpointResponse uploaded;
  {
    grpc::ClientContext context;
    auto writer = workers_->UploadCheckpoint(&context, &uploaded);
    for (size_t offset = 0; offset < bytes.size(); offset += 1 << 20) {
      v1::CheckpointChunk chunk;
      chunk.set_data(bytes.substr(offset, 1 << 20));
      ASSERT_TRUE(writer->Write(chunk));
    }
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
  }
  EXPECT_EQ(uploaded.size_bytes(), static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(uploaded.digest(), Sha256Digest(bytes));

  grpc::ClientContext context;
  v1::DownloadCheckpointRequest request;
  request.set_digest(uploaded.digest());
  auto reader = workers_->DownloadCheckpoint(&context, request);
  std::string back;
  v1::CheckpointChunk chunk;
  int chunks = 0;
  while (reader->Read(&chunk)) {
    back += chunk.data();
    ++chunks;
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(chunks, 40);
  EXPECT_TRUE(back == bytes);

  // A chunk over 1 MiB is refused.
  grpc::ClientContext big_context;
  v1::UploadCheckpointResponse refused;
  auto writer = workers_->UploadCheckpoint(&big_context, &refused);
  v1::CheckpointChunk big;
  big.set_data(std::string((1 << 20) + 1, 'x'));
  writer->Write(big);
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("at most 1048576 bytes"));
}

}  // namespace
}  // namespace nas
