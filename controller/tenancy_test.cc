// Tenancy on a real controller over TLS loopback and a real PostgreSQL: a
// client token reaches only its principal's searches (and unowned ones), an
// admin token every search; every refused call answers as for an absent
// search and changes nothing.
#include <cstdlib>
#include <fstream>
#include <functional>

#include "absl/strings/str_cat.h"
#include "common/rpc/channel.h"
#include "controller/server.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "proto/search_service.grpc.pb.h"
#include "proto/worker_service.grpc.pb.h"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Stub = v1::SearchService::Stub;

constexpr char kAlice[] = "alice-token-0123456789";
constexpr char kBob[] = "bob-token-0123456789abc";
constexpr char kAdmin[] = "admin-token-0123456789";
constexpr char kBare[] = "bare-token-0123456789ab";
constexpr char kWorker[] = "worker-token-0123456789";

std::string Dir() { return std::getenv("TEST_TMPDIR"); }

std::string Write(const std::string& name, const std::string& content) {
  const std::string path = Dir() + "/" + name;
  std::ofstream(path) << content;
  return path;
}

v1::SearchSpec Spec() {
  v1::SearchSpec spec;
  google::protobuf::TextFormat::ParseFromString(
      R"pb(
        space { nasbench201 {} }
        strategy { aging_evolution { population_size: 5 sample_size: 2 } }
        budget: 20
        table_lookup { table_path: "t.csv" cell_column: "arch" fitness_column: "acc" }
      )pb",
      &spec);
  return spec;
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

class TenancyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string cmd = absl::StrCat(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
        "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout ",
        Dir(), "/server.key -out ", Dir(), "/server.pem 2>/dev/null");
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl failed";
  }

  // Starts (or restarts) the controller on the test's database; an empty
  // `client_tokens` file content configures no tokens at all.
  void Start(const std::string& client_tokens) {
    server_.reset();
    ControllerServer::Options options;
    options.listen_address = "127.0.0.1:0";
    options.database_dsn = db_.dsn();
    options.tls_cert_file = Dir() + "/server.pem";
    options.tls_key_file = Dir() + "/server.key";
    if (!client_tokens.empty()) {
      options.worker_tokens_file = Write("worker_tokens", absl::StrCat(kWorker, "\n"));
      options.client_tokens_file = Write("client_tokens", client_tokens);
    }
    auto server = ControllerServer::BuildAndStart(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void StartWithPrincipals() {
    Start(absl::StrCat("# principals\n", kAlice, " alice\n", kBob, " bob\n", kAdmin,
                       " root admin\n"));
  }

  std::shared_ptr<grpc::Channel> Channel(const std::string& token) {
    ChannelOptions o;
    o.target = absl::StrCat("127.0.0.1:", server_->port());
    o.tls_ca_file = Dir() + "/server.pem";
    if (!token.empty()) o.token_file = Write(absl::StrCat("token_", token), token);
    auto channel = MakeChannel(o);
    EXPECT_TRUE(channel.ok()) << channel.status();
    return *channel;
  }

  std::unique_ptr<Stub> Searches(const std::string& token) {
    return v1::SearchService::NewStub(Channel(token));
  }

  static v1::Search Create(Stub& stub, const v1::SearchSpec& spec,
                           const std::string& request_id = "") {
    v1::CreateSearchRequest request;
    *request.mutable_spec() = spec;
    request.set_request_id(request_id);
    v1::Search search;
    const grpc::Status status = stub.CreateSearch(Context().get(), request, &search);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return search;
  }

  static v1::Search Get(Stub& stub, int64_t id) {
    v1::GetSearchRequest request;
    request.set_search_id(id);
    v1::Search search;
    const grpc::Status status = stub.GetSearch(Context().get(), request, &search);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return search;
  }

  static std::vector<int64_t> ListedIds(Stub& stub, int page_size = 0) {
    std::vector<int64_t> ids;
    v1::ListSearchesRequest request;
    request.set_page_size(page_size);
    do {
      v1::ListSearchesResponse page;
      const grpc::Status status = stub.ListSearches(Context().get(), request, &page);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const v1::Search& s : page.searches()) ids.push_back(s.id());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return ids;
  }

  static int64_t FirstIndividual(Stub& stub, int64_t search_id) {
    v1::ListIndividualsRequest request;
    request.set_search_id(search_id);
    v1::ListIndividualsResponse response;
    const grpc::Status status = stub.ListIndividuals(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.individuals_size() > 0 ? response.individuals(0).id() : 0;
  }

  testing::TestDatabase db_;
  std::unique_ptr<ControllerServer> server_;
};

// One search-scoped call, made by whichever client is given.
struct ScopedCall {
  std::string name;
  std::function<grpc::Status(Stub&)> call;
  std::string absent_message;  // What an absent search or individual answers.
};

std::vector<ScopedCall> ScopedCalls(int64_t search_id, int64_t individual_id) {
  const std::string no_search = absl::StrCat("search ", search_id, " does not exist");
  const std::string no_individual = absl::StrCat("individual ", individual_id, " does not exist");
  auto search_call = [search_id](auto method, auto request, auto response) {
    return [=](Stub& stub) mutable {
      request.set_search_id(search_id);
      return (stub.*method)(Context().get(), request, &response);
    };
  };
  auto individual_call = [individual_id](auto method, auto request, auto response) {
    return [=](Stub& stub) mutable {
      request.set_individual_id(individual_id);
      return (stub.*method)(Context().get(), request, &response);
    };
  };
  v1::ExtendSearchRequest extend;
  extend.set_budget(30);
  return {
      {"GetSearch", search_call(&Stub::GetSearch, v1::GetSearchRequest(), v1::Search()), no_search},
      {"ListIndividuals",
       search_call(&Stub::ListIndividuals, v1::ListIndividualsRequest(),
                   v1::ListIndividualsResponse()),
       no_search},
      {"GetBestIndividual",
       search_call(&Stub::GetBestIndividual, v1::GetBestIndividualRequest(), v1::Individual()),
       no_search},
      {"GetParetoFront",
       search_call(&Stub::GetParetoFront, v1::GetParetoFrontRequest(),
                   v1::GetParetoFrontResponse()),
       no_search},
      {"ListEpochProgress",
       search_call(&Stub::ListEpochProgress, v1::ListEpochProgressRequest(),
                   v1::ListEpochProgressResponse()),
       no_search},
      {"ListJobLogs",
       search_call(&Stub::ListJobLogs, v1::ListJobLogsRequest(), v1::ListJobLogsResponse()),
       no_search},
      {"CancelSearch", search_call(&Stub::CancelSearch, v1::CancelSearchRequest(), v1::Search()),
       no_search},
      {"ExtendSearch", search_call(&Stub::ExtendSearch, extend, v1::Search()), no_search},
      {"ResumeSearch", search_call(&Stub::ResumeSearch, v1::ResumeSearchRequest(), v1::Search()),
       no_search},
      {"GetLineage",
       individual_call(&Stub::GetLineage, v1::GetLineageRequest(), v1::GetLineageResponse()),
       no_individual},
      {"RetryIndividual",
       individual_call(&Stub::RetryIndividual, v1::RetryIndividualRequest(), v1::Individual()),
       no_individual},
  };
}

TEST_F(TenancyTest, AnotherPrincipalsSearchIsAbsentToEveryCallAndUnchanged) {
  StartWithPrincipals();
  auto alice = Searches(kAlice);
  auto bob = Searches(kBob);
  const v1::Search created = Create(*alice, Spec());
  EXPECT_EQ(created.owner(), "alice");
  const int64_t individual = FirstIndividual(*alice, created.id());
  ASSERT_GT(individual, 0);

  for (const ScopedCall& c : ScopedCalls(created.id(), individual)) {
    const grpc::Status refused = c.call(*bob);
    EXPECT_EQ(refused.error_code(), grpc::NOT_FOUND) << c.name;
    EXPECT_EQ(refused.error_message(), c.absent_message) << c.name;
  }
  // The same words as for a search that does not exist at all.
  const ScopedCall absent = ScopedCalls(created.id() + 1000, individual + 1000)[0];
  EXPECT_EQ(absent.call(*bob).error_code(), grpc::NOT_FOUND);
  EXPECT_EQ(absent.call(*bob).error_message(), absent.absent_message);

  // Nothing changed: no cancel, no extension, no retry.
  const v1::Search after = Get(*alice, created.id());
  EXPECT_EQ(after.state(), v1::SEARCH_RUNNING);
  EXPECT_EQ(after.spec().budget(), 20);
  EXPECT_EQ(after.jobs_in_flight(), created.jobs_in_flight());
}

TEST_F(TenancyTest, OwnerAndAdminReachTheSearch) {
  StartWithPrincipals();
  auto alice = Searches(kAlice);
  auto admin = Searches(kAdmin);
  const v1::Search created = Create(*alice, Spec());
  const int64_t individual = FirstIndividual(*alice, created.id());
  for (auto* stub : {alice.get(), admin.get()}) {
    for (const ScopedCall& c : ScopedCalls(created.id(), individual)) {
      if (c.name == "CancelSearch") continue;  // Last, below: it ends the search.
      const grpc::Status status = c.call(*stub);
      // Allowed calls get their own answers: OK, or the state's refusal (no
      // evaluation yet, not cancelled, not failed), never the absent search's.
      EXPECT_NE(status.error_message(), c.absent_message) << c.name;
    }
  }
  EXPECT_EQ(Get(*admin, created.id()).owner(), "alice");
  v1::CancelSearchRequest cancel;
  cancel.set_search_id(created.id());
  v1::Search cancelled;
  ASSERT_TRUE(admin->CancelSearch(Context().get(), cancel, &cancelled).ok());
  EXPECT_EQ(cancelled.state(), v1::SEARCH_CANCELLED);
}

TEST_F(TenancyTest, ListSearchesShowsOwnAndUnownedSearchesUnlessAdmin) {
  Start("");  // Single-user mode: the search has no owner.
  const v1::Search unowned = Create(*Searches(""), Spec());
  EXPECT_EQ(unowned.owner(), "");
  StartWithPrincipals();
  auto alice = Searches(kAlice);
  auto bob = Searches(kBob);
  const int64_t a1 = Create(*alice, Spec()).id();
  const int64_t b = Create(*bob, Spec()).id();
  const int64_t a2 = Create(*alice, Spec()).id();

  EXPECT_EQ(ListedIds(*alice), (std::vector<int64_t>{a2, a1, unowned.id()}));
  EXPECT_EQ(ListedIds(*alice, /*page_size=*/1), (std::vector<int64_t>{a2, a1, unowned.id()}));
  EXPECT_EQ(ListedIds(*bob), (std::vector<int64_t>{b, unowned.id()}));
  EXPECT_EQ(ListedIds(*Searches(kAdmin)), (std::vector<int64_t>{a2, b, a1, unowned.id()}));
  // An unowned search stays open to every client, as before tokens.
  EXPECT_EQ(Get(*bob, unowned.id()).id(), unowned.id());
  EXPECT_EQ(Get(*alice, unowned.id()).id(), unowned.id());
}

TEST_F(TenancyTest, RequestIdsBelongToTheirPrincipal) {
  StartWithPrincipals();
  auto alice = Searches(kAlice);
  auto bob = Searches(kBob);
  const v1::Search first = Create(*alice, Spec(), "same-id");
  const v1::Search other = Create(*bob, Spec(), "same-id");
  EXPECT_NE(first.id(), other.id());
  EXPECT_EQ(other.owner(), "bob");
  EXPECT_EQ(Create(*alice, Spec(), "same-id").id(), first.id());
}

TEST_F(TenancyTest, WarmStartFromAnotherPrincipalsSearchIsRefused) {
  StartWithPrincipals();
  auto alice = Searches(kAlice);
  auto bob = Searches(kBob);
  const int64_t source = Create(*alice, Spec()).id();
  v1::CreateSearchRequest request;
  *request.mutable_spec() = Spec();
  request.mutable_spec()->mutable_warm_start()->set_search_id(source);
  request.mutable_spec()->mutable_warm_start()->set_count(2);

  v1::Search unused;
  const grpc::Status refused = bob->CreateSearch(Context().get(), request, &unused);
  EXPECT_EQ(refused.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(refused.error_message(),
            absl::StrCat("spec.warm_start.search_id: search ", source, " does not exist"));
  EXPECT_EQ(ListedIds(*bob), std::vector<int64_t>{});
  // The owner passes the check and meets the next rule: nothing evaluated.
  const grpc::Status owners = alice->CreateSearch(Context().get(), request, &unused);
  EXPECT_EQ(owners.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(owners.error_message(), HasSubstr("spec.warm_start.count: 2 but search"));
}

TEST_F(TenancyTest, CheckpointsDownloadOnlyThroughAReachableSearch) {
  StartWithPrincipals();
  auto alice = Searches(kAlice);
  const int64_t individual = FirstIndividual(*alice, Create(*alice, Spec()).id());
  v1::UploadCheckpointResponse uploaded;
  {
    auto context = Context();
    auto writer =
        v1::WorkerService::NewStub(Channel(kWorker))->UploadCheckpoint(context.get(), &uploaded);
    v1::CheckpointChunk chunk;
    chunk.set_data("weights of alice's network");
    ASSERT_TRUE(writer->Write(chunk));
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
  }
  // As a NASH report would keep it.
  {
    pqxx::connection connection(db_.dsn());
    pqxx::work txn(connection);
    txn.exec_params("UPDATE individuals SET checkpoint_digest = $1 WHERE id = $2",
                    uploaded.digest(), individual);
    txn.commit();
  }
  auto download = [&](const std::string& token, std::string* bytes) {
    v1::DownloadCheckpointRequest request;
    request.set_digest(uploaded.digest());
    auto context = Context();
    auto reader = Searches(token)->DownloadCheckpoint(context.get(), request);
    v1::CheckpointChunk chunk;
    while (reader->Read(&chunk)) *bytes += chunk.data();
    return reader->Finish();
  };
  std::string bytes;
  EXPECT_TRUE(download(kAlice, &bytes).ok());
  EXPECT_EQ(bytes, "weights of alice's network");
  bytes.clear();
  EXPECT_TRUE(download(kAdmin, &bytes).ok());
  EXPECT_EQ(bytes, "weights of alice's network");
  bytes.clear();
  const grpc::Status refused = download(kBob, &bytes);
  EXPECT_EQ(refused.error_code(), grpc::NOT_FOUND);
  EXPECT_EQ(refused.error_message(),
            absl::StrCat("checkpoint '", uploaded.digest(), "' is not stored"));
  EXPECT_EQ(bytes, "");
}

TEST_F(TenancyTest, ABareTokensPrincipalSurvivesEditingTheFile) {
  Start(absl::StrCat(kBare, "\n"));
  const v1::Search created = Create(*Searches(kBare), Spec());
  EXPECT_THAT(created.owner(), StartsWith("token-"));
  EXPECT_EQ(created.owner().size(), 18u);
  // Another line above it moves it; its searches stay its own.
  Start(absl::StrCat(kAlice, " alice\n", kBare, "\n"));
  EXPECT_EQ(Get(*Searches(kBare), created.id()).owner(), created.owner());
  v1::GetSearchRequest request;
  request.set_search_id(created.id());
  v1::Search unused;
  EXPECT_EQ(Searches(kAlice)->GetSearch(Context().get(), request, &unused).error_code(),
            grpc::NOT_FOUND);
}

}  // namespace
}  // namespace nas
