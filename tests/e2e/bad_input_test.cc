// Malformed requests to every RPC: each is answered with the fitting code and
// a message naming the field, and the database is unchanged afterwards.
#include <functional>
#include <limits>

#include "absl/strings/str_cat.h"
#include "controller/server.h"
#include "gmock/gmock.h"
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

struct Case {
  std::string name;
  grpc::StatusCode code;
  std::string message;  // Must appear in the error message.
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

// Every row of every table, as text: equal snapshots = unchanged database.
std::string Snapshot(const std::string& dsn) {
  pqxx::connection conn(dsn);
  pqxx::work txn(conn);
  std::string out;
  for (const char* table :
       {"searches", "individuals", "individual_metrics", "jobs", "job_attempts", "job_epochs",
        "checkpoints", "latency_tables"}) {
    absl::StrAppend(&out, table, ": ",
                    txn.exec1(absl::StrCat("SELECT COALESCE(string_agg(t::text, '|' ORDER BY "
                                           "t::text), '') FROM ",
                                           table, " t"))[0]
                        .as<std::string>(),
                    "\n");
  }
  // Workers' last_seen moves on every lease; compare identities only.
  absl::StrAppend(&out, "workers: ",
                  txn.exec1("SELECT COALESCE(string_agg(id, ',' ORDER BY id), '') FROM workers")[0]
                      .as<std::string>());
  return out;
}

TEST(BadInputTest, EveryMalformedRequestIsRefusedAndChangesNothing) {
  testing::TestDatabase db;
  ControllerServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.database_dsn = db.dsn();
  options.max_message_bytes = 1 << 20;
  auto server = ControllerServer::BuildAndStart(options);
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                     grpc::InsecureChannelCredentials());
  auto searches = v1::SearchService::NewStub(channel);
  auto workers = v1::WorkerService::NewStub(channel);

  // One real search with one leased job, so reports have something to hit.
  ASSERT_TRUE(Create(*searches, [](v1::SearchSpec*) {}, "first-submit").ok());
  v1::LeaseJobRequest lease;
  *lease.mutable_worker() = GoodWorker();
  v1::LeaseJobResponse leased;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(workers->LeaseJob(&context, lease, &leased).ok());
    ASSERT_TRUE(leased.has_job());
  }
  const int64_t job = leased.job().job_id();
  const std::string before = Snapshot(db.dsn());

  using SS = v1::SearchService::Stub;
  using WS = v1::WorkerService::Stub;
  const auto kInvalid = grpc::INVALID_ARGUMENT;
  auto spec_case = [](std::string name, std::string message,
                      std::function<void(v1::SearchSpec*)> edit) {
    return Case{name, grpc::INVALID_ARGUMENT, message,
                [edit](SS& s, WS&) { return Create(s, edit); }};
  };
  auto lease_case = [](std::string name, std::string message,
                       std::function<void(v1::WorkerInfo*)> edit) {
    return Case{name, grpc::INVALID_ARGUMENT, message,
                [edit](SS&, WS& w) { return Lease(w, edit); }};
  };
  auto heartbeat_case = [job](std::string name, grpc::StatusCode code, std::string message,
                              std::function<void(v1::HeartbeatRequest*)> edit) {
    return Case{name, code, message, [job, edit](SS&, WS& w) {
                  v1::HeartbeatRequest r = GoodHeartbeat(job);
                  edit(&r);
                  grpc::ClientContext context;
                  v1::HeartbeatResponse response;
                  return w.Heartbeat(&context, r, &response);
                }};
  };
  auto report_case = [job](std::string name, grpc::StatusCode code, std::string message,
                           std::function<void(v1::ReportResultRequest*)> edit) {
    return Case{name, code, message, [job, edit](SS&, WS& w) {
                  v1::ReportResultRequest r = GoodReport(job);
                  edit(&r);
                  grpc::ClientContext context;
                  v1::ReportResultResponse response;
                  return w.ReportResult(&context, r, &response);
                }};
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();

  std::vector<Case> cases = {
      Case{"request_id too long", kInvalid, "request_id: must be at most 128 printable ASCII",
           [](SS& s, WS&) { return Create(s, [](v1::SearchSpec*) {}, std::string(129, 'r')); }},
      Case{"request_id with a newline", kInvalid, "request_id: must be at most 128 printable",
           [](SS& s, WS&) { return Create(s, [](v1::SearchSpec*) {}, "a\nb"); }},
      Case{"request_id reused for another spec", grpc::ALREADY_EXISTS,
           "request_id: 'first-submit' already created search 1 with a different spec",
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
      Case{"get search id zero", kInvalid, "search_id", [](SS& s, WS&) {
             grpc::ClientContext c; v1::GetSearchRequest r; v1::Search out;
             return s.GetSearch(&c, r, &out); }},
      Case{"get unknown search", grpc::NOT_FOUND, "search 424242", [](SS& s, WS&) {
             grpc::ClientContext c; v1::GetSearchRequest r; r.set_search_id(424242); v1::Search out;
             return s.GetSearch(&c, r, &out); }},
      Case{"list searches page size", kInvalid, "page_size", [](SS& s, WS&) {
             grpc::ClientContext c; v1::ListSearchesRequest r; r.set_page_size(5000);
             v1::ListSearchesResponse out; return s.ListSearches(&c, r, &out); }},
      Case{"list searches token", kInvalid, "page_token", [](SS& s, WS&) {
             grpc::ClientContext c; v1::ListSearchesRequest r; r.set_page_token("x");
             v1::ListSearchesResponse out; return s.ListSearches(&c, r, &out); }},
      Case{"cancel id negative", kInvalid, "search_id", [](SS& s, WS&) {
             grpc::ClientContext c; v1::CancelSearchRequest r; r.set_search_id(-3); v1::Search out;
             return s.CancelSearch(&c, r, &out); }},
      Case{"cancel unknown", grpc::NOT_FOUND, "does not exist", [](SS& s, WS&) {
             grpc::ClientContext c; v1::CancelSearchRequest r; r.set_search_id(77777); v1::Search out;
             return s.CancelSearch(&c, r, &out); }},
      Case{"individuals id zero", kInvalid, "search_id", [](SS& s, WS&) {
             grpc::ClientContext c; v1::ListIndividualsRequest r; v1::ListIndividualsResponse out;
             return s.ListIndividuals(&c, r, &out); }},
      Case{"individuals negative page", kInvalid, "page_size", [](SS& s, WS&) {
             grpc::ClientContext c; v1::ListIndividualsRequest r; r.set_search_id(1); r.set_page_size(-1);
             v1::ListIndividualsResponse out; return s.ListIndividuals(&c, r, &out); }},
      Case{"individuals bad token", kInvalid, "page_token", [](SS& s, WS&) {
             grpc::ClientContext c; v1::ListIndividualsRequest r; r.set_search_id(1); r.set_page_token("!");
             v1::ListIndividualsResponse out; return s.ListIndividuals(&c, r, &out); }},
      Case{"best id zero", kInvalid, "search_id", [](SS& s, WS&) {
             grpc::ClientContext c; v1::GetBestIndividualRequest r; v1::Individual out;
             return s.GetBestIndividual(&c, r, &out); }},
      Case{"lineage id zero", kInvalid, "individual_id", [](SS& s, WS&) {
             grpc::ClientContext c; v1::GetLineageRequest r; v1::GetLineageResponse out;
             return s.GetLineage(&c, r, &out); }},
      Case{"lineage unknown", grpc::NOT_FOUND, "individual 999999", [](SS& s, WS&) {
             grpc::ClientContext c; v1::GetLineageRequest r; r.set_individual_id(999999);
             v1::GetLineageResponse out; return s.GetLineage(&c, r, &out); }},
      Case{"epoch progress id zero", kInvalid, "search_id", [](SS& s, WS&) {
             grpc::ClientContext c; v1::ListEpochProgressRequest r; v1::ListEpochProgressResponse out;
             return s.ListEpochProgress(&c, r, &out); }},
      Case{"epoch progress negative skip", kInvalid, "skip", [](SS& s, WS&) {
             grpc::ClientContext c; v1::ListEpochProgressRequest r; r.set_search_id(1); r.set_skip(-1);
             v1::ListEpochProgressResponse out; return s.ListEpochProgress(&c, r, &out); }},
      Case{"epoch progress unknown search", grpc::NOT_FOUND, "search 424242", [](SS& s, WS&) {
             grpc::ClientContext c; v1::ListEpochProgressRequest r; r.set_search_id(424242);
             v1::ListEpochProgressResponse out; return s.ListEpochProgress(&c, r, &out); }},
      lease_case("worker id empty", "worker.worker_id", [](v1::WorkerInfo* w) { w->clear_worker_id(); }),
      lease_case("worker id too long", "worker.worker_id", [](v1::WorkerInfo* w) { w->set_worker_id(std::string(200, 'w')); }),
      lease_case("no job kinds", "worker.job_kinds", [](v1::WorkerInfo* w) { w->clear_job_kinds(); }),
      lease_case("device model with a tab", "worker.device_model", [](v1::WorkerInfo* w) { w->set_device_model("a\tb"); }),
      lease_case("unknown job kind", "worker.job_kinds", [](v1::WorkerInfo* w) { w->add_job_kinds(static_cast<v1::JobKind>(42)); }),
      lease_case("hostname too long", "worker.hostname", [](v1::WorkerInfo* w) { w->set_hostname(std::string(300, 'h')); }),
      lease_case("device too long", "worker.device", [](v1::WorkerInfo* w) { w->set_device(std::string(100, 'd')); }),
      heartbeat_case("heartbeat no worker", kInvalid, "worker_id", [](v1::HeartbeatRequest* r) { r->clear_worker_id(); }),
      heartbeat_case("heartbeat job zero", kInvalid, "job_id", [](v1::HeartbeatRequest* r) { r->set_job_id(0); }),
      heartbeat_case("heartbeat attempt zero", kInvalid, "attempt", [](v1::HeartbeatRequest* r) { r->set_attempt(0); }),
      heartbeat_case("heartbeat progress NaN", kInvalid, "progress", [nan](v1::HeartbeatRequest* r) { r->set_progress(nan); }),
      heartbeat_case("heartbeat progress above one", kInvalid, "progress", [](v1::HeartbeatRequest* r) { r->set_progress(1.5); }),
      heartbeat_case("heartbeat wrong attempt", grpc::FAILED_PRECONDITION, "is not held", [](v1::HeartbeatRequest* r) { r->set_attempt(2); }),
      heartbeat_case("heartbeat unknown job", grpc::NOT_FOUND, "does not exist", [](v1::HeartbeatRequest* r) { r->set_job_id(98765); }),
      heartbeat_case("heartbeat epoch beyond its epochs", kInvalid, "epoch.epoch", [](v1::HeartbeatRequest* r) { r->mutable_epoch()->set_epoch(5); r->mutable_epoch()->set_epochs(3); }),
      heartbeat_case("heartbeat epoch NaN metric", kInvalid, "epoch.metrics[loss]", [nan](v1::HeartbeatRequest* r) { r->mutable_epoch()->set_epoch(1); r->mutable_epoch()->set_epochs(3); (*r->mutable_epoch()->mutable_metrics())["loss"] = nan; }),
      report_case("report latency table from a candidate", kInvalid, "result.latency_table", [](v1::ReportResultRequest* r) { r->mutable_result()->set_latency_table(R"({"base": 1})"); }),
      report_case("report architecture from a candidate", kInvalid, "result.architecture", [](v1::ReportResultRequest* r) { r->mutable_result()->mutable_architecture()->set_text("normal: x"); }),
      report_case("report no outcome", kInvalid, "outcome", [](v1::ReportResultRequest* r) { r->clear_result(); }),
      report_case("report NaN fitness", kInvalid, "result.fitness", [nan](v1::ReportResultRequest* r) { r->mutable_result()->set_fitness(nan); }),
      report_case("report negative parameters", kInvalid, "result.parameter_count", [](v1::ReportResultRequest* r) { r->mutable_result()->set_parameter_count(-1); }),
      report_case("report empty metric name", kInvalid, "result.metrics", [](v1::ReportResultRequest* r) { (*r->mutable_result()->mutable_metrics())[""] = 1; }),
      report_case("report infinite metric", kInvalid, "result.metrics[loss]", [](v1::ReportResultRequest* r) { (*r->mutable_result()->mutable_metrics())["loss"] = std::numeric_limits<double>::infinity(); }),
      report_case("report reason too long", kInvalid, "failure.reason", [](v1::ReportResultRequest* r) { r->mutable_failure()->set_reason(std::string(20000, 'r')); }),
      report_case("report no worker", kInvalid, "worker_id", [](v1::ReportResultRequest* r) { r->clear_worker_id(); }),
      report_case("report other worker", grpc::FAILED_PRECONDITION, "is not held", [](v1::ReportResultRequest* r) { r->set_worker_id("w2"); }),
      report_case("report stale attempt", grpc::FAILED_PRECONDITION, "is not held", [](v1::ReportResultRequest* r) { r->set_attempt(7); }),
      report_case("report unknown job", grpc::NOT_FOUND, "does not exist", [](v1::ReportResultRequest* r) { r->set_job_id(55555); }),
      Case{"message over the size limit", grpc::RESOURCE_EXHAUSTED, "", [](SS& s, WS&) {
             return Create(s, [](v1::SearchSpec* spec) { spec->set_name(std::string(2 << 20, 'x')); }); }},
  };
  ASSERT_GE(cases.size(), 30u);
  for (const Case& c : cases) {
    const grpc::Status status = c.call(*searches, *workers);
    EXPECT_EQ(status.error_code(), c.code) << c.name << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(c.message)) << c.name;
  }
  EXPECT_EQ(Snapshot(db.dsn()), before) << "a refused request changed the database";
}

}  // namespace
}  // namespace nas
