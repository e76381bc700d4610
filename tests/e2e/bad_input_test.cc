// Malformed requests to every RPC, the checkpoint streams included: each is
// answered with the fitting code and a message naming the field, and no
// table (every column of every one, checkpoint_chunks and workers included)
// changes, checked after each request.
#include <cctype>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controller/server.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "proto/search_service.grpc.pb.h"
#include "proto/worker_service.grpc.pb.h"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::SearchSpec GoodSpec() {
  v1::SearchSpec spec;
  google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "good"
        space { darts_cell { nodes: 2 } }
        strategy { aging_evolution { population_size: 3 sample_size: 2 } }
        budget: 10
        training {
          epochs: 1
          batch_size: 32
          learning_rate: 0.05
          momentum: 0.9
          init_channels: 4
          cells: 3
        }
        dataset { format: DIGITS_CSV path: "/data/digits.csv" validation_examples: 100 }
      )pb",
      &spec);
  return spec;
}

// Whether the message names `field` as a whole: "field:" at its start or
// after a character no field path contains, so "spec.space" does not match a
// message about "spec.space.darts_cell.nodes:" or "myspec.space:".
MATCHER_P(NamesField, field, absl::StrCat("names the field '", field, ":'")) {
  const std::string message(arg);
  const std::string want = absl::StrCat(field, ":");
  for (size_t at = message.find(want); at != std::string::npos; at = message.find(want, at + 1)) {
    if (at == 0) return true;
    const char before = message[at - 1];
    if (!std::isalnum(static_cast<unsigned char>(before)) && before != '_' && before != '.' &&
        before != '[' && before != ']') {
      return true;
    }
  }
  return false;
}

// Documented limits (proto/search_service.proto, proto/worker_service.proto).
constexpr int kLargestBudget = 100000;
constexpr size_t kLargestChunkBytes = 1 << 20;

struct Case {
  std::string name;
  std::string rpc;  // "Service/Method", for the check that every RPC is covered.
  grpc::StatusCode code;
  ::testing::Matcher<const std::string&> message;
  std::function<grpc::Status(v1::SearchService::Stub&, v1::WorkerService::Stub&)> call;
};

grpc::Status Create(v1::SearchService::Stub& s, const std::function<void(v1::SearchSpec*)>& edit,
                    const std::string& request_id = "") {
  v1::CreateSearchRequest request;
  request.set_request_id(request_id);
  *request.mutable_spec() = GoodSpec();
  edit(request.mutable_spec());
  grpc::ClientContext context;
  v1::Search response;
  return s.CreateSearch(&context, request, &response);
}

v1::WorkerInfo GoodWorker() {
  v1::WorkerInfo w;
  w.set_worker_id("w1");
  w.set_hostname("host");
  w.set_device("cpu");
  w.add_job_kinds(v1::TRAIN_CANDIDATE);
  return w;
}

grpc::Status Lease(v1::WorkerService::Stub& w, const std::function<void(v1::WorkerInfo*)>& edit) {
  v1::LeaseJobRequest request;
  *request.mutable_worker() = GoodWorker();
  edit(request.mutable_worker());
  grpc::ClientContext context;
  v1::LeaseJobResponse response;
  return w.LeaseJob(&context, request, &response);
}

// A heartbeat or report about the lease the fixture holds, edited.
v1::HeartbeatRequest GoodHeartbeat(int64_t job) {
  v1::HeartbeatRequest r;
  r.set_worker_id("w1");
  r.set_job_id(job);
  r.set_attempt(1);
  r.set_progress(0.5);
  return r;
}

v1::ReportResultRequest GoodReport(int64_t job) {
  v1::ReportResultRequest r;
  r.set_worker_id("w1");
  r.set_job_id(job);
  r.set_attempt(1);
  r.mutable_result()->set_fitness(0.5);
  r.mutable_result()->set_parameter_count(10);
  return r;
}

// Every row of every table (all columns, the workers' last_seen included),
// as text, by table: equal snapshots = unchanged database. Tables are listed
// from the catalog, so one a migration adds is checked too.
std::map<std::string, std::string> Snapshot(pqxx::connection& conn) {
  pqxx::work txn(conn);
  std::map<std::string, std::string> out;
  for (const auto& row :
       txn.exec("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name")) {
    const std::string table = row[0].as<std::string>();
    out[table] =
        txn.exec1(absl::StrCat("SELECT COALESCE(string_agg(t::text, '|' ORDER BY "
                               "t::text), '') FROM ",
                               txn.quote_name(table), " t"))[0]
            .as<std::string>();
  }
  return out;
}

// The tables whose rows differ between two snapshots.
std::string ChangedTables(const std::map<std::string, std::string>& before,
                          const std::map<std::string, std::string>& after) {
  std::string changed;
  for (const auto& [table, rows] : after) {
    auto it = before.find(table);
    if (it == before.end() || it->second != rows) absl::StrAppend(&changed, " ", table);
  }
  for (const auto& [table, rows] : before) {
    if (!after.count(table)) absl::StrAppend(&changed, " ", table, "(dropped)");
  }
  return changed;
}

// Uploads `chunks` as one UploadCheckpoint stream.
grpc::Status Upload(v1::WorkerService::Stub& w, const std::vector<std::string>& chunks) {
  grpc::ClientContext context;
  v1::UploadCheckpointResponse response;
  auto writer = w.UploadCheckpoint(&context, &response);
  for (const std::string& data : chunks) {
    v1::CheckpointChunk chunk;
    chunk.set_data(data);
    if (!writer->Write(chunk)) break;  // The server already answered.
  }
  writer->WritesDone();
  return writer->Finish();
}

// Reads a DownloadCheckpoint stream to its end.
template <typename Stub>
grpc::Status Download(Stub& stub, const std::string& digest) {
  grpc::ClientContext context;
  v1::DownloadCheckpointRequest request;
  request.set_digest(digest);
  auto reader = stub.DownloadCheckpoint(&context, request);
  v1::CheckpointChunk chunk;
  while (reader->Read(&chunk)) {
  }
  return reader->Finish();
}

TEST(BadInputTest, EveryMalformedRequestIsRefusedAndChangesNothing) {
  testing::TestDatabase db;
  ControllerServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.database_dsn = db.dsn();
  // Above one checkpoint chunk (1 MiB), so an oversized chunk reaches the
  // handler.
  options.max_message_bytes = 4 << 20;
  auto server = ControllerServer::BuildAndStart(options);
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                     grpc::InsecureChannelCredentials());
  auto searches = v1::SearchService::NewStub(channel);
  auto workers = v1::WorkerService::NewStub(channel);

  // One real search with one leased job, so reports have something to hit.
  ASSERT_TRUE(Create(
                  *searches, [](v1::SearchSpec*) {}, "first-submit")
                  .ok());
  v1::LeaseJobRequest lease;
  *lease.mutable_worker() = GoodWorker();
  v1::LeaseJobResponse leased;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(workers->LeaseJob(&context, lease, &leased).ok());
    ASSERT_TRUE(leased.has_job());
  }
  const int64_t job = leased.job().job_id();
  const int64_t search = leased.job().search_id();
  const int64_t individual = leased.job().individual_id();

  using SS = v1::SearchService::Stub;
  using WS = v1::WorkerService::Stub;
  using ::testing::_;
  const auto kInvalid = grpc::INVALID_ARGUMENT;
  const std::string kSearch = "SearchService/";
  const std::string kWorker = "WorkerService/";
  auto spec_case = [&](std::string name, std::string field,
                       std::function<void(v1::SearchSpec*)> edit) {
    return Case{name, kSearch + "CreateSearch", grpc::INVALID_ARGUMENT, NamesField(field),
                [edit](SS& s, WS&) { return Create(s, edit); }};
  };
  auto lease_case = [&](std::string name, std::string field,
                        std::function<void(v1::WorkerInfo*)> edit) {
    return Case{name, kWorker + "LeaseJob", grpc::INVALID_ARGUMENT, NamesField(field),
                [edit](SS&, WS& w) { return Lease(w, edit); }};
  };
  auto heartbeat_case = [&](std::string name, grpc::StatusCode code,
                            ::testing::Matcher<const std::string&> message,
                            std::function<void(v1::HeartbeatRequest*)> edit) {
    return Case{name, kWorker + "Heartbeat", code, message, [job, edit](SS&, WS& w) {
                  v1::HeartbeatRequest r = GoodHeartbeat(job);
                  edit(&r);
                  grpc::ClientContext context;
                  v1::HeartbeatResponse response;
                  return w.Heartbeat(&context, r, &response);
                }};
  };
  auto report_case = [&](std::string name, grpc::StatusCode code,
                         ::testing::Matcher<const std::string&> message,
                         std::function<void(v1::ReportResultRequest*)> edit) {
    return Case{name, kWorker + "ReportResult", code, message, [job, edit](SS&, WS& w) {
                  v1::ReportResultRequest r = GoodReport(job);
                  edit(&r);
                  grpc::ClientContext context;
                  v1::ReportResultResponse response;
                  return w.ReportResult(&context, r, &response);
                }};
  };
  // A unary SearchService call of `rpc` with `request` as `edit` leaves it.
#define NAS_SEARCH_CALL(Rpc, Request, Response, edit) \
  [=](SS& s, WS&) {                                   \
    grpc::ClientContext c;                            \
    v1::Request r;                                    \
    edit(&r);                                         \
    v1::Response out;                                 \
    return s.Rpc(&c, r, &out);                        \
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::string unknown_digest = "sha256:" + std::string(64, 'a');
  const std::string big_chunk(kLargestChunkBytes + 1, 'c');

  // One case a line: the table reads better than clang-format's wrapping.
  // clang-format off
  std::vector<Case> cases = {
      Case{"request_id too long", kSearch + "CreateSearch", kInvalid,
           AllOf(NamesField("request_id"), HasSubstr("at most 128 printable ASCII")),
           [](SS& s, WS&) { return Create(s, [](v1::SearchSpec*) {}, std::string(129, 'r')); }},
      Case{"request_id with a newline", kSearch + "CreateSearch", kInvalid, NamesField("request_id"),
           [](SS& s, WS&) { return Create(s, [](v1::SearchSpec*) {}, "a\nb"); }},
      Case{"request_id reused for another spec", kSearch + "CreateSearch", grpc::ALREADY_EXISTS,
           AllOf(NamesField("request_id"),
                 HasSubstr("'first-submit' already created search 1 with a different spec")),
           [](SS& s, WS&) {
             return Create(s, [](v1::SearchSpec* spec) { spec->set_budget(7); }, "first-submit");
           }},
      spec_case("empty spec", "spec.budget", [](v1::SearchSpec* s) { s->Clear(); }),
      spec_case("name too long", "spec.name", [](v1::SearchSpec* s) { s->set_name(std::string(300, 'n')); }),
      spec_case("budget zero", "spec.budget", [](v1::SearchSpec* s) { s->set_budget(0); }),
      spec_case("budget negative", "spec.budget", [](v1::SearchSpec* s) { s->set_budget(-5); }),
      spec_case("budget huge", "spec.budget", [](v1::SearchSpec* s) { s->set_budget(1 << 30); }),
      spec_case("no space", "spec.space", [](v1::SearchSpec* s) { s->clear_space(); }),
      spec_case("nodes out of range", "spec.space.darts_cell.nodes", [](v1::SearchSpec* s) { s->mutable_space()->mutable_darts_cell()->set_nodes(-1); }),
      spec_case("no strategy", "spec.strategy", [](v1::SearchSpec* s) { s->clear_strategy(); }),
      spec_case("population larger than budget", "spec.strategy.aging_evolution.population_size", [](v1::SearchSpec* s) { s->mutable_strategy()->mutable_aging_evolution()->set_population_size(11); }),
      spec_case("population one", "spec.strategy.aging_evolution.population_size", [](v1::SearchSpec* s) { s->mutable_strategy()->mutable_aging_evolution()->set_population_size(1); }),
      spec_case("sample zero", "spec.strategy.aging_evolution.sample_size", [](v1::SearchSpec* s) { s->mutable_strategy()->mutable_aging_evolution()->set_sample_size(0); }),
      spec_case("sample above population", "spec.strategy.aging_evolution.sample_size", [](v1::SearchSpec* s) { s->mutable_strategy()->mutable_aging_evolution()->set_sample_size(4); }),
      spec_case("no training", "spec.training", [](v1::SearchSpec* s) { s->clear_training(); }),
      spec_case("epochs zero", "spec.training.epochs", [](v1::SearchSpec* s) { s->mutable_training()->set_epochs(0); }),
      spec_case("batch size zero", "spec.training.batch_size", [](v1::SearchSpec* s) { s->mutable_training()->set_batch_size(0); }),
      spec_case("negative learning rate", "spec.training.learning_rate", [](v1::SearchSpec* s) { s->mutable_training()->set_learning_rate(-0.1); }),
      spec_case("NaN learning rate", "spec.training.learning_rate", [nan](v1::SearchSpec* s) { s->mutable_training()->set_learning_rate(nan); }),
      spec_case("momentum one", "spec.training.momentum", [](v1::SearchSpec* s) { s->mutable_training()->set_momentum(1); }),
      spec_case("negative weight decay", "spec.training.weight_decay", [](v1::SearchSpec* s) { s->mutable_training()->set_weight_decay(-1); }),
      spec_case("channels too few", "spec.training.init_channels", [](v1::SearchSpec* s) { s->mutable_training()->set_init_channels(2); }),
      spec_case("cells zero", "spec.training.cells", [](v1::SearchSpec* s) { s->mutable_training()->set_cells(0); }),
      spec_case("no dataset", "spec.dataset", [](v1::SearchSpec* s) { s->clear_dataset(); }),
      spec_case("dataset format unset", "spec.dataset.format", [](v1::SearchSpec* s) { s->mutable_dataset()->clear_format(); }),
      spec_case("dataset format unknown", "spec.dataset.format", [](v1::SearchSpec* s) { s->mutable_dataset()->set_format(static_cast<v1::Dataset::Format>(99)); }),
      spec_case("dataset path empty", "spec.dataset.path", [](v1::SearchSpec* s) { s->mutable_dataset()->clear_path(); }),
      spec_case("dataset path too long", "spec.dataset.path", [](v1::SearchSpec* s) { s->mutable_dataset()->set_path(std::string(5000, 'p')); }),
      spec_case("no validation examples", "spec.dataset.validation_examples", [](v1::SearchSpec* s) { s->mutable_dataset()->set_validation_examples(0); }),
      spec_case("negative train examples", "spec.dataset.train_examples", [](v1::SearchSpec* s) { s->mutable_dataset()->set_train_examples(-1); }),
      spec_case("table and training", "spec.table_lookup", [](v1::SearchSpec* s) { s->mutable_table_lookup()->set_table_path("/t.csv"); }),
      spec_case("table without path", "spec.table_lookup.table_path", [](v1::SearchSpec* s) { s->clear_training(); s->clear_dataset(); s->mutable_table_lookup()->set_cell_column("arch"); }),
      spec_case("table without cell column", "spec.table_lookup.cell_column", [](v1::SearchSpec* s) { s->clear_training(); s->clear_dataset(); s->mutable_table_lookup()->set_table_path("/t.csv"); }),
      spec_case("nasbench201 with training", "spec.space.nasbench201", [](v1::SearchSpec* s) { s->mutable_space()->mutable_nasbench201(); }),
      spec_case("supernet without method", "spec.strategy.supernet.method", [](v1::SearchSpec* s) { s->mutable_strategy()->mutable_supernet(); }),
      spec_case("supernet budget", "spec.budget", [](v1::SearchSpec* s) { s->mutable_strategy()->mutable_supernet()->set_method(v1::SupernetSearch::DARTS); }),
      spec_case("supernet channels not a multiple of K", "spec.strategy.supernet.init_channels", [](v1::SearchSpec* s) { s->set_budget(1); auto* n = s->mutable_strategy()->mutable_supernet(); n->set_method(v1::SupernetSearch::PC_DARTS); n->set_partial_k(3); n->set_init_channels(16); }),
      spec_case("attempts too many", "spec.max_attempts", [](v1::SearchSpec* s) { s->set_max_attempts(21); }),
      spec_case("lease too short", "spec.lease_seconds", [](v1::SearchSpec* s) { s->set_lease_seconds(1); }),
      spec_case("lease too long", "spec.lease_seconds", [](v1::SearchSpec* s) { s->set_lease_seconds(7200); }),
      Case{"get search id zero", kSearch + "GetSearch", kInvalid, NamesField("search_id"),
           NAS_SEARCH_CALL(GetSearch, GetSearchRequest, Search, [](auto*) {})},
      Case{"get unknown search", kSearch + "GetSearch", grpc::NOT_FOUND, HasSubstr("search 424242 does not exist"),
           NAS_SEARCH_CALL(GetSearch, GetSearchRequest, Search, [](auto* r) { r->set_search_id(424242); })},
      Case{"list searches page size", kSearch + "ListSearches", kInvalid, NamesField("page_size"),
           NAS_SEARCH_CALL(ListSearches, ListSearchesRequest, ListSearchesResponse, [](auto* r) { r->set_page_size(5000); })},
      Case{"list searches token", kSearch + "ListSearches", kInvalid, NamesField("page_token"),
           NAS_SEARCH_CALL(ListSearches, ListSearchesRequest, ListSearchesResponse, [](auto* r) { r->set_page_token("x"); })},
      Case{"cancel id negative", kSearch + "CancelSearch", kInvalid, NamesField("search_id"),
           NAS_SEARCH_CALL(CancelSearch, CancelSearchRequest, Search, [](auto* r) { r->set_search_id(-3); })},
      Case{"cancel unknown", kSearch + "CancelSearch", grpc::NOT_FOUND, HasSubstr("search 77777 does not exist"),
           NAS_SEARCH_CALL(CancelSearch, CancelSearchRequest, Search, [](auto* r) { r->set_search_id(77777); })},
      Case{"individuals id zero", kSearch + "ListIndividuals", kInvalid, NamesField("search_id"),
           NAS_SEARCH_CALL(ListIndividuals, ListIndividualsRequest, ListIndividualsResponse, [](auto*) {})},
      Case{"individuals negative page", kSearch + "ListIndividuals", kInvalid, NamesField("page_size"),
           NAS_SEARCH_CALL(ListIndividuals, ListIndividualsRequest, ListIndividualsResponse, [](auto* r) { r->set_search_id(1); r->set_page_size(-1); })},
      Case{"individuals bad token", kSearch + "ListIndividuals", kInvalid, NamesField("page_token"),
           NAS_SEARCH_CALL(ListIndividuals, ListIndividualsRequest, ListIndividualsResponse, [](auto* r) { r->set_search_id(1); r->set_page_token("!"); })},
      Case{"best id zero", kSearch + "GetBestIndividual", kInvalid, NamesField("search_id"),
           NAS_SEARCH_CALL(GetBestIndividual, GetBestIndividualRequest, Individual, [](auto*) {})},
      Case{"best unknown search", kSearch + "GetBestIndividual", grpc::NOT_FOUND, HasSubstr("search 424242"),
           NAS_SEARCH_CALL(GetBestIndividual, GetBestIndividualRequest, Individual, [](auto* r) { r->set_search_id(424242); })},
      Case{"pareto front id zero", kSearch + "GetParetoFront", kInvalid, NamesField("search_id"),
           NAS_SEARCH_CALL(GetParetoFront, GetParetoFrontRequest, GetParetoFrontResponse, [](auto*) {})},
      Case{"pareto front unknown search", kSearch + "GetParetoFront", grpc::NOT_FOUND, HasSubstr("search 424242 does not exist"),
           NAS_SEARCH_CALL(GetParetoFront, GetParetoFrontRequest, GetParetoFrontResponse, [](auto* r) { r->set_search_id(424242); })},
      Case{"lineage id zero", kSearch + "GetLineage", kInvalid, NamesField("individual_id"),
           NAS_SEARCH_CALL(GetLineage, GetLineageRequest, GetLineageResponse, [](auto*) {})},
      Case{"lineage unknown", kSearch + "GetLineage", grpc::NOT_FOUND, HasSubstr("individual 999999"),
           NAS_SEARCH_CALL(GetLineage, GetLineageRequest, GetLineageResponse, [](auto* r) { r->set_individual_id(999999); })},
      Case{"search download digest malformed", kSearch + "DownloadCheckpoint", kInvalid, NamesField("digest"),
           [](SS& s, WS&) { return Download(s, "sha256:xyz"); }},
      Case{"search download digest unknown", kSearch + "DownloadCheckpoint", grpc::NOT_FOUND, HasSubstr("is not stored"),
           [unknown_digest](SS& s, WS&) { return Download(s, unknown_digest); }},
      Case{"epoch progress id zero", kSearch + "ListEpochProgress", kInvalid, NamesField("search_id"),
           NAS_SEARCH_CALL(ListEpochProgress, ListEpochProgressRequest, ListEpochProgressResponse, [](auto*) {})},
      Case{"epoch progress negative skip", kSearch + "ListEpochProgress", kInvalid, NamesField("skip"),
           NAS_SEARCH_CALL(ListEpochProgress, ListEpochProgressRequest, ListEpochProgressResponse, [](auto* r) { r->set_search_id(1); r->set_skip(-1); })},
      Case{"epoch progress unknown search", kSearch + "ListEpochProgress", grpc::NOT_FOUND, HasSubstr("search 424242"),
           NAS_SEARCH_CALL(ListEpochProgress, ListEpochProgressRequest, ListEpochProgressResponse, [](auto* r) { r->set_search_id(424242); })},
      Case{"workers window negative", kSearch + "ListWorkers", kInvalid, NamesField("seen_within_seconds"),
           NAS_SEARCH_CALL(ListWorkers, ListWorkersRequest, ListWorkersResponse, [](auto* r) { r->set_seen_within_seconds(-1); })},
      Case{"workers window beyond 30 days", kSearch + "ListWorkers", kInvalid, NamesField("seen_within_seconds"),
           NAS_SEARCH_CALL(ListWorkers, ListWorkersRequest, ListWorkersResponse, [](auto* r) { r->set_seen_within_seconds(30 * 86400 + 1); })},
      Case{"job logs id zero", kSearch + "ListJobLogs", kInvalid, NamesField("search_id"),
           NAS_SEARCH_CALL(ListJobLogs, ListJobLogsRequest, ListJobLogsResponse, [](auto*) {})},
      Case{"job logs negative individual", kSearch + "ListJobLogs", kInvalid, NamesField("individual_id"),
           NAS_SEARCH_CALL(ListJobLogs, ListJobLogsRequest, ListJobLogsResponse, [search](auto* r) { r->set_search_id(search); r->set_individual_id(-1); })},
      Case{"job logs negative skip", kSearch + "ListJobLogs", kInvalid, NamesField("skip"),
           NAS_SEARCH_CALL(ListJobLogs, ListJobLogsRequest, ListJobLogsResponse, [search](auto* r) { r->set_search_id(search); r->set_skip(-1); })},
      Case{"extend id zero", kSearch + "ExtendSearch", kInvalid, NamesField("search_id"),
           NAS_SEARCH_CALL(ExtendSearch, ExtendSearchRequest, Search, [](auto* r) { r->set_budget(20); })},
      Case{"extend to a smaller budget", kSearch + "ExtendSearch", kInvalid, NamesField("budget"),
           NAS_SEARCH_CALL(ExtendSearch, ExtendSearchRequest, Search, [search](auto* r) { r->set_search_id(search); r->set_budget(5); })},
      Case{"extend beyond the largest budget", kSearch + "ExtendSearch", kInvalid, NamesField("budget"),
           NAS_SEARCH_CALL(ExtendSearch, ExtendSearchRequest, Search, [search](auto* r) { r->set_search_id(search); r->set_budget(kLargestBudget + 1); })},
      Case{"extend unknown search", kSearch + "ExtendSearch", grpc::NOT_FOUND, HasSubstr("search 424242 does not exist"),
           NAS_SEARCH_CALL(ExtendSearch, ExtendSearchRequest, Search, [](auto* r) { r->set_search_id(424242); r->set_budget(20); })},
      Case{"resume id zero", kSearch + "ResumeSearch", kInvalid, NamesField("search_id"),
           NAS_SEARCH_CALL(ResumeSearch, ResumeSearchRequest, Search, [](auto*) {})},
      Case{"resume a running search", kSearch + "ResumeSearch", grpc::FAILED_PRECONDITION, HasSubstr("only a cancelled search resumes"),
           NAS_SEARCH_CALL(ResumeSearch, ResumeSearchRequest, Search, [search](auto* r) { r->set_search_id(search); })},
      Case{"resume unknown search", kSearch + "ResumeSearch", grpc::NOT_FOUND, HasSubstr("search 424242 does not exist"),
           NAS_SEARCH_CALL(ResumeSearch, ResumeSearchRequest, Search, [](auto* r) { r->set_search_id(424242); })},
      Case{"retry id zero", kSearch + "RetryIndividual", kInvalid, NamesField("individual_id"),
           NAS_SEARCH_CALL(RetryIndividual, RetryIndividualRequest, Individual, [](auto*) {})},
      Case{"retry an individual that did not fail", kSearch + "RetryIndividual", grpc::FAILED_PRECONDITION, HasSubstr("only a failed individual is retried"),
           NAS_SEARCH_CALL(RetryIndividual, RetryIndividualRequest, Individual, [individual](auto* r) { r->set_individual_id(individual); })},
      Case{"retry unknown individual", kSearch + "RetryIndividual", grpc::NOT_FOUND, HasSubstr("individual 999999 does not exist"),
           NAS_SEARCH_CALL(RetryIndividual, RetryIndividualRequest, Individual, [](auto* r) { r->set_individual_id(999999); })},
      lease_case("worker id empty", "worker.worker_id", [](v1::WorkerInfo* w) { w->clear_worker_id(); }),
      lease_case("worker id too long", "worker.worker_id", [](v1::WorkerInfo* w) { w->set_worker_id(std::string(200, 'w')); }),
      lease_case("no job kinds", "worker.job_kinds", [](v1::WorkerInfo* w) { w->clear_job_kinds(); }),
      lease_case("device model with a tab", "worker.device_model", [](v1::WorkerInfo* w) { w->set_device_model("a\tb"); }),
      lease_case("unknown job kind", "worker.job_kinds", [](v1::WorkerInfo* w) { w->add_job_kinds(static_cast<v1::JobKind>(42)); }),
      lease_case("hostname too long", "worker.hostname", [](v1::WorkerInfo* w) { w->set_hostname(std::string(300, 'h')); }),
      lease_case("device too long", "worker.device", [](v1::WorkerInfo* w) { w->set_device(std::string(100, 'd')); }),
      heartbeat_case("heartbeat no worker", kInvalid, NamesField("worker_id"), [](v1::HeartbeatRequest* r) { r->clear_worker_id(); }),
      heartbeat_case("heartbeat job zero", kInvalid, NamesField("job_id"), [](v1::HeartbeatRequest* r) { r->set_job_id(0); }),
      heartbeat_case("heartbeat attempt zero", kInvalid, NamesField("attempt"), [](v1::HeartbeatRequest* r) { r->set_attempt(0); }),
      heartbeat_case("heartbeat progress NaN", kInvalid, NamesField("progress"), [nan](v1::HeartbeatRequest* r) { r->set_progress(nan); }),
      heartbeat_case("heartbeat progress above one", kInvalid, NamesField("progress"), [](v1::HeartbeatRequest* r) { r->set_progress(1.5); }),
      heartbeat_case("heartbeat wrong attempt", grpc::FAILED_PRECONDITION, HasSubstr("is not held"), [](v1::HeartbeatRequest* r) { r->set_attempt(2); }),
      heartbeat_case("heartbeat unknown job", grpc::NOT_FOUND, HasSubstr("job 98765 does not exist"), [](v1::HeartbeatRequest* r) { r->set_job_id(98765); }),
      heartbeat_case("heartbeat epoch beyond its epochs", kInvalid, NamesField("epoch.epoch"), [](v1::HeartbeatRequest* r) { r->mutable_epoch()->set_epoch(5); r->mutable_epoch()->set_epochs(3); }),
      heartbeat_case("heartbeat epoch NaN metric", kInvalid, NamesField("epoch.metrics[loss]"), [nan](v1::HeartbeatRequest* r) { r->mutable_epoch()->set_epoch(1); r->mutable_epoch()->set_epochs(3); (*r->mutable_epoch()->mutable_metrics())["loss"] = nan; }),
      report_case("report latency table from a candidate", kInvalid, NamesField("result.latency_table"), [](v1::ReportResultRequest* r) { r->mutable_result()->set_latency_table(R"({"base": 1})"); }),
      report_case("report architecture from a candidate", kInvalid, NamesField("result.architecture"), [](v1::ReportResultRequest* r) { r->mutable_result()->mutable_architecture()->set_text("normal: x"); }),
      report_case("report no outcome", kInvalid, NamesField("outcome"), [](v1::ReportResultRequest* r) { r->clear_result(); }),
      report_case("report NaN fitness", kInvalid, NamesField("result.fitness"), [nan](v1::ReportResultRequest* r) { r->mutable_result()->set_fitness(nan); }),
      report_case("report negative parameters", kInvalid, NamesField("result.parameter_count"), [](v1::ReportResultRequest* r) { r->mutable_result()->set_parameter_count(-1); }),
      report_case("report empty metric name", kInvalid, NamesField("result.metrics[]"), [](v1::ReportResultRequest* r) { (*r->mutable_result()->mutable_metrics())[""] = 1; }),
      report_case("report infinite metric", kInvalid, NamesField("result.metrics[loss]"), [](v1::ReportResultRequest* r) { (*r->mutable_result()->mutable_metrics())["loss"] = std::numeric_limits<double>::infinity(); }),
      report_case("report reason too long", kInvalid, NamesField("failure.reason"), [](v1::ReportResultRequest* r) { r->mutable_failure()->set_reason(std::string(20000, 'r')); }),
      report_case("report no worker", kInvalid, NamesField("worker_id"), [](v1::ReportResultRequest* r) { r->clear_worker_id(); }),
      report_case("report other worker", grpc::FAILED_PRECONDITION, HasSubstr("is not held"), [](v1::ReportResultRequest* r) { r->set_worker_id("w2"); }),
      report_case("report stale attempt", grpc::FAILED_PRECONDITION, HasSubstr("is not held"), [](v1::ReportResultRequest* r) { r->set_attempt(7); }),
      report_case("report unknown job", grpc::NOT_FOUND, HasSubstr("job 55555 does not exist"), [](v1::ReportResultRequest* r) { r->set_job_id(55555); }),
      // The first chunk is stored before the second is refused: the refusal
      // must take it away again (checkpoint_chunks unchanged).
      Case{"upload chunk over 1 MiB", kWorker + "UploadCheckpoint", kInvalid, NamesField("data"),
           [big_chunk](SS&, WS& w) { return Upload(w, {"first chunk", big_chunk}); }},
      Case{"worker download digest malformed", kWorker + "DownloadCheckpoint", kInvalid, NamesField("digest"),
           [](SS&, WS& w) { return Download(w, "md5:0"); }},
      Case{"worker download digest unknown", kWorker + "DownloadCheckpoint", grpc::NOT_FOUND, HasSubstr("is not stored"),
           [unknown_digest](SS&, WS& w) { return Download(w, unknown_digest); }},
      Case{"message over the size limit", kSearch + "CreateSearch", grpc::RESOURCE_EXHAUSTED, _,
           [](SS& s, WS&) {
             return Create(s, [](v1::SearchSpec* spec) { spec->set_name(std::string(5 << 20, 'x')); });
           }},
  };
  // clang-format on
#undef NAS_SEARCH_CALL

  // Every RPC of both services has at least one bad request above.
  std::set<std::string> covered;
  for (const Case& c : cases) covered.insert(c.rpc);
  for (const char* service : {"nas.v1.SearchService", "nas.v1.WorkerService"}) {
    const auto* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
    ASSERT_NE(descriptor, nullptr) << service;
    for (int m = 0; m < descriptor->method_count(); ++m) {
      const std::string rpc = absl::StrCat(descriptor->name(), "/", descriptor->method(m)->name());
      EXPECT_TRUE(covered.count(rpc)) << rpc << " has no bad-input case";
    }
  }

  // The database before and after each request, so a change is traced to
  // the request that made it.
  pqxx::connection conn(db.dsn());
  std::map<std::string, std::string> before = Snapshot(conn);
  ASSERT_TRUE(before.count("checkpoint_chunks") && before.count("workers"))
      << "the snapshot misses tables";
  for (const Case& c : cases) {
    const grpc::Status status = c.call(*searches, *workers);
    EXPECT_EQ(status.error_code(), c.code) << c.name << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), c.message) << c.name;
    std::map<std::string, std::string> after = Snapshot(conn);
    EXPECT_EQ(ChangedTables(before, after), "") << c.name << " changed the database";
    before = std::move(after);
  }

  // The checks can fail: a valid LeaseJob of a worker not seen before
  // registers its row (one seen within WorkerRefreshes::kInterval is not
  // rewritten), and a nested or longer field does not pass for its prefix.
  ASSERT_TRUE(Lease(*workers, [](v1::WorkerInfo* w) { w->set_worker_id("w-new"); }).ok());
  EXPECT_THAT(ChangedTables(before, Snapshot(conn)), HasSubstr(" workers"));
  EXPECT_THAT(std::string("spec.space.darts_cell.nodes: must be 1..8"),
              Not(NamesField("spec.space")));
  EXPECT_THAT(std::string("myspec.space: x"), Not(NamesField("spec.space")));
  EXPECT_THAT(std::string("invalid spec.space: x"), NamesField("spec.space"));
}

}  // namespace
}  // namespace nas
