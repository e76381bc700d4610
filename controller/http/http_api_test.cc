// The JSON API on a real controller over loopback HTTP(S) and a real
// PostgreSQL: the same answers, errors, tokens and TLS as the gRPC API, and
// the dashboard's files.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "controller/server.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "proto/search_service.grpc.pb.h"
#include "proto/worker_service.grpc.pb.h"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

using google::protobuf::util::JsonStringToMessage;
using google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

constexpr char kWorkerToken[] = "worker-token-0123456789abcdef";
constexpr char kClientToken[] = "client-token-0123456789abcdef";
constexpr char kOtherClientToken[] = "other-client-token-0123456789";

std::string Dir() { return std::getenv("TEST_TMPDIR"); }

std::string Write(const std::string& name, const std::string& content) {
  const std::string path = Dir() + "/" + name;
  std::ofstream(path) << content;
  return path;
}

constexpr char kSpecJson[] = R"json({
  "spec": {
    "space": {"nasbench201": {}},
    "strategy": {"agingEvolution": {"populationSize": 5, "sampleSize": 2}},
    "budget": 20,
    "tableLookup": {"tablePath": "t.csv", "cellColumn": "arch", "fitnessColumn": "acc"}
  }
})json";

template <typename Message>
Message Parse(const std::string& json) {
  Message message;
  auto status = JsonStringToMessage(json, &message);
  EXPECT_TRUE(status.ok()) << status << " in " << json;
  return message;
}

class HttpApiTest : public ::testing::Test {
 protected:
  void Start(ControllerServer::Options options = {}) {
    options.listen_address = "127.0.0.1:0";
    options.http_listen_address = "127.0.0.1:0";
    options.database_dsn = db_.dsn();
    auto server = ControllerServer::BuildAndStart(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                       grpc::InsecureChannelCredentials());
    searches_ = v1::SearchService::NewStub(channel);
    workers_ = v1::WorkerService::NewStub(channel);
    http_ = std::make_unique<httplib::Client>("127.0.0.1", server_->http_port());
  }

  // Plays a worker over gRPC: leases the next table-lookup job and reports
  // `fitness` for it.
  void EvaluateOne(double fitness) {
    v1::LeaseJobRequest lease;
    lease.mutable_worker()->set_worker_id("w1");
    lease.mutable_worker()->set_hostname("h");
    lease.mutable_worker()->set_device("cpu");
    lease.mutable_worker()->add_job_kinds(v1::TABLE_LOOKUP);
    v1::LeaseJobResponse leased;
    grpc::ClientContext c1;
    ASSERT_TRUE(workers_->LeaseJob(&c1, lease, &leased).ok());
    ASSERT_TRUE(leased.has_job());
    v1::ReportResultRequest report;
    report.set_worker_id("w1");
    report.set_job_id(leased.job().job_id());
    report.set_attempt(leased.job().attempt());
    report.mutable_result()->set_fitness(fitness);
    v1::ReportResultResponse reported;
    grpc::ClientContext c2;
    ASSERT_TRUE(workers_->ReportResult(&c2, report, &reported).ok());
  }

  v1::Search GrpcGetSearch(int64_t id) {
    grpc::ClientContext context;
    v1::GetSearchRequest request;
    request.set_search_id(id);
    v1::Search search;
    EXPECT_TRUE(searches_->GetSearch(&context, request, &search).ok());
    return search;
  }

  // The body of a 200 answer to GET `path`.
  std::string Get(const std::string& path) {
    auto answer = http_->Get(path.c_str());
    EXPECT_TRUE(answer) << path << ": " << httplib::to_string(answer.error());
    if (!answer) return "";
    EXPECT_EQ(answer->status, 200) << path << ": " << answer->body;
    return answer->body;
  }

  v1::Search Create(const std::string& body = kSpecJson) {
    auto answer = http_->Post("/v1/searches", body, "application/json");
    EXPECT_TRUE(answer && answer->status == 200) << (answer ? answer->body : "no answer");
    return answer ? Parse<v1::Search>(answer->body) : v1::Search();
  }

  testing::TestDatabase db_;
  std::unique_ptr<ControllerServer> server_;
  std::unique_ptr<v1::SearchService::Stub> searches_;
  std::unique_ptr<v1::WorkerService::Stub> workers_;
  std::unique_ptr<httplib::Client> http_;
};

TEST_F(HttpApiTest, ResourcesAnswerWhatTheGrpcApiAnswers) {
  Start();
  const v1::Search created = Create();
  ASSERT_GT(created.id(), 0);
  EvaluateOne(0.5);
  EvaluateOne(0.75);
  const std::string path = absl::StrCat("/v1/searches/", created.id());

  const auto search = Parse<v1::Search>(Get(path));
  EXPECT_TRUE(MessageDifferencer::Equals(search, GrpcGetSearch(created.id())));
  EXPECT_EQ(search.evaluations_done(), 2);
  EXPECT_DOUBLE_EQ(search.best().fitness(), 0.75);

  // Zero and empty fields are present, so a reader never meets a missing key.
  EXPECT_THAT(Get(path), HasSubstr("\"evaluationsFailed\":0"));

  const auto listed = Parse<v1::ListSearchesResponse>(Get("/v1/searches"));
  ASSERT_EQ(listed.searches_size(), 1);
  EXPECT_EQ(listed.searches(0).id(), created.id());

  // Pages follow the gRPC tokens; query parameters take the proto names.
  const auto first = Parse<v1::ListIndividualsResponse>(Get(path + "/individuals?page_size=1"));
  ASSERT_EQ(first.individuals_size(), 1);
  ASSERT_FALSE(first.next_page_token().empty());
  const auto second = Parse<v1::ListIndividualsResponse>(
      Get(path + "/individuals?page_size=1&page_token=" + first.next_page_token()));
  ASSERT_EQ(second.individuals_size(), 1);
  EXPECT_GT(second.individuals(0).birth_order(), first.individuals(0).birth_order());

  const auto best = Parse<v1::Individual>(Get(path + "/best"));
  EXPECT_DOUBLE_EQ(best.fitness(), 0.75);
  const auto lineage =
      Parse<v1::GetLineageResponse>(Get(absl::StrCat("/v1/individuals/", best.id(), "/lineage")));
  ASSERT_GE(lineage.individuals_size(), 1);
  EXPECT_EQ(lineage.individuals(0).id(), best.id());
  // No objectives: the front is the fittest, with its fitness as the one value.
  const auto front = Parse<v1::GetParetoFrontResponse>(Get(path + "/pareto"));
  ASSERT_EQ(front.individuals_size(), 1);
  EXPECT_EQ(front.individuals(0).id(), best.id());
  ASSERT_EQ(front.individuals(0).objective_values_size(), 1);
  EXPECT_DOUBLE_EQ(front.individuals(0).objective_values(0), 0.75);
  EXPECT_EQ(Parse<v1::ListEpochProgressResponse>(Get(path + "/epochs?skip=0")).epochs_size(), 0);

  auto extended = http_->Post((path + ":extend").c_str(), R"({"budget": 30})", "application/json");
  ASSERT_TRUE(extended && extended->status == 200) << (extended ? extended->body : "");
  EXPECT_EQ(Parse<v1::Search>(extended->body).spec().budget(), 30);
  EXPECT_EQ(GrpcGetSearch(created.id()).spec().budget(), 30);
  auto cancelled = http_->Post((path + ":cancel").c_str(), "", "application/json");
  ASSERT_TRUE(cancelled && cancelled->status == 200);
  EXPECT_EQ(Parse<v1::Search>(cancelled->body).state(), v1::SEARCH_CANCELLED);
  EXPECT_EQ(GrpcGetSearch(created.id()).state(), v1::SEARCH_CANCELLED);
}

TEST_F(HttpApiTest, ARetriedCreateWithTheSameRequestIdCreatesOneSearch) {
  Start();
  std::string body = kSpecJson;
  body.insert(body.rfind('}'), ", \"requestId\": \"retry-1\"");
  const int64_t id = Create(body).id();
  EXPECT_EQ(Create(body).id(), id);
  EXPECT_EQ(Parse<v1::ListSearchesResponse>(Get("/v1/searches")).searches_size(), 1);
}

TEST_F(HttpApiTest, BadInputGetsTheGrpcCodeAndMessageAndChangesNothing) {
  Start();
  std::string body = kSpecJson;
  body.replace(body.find("\"populationSize\": 5"), 19, "\"populationSize\": 50");
  auto refused = http_->Post("/v1/searches", body, "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_THAT(refused->body, HasSubstr("\"status\":\"INVALID_ARGUMENT\""));
  EXPECT_THAT(refused->body,
              HasSubstr("spec.strategy.aging_evolution.population_size: 50 must not exceed "
                        "budget (20)"));
  EXPECT_EQ(Parse<v1::ListSearchesResponse>(Get("/v1/searches")).searches_size(), 0);

  struct Case {
    std::string method, path, body;
    int status;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"POST", "/v1/searches", "{not json", 400, "body: not a JSON CreateSearchRequest"},
      {"POST", "/v1/searches", R"({"spec": {"budgett": 3}})", 400, "body: not a JSON"},
      {"GET", "/v1/searches/abc", "", 400, "search_id: 'abc' is not a valid int64"},
      {"GET", "/v1/searches/0", "", 400, "search_id: must be > 0"},
      {"GET", "/v1/searches/99", "", 404, "NOT_FOUND"},
      {"GET", "/v1/searches?page_size=5000", "", 400, "page_size: 5000 is out of range"},
      {"GET", "/v1/searches?pagesize=5", "", 400,
       "pagesize: no such query parameter; this call takes page_size, page_token"},
      {"GET", "/v1/searches/1/epochs?skip=-1", "", 400, "skip: must be >= 0"},
      {"DELETE", "/v1/searches", "", 405, "use GET or POST"},
      {"GET", "/v1/nothing", "", 404, "path: no such resource: /v1/nothing"},
  };
  for (const Case& c : cases) {
    httplib::Request request;
    request.method = c.method;
    request.path = c.path;
    request.body = c.body;
    auto answer = http_->send(request);
    ASSERT_TRUE(answer) << c.path;
    EXPECT_EQ(answer->status, c.status) << c.method << " " << c.path << ": " << answer->body;
    EXPECT_THAT(answer->body, HasSubstr(c.message)) << c.method << " " << c.path;
  }
  EXPECT_EQ(Parse<v1::ListSearchesResponse>(Get("/v1/searches")).searches_size(), 0);
}

TEST_F(HttpApiTest, ServesTheDashboardFilesAsBuilt) {
  Start();
  std::ifstream in("controller/dashboard/index.html");
  ASSERT_TRUE(in) << "index.html not in the runfiles";
  std::stringstream source;
  source << in.rdbuf();
  auto index = http_->Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->body, source.str());
  EXPECT_THAT(index->get_header_value("Content-Type"), HasSubstr("text/html"));
  auto missing = http_->Get("/no-such-file.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(HttpApiTest, TokensRolesAndTlsAreTheGrpcServers) {
  const std::string cmd = absl::StrCat(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout ",
      Dir(), "/server.key -out ", Dir(), "/server.pem 2>/dev/null");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl failed";
  ControllerServer::Options options;
  options.tls_cert_file = Dir() + "/server.pem";
  options.tls_key_file = Dir() + "/server.key";
  options.worker_tokens_file = Write("worker_tokens", absl::StrCat(kWorkerToken, "\n"));
  options.client_tokens_file =
      Write("client_tokens", absl::StrCat(kClientToken, " alice\n", kOtherClientToken, " bob\n"));
  Start(options);

  httplib::SSLClient https("127.0.0.1", server_->http_port());
  https.set_ca_cert_path((Dir() + "/server.pem").c_str());
  https.enable_server_certificate_verification(true);
  struct Case {
    httplib::Headers headers;
    int status;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, 401, "authorization: missing"},
      {{{"Authorization", "Bearer not-a-known-token-at-all"}}, 401, "unknown token"},
      {{{"Authorization", absl::StrCat("Bearer ", kWorkerToken)}},
       403,
       "a worker token may not call SearchService"},
      {{{"Authorization", absl::StrCat("Bearer ", kClientToken)}}, 200, "searches"},
  };
  for (const Case& c : cases) {
    auto answer = https.Get("/v1/searches", c.headers);
    ASSERT_TRUE(answer) << httplib::to_string(answer.error());
    EXPECT_EQ(answer->status, c.status) << answer->body;
    EXPECT_THAT(answer->body, HasSubstr(c.message));
  }
  // Tenancy as over gRPC: another principal's search is absent.
  const httplib::Headers alice = {{"Authorization", absl::StrCat("Bearer ", kClientToken)}};
  const httplib::Headers bob = {{"Authorization", absl::StrCat("Bearer ", kOtherClientToken)}};
  auto created = https.Post("/v1/searches", alice, kSpecJson, "application/json");
  ASSERT_TRUE(created && created->status == 200) << (created ? created->body : "no answer");
  const auto search = Parse<v1::Search>(created->body);
  EXPECT_EQ(search.owner(), "alice");
  const std::string path = absl::StrCat("/v1/searches/", search.id());
  EXPECT_EQ(https.Get(path.c_str(), alice)->status, 200);
  auto hidden = https.Get(path.c_str(), bob);
  ASSERT_TRUE(hidden);
  EXPECT_EQ(hidden->status, 404);
  EXPECT_THAT(hidden->body, HasSubstr(absl::StrCat("search ", search.id(), " does not exist")));
  // Plain HTTP on the HTTPS port gets no answer.
  httplib::Client plain("127.0.0.1", server_->http_port());
  plain.set_connection_timeout(2);
  plain.set_read_timeout(2);
  auto refused = plain.Get("/v1/searches");
  EXPECT_TRUE(!refused || refused->status == 400);
}

TEST_F(HttpApiTest, AnUnusableAddressStopsTheStart) {
  ControllerServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.database_dsn = db_.dsn();
  options.http_listen_address = "no-port";
  auto bad_address = ControllerServer::BuildAndStart(options);
  EXPECT_EQ(bad_address.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_address.status().message(), HasSubstr("--http_listen: 'no-port'"));
}

}  // namespace
}  // namespace nas
