// Job logs and the workers listing as a user sees them: a real worker runs a
// candidate whose training diverges and one that trains, and ListJobLogs
// shows why the first failed and each epoch of the second; ListWorkers shows
// the worker with its device and slots.
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/testing/local_cluster.h"
#include "tests/testing/specs.h"
#include "tests/testing/status_assertions.h"

namespace nas {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

std::vector<v1::JobLogLine> Logs(testing::LocalCluster& cluster, int64_t search_id) {
  v1::ListJobLogsRequest request;
  request.set_search_id(search_id);
  v1::ListJobLogsResponse response;
  grpc::ClientContext context;
  const grpc::Status status = cluster.SearchStub()->ListJobLogs(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return {response.lines().begin(), response.lines().end()};
}

std::vector<std::string> Texts(const std::vector<v1::JobLogLine>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines) out.push_back(line.text());
  return out;
}

TEST(JobLogsTest, TheLogsSayWhyACandidateFailedAndHowTheOtherTrained) {
  testing::LocalCluster cluster("job_logs");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1", 0, {"--slots=2"});

  v1::SearchSpec diverging = testing::DigitsSpec(/*epochs=*/1);
  diverging.set_name("diverging");
  diverging.set_budget(1);
  testing::MakeDiverging(&diverging);
  v1::SearchSpec healthy = testing::DigitsSpec(/*epochs=*/2);
  healthy.set_name("healthy");
  healthy.set_budget(1);
  ASSERT_OK_AND_ASSIGN(const int64_t failing_id, cluster.CreateSearch(diverging));
  ASSERT_OK_AND_ASSIGN(const int64_t healthy_id, cluster.CreateSearch(healthy));
  for (int64_t id : {failing_id, healthy_id}) {
    auto done = cluster.WaitForSearch(id, absl::Minutes(3));
    ASSERT_TRUE(done.ok()) << done.status() << cluster.Logs();
  }

  const std::vector<v1::JobLogLine> failed = Logs(cluster, failing_id);
  const std::vector<std::string> failed_texts = Texts(failed);
  const std::string failed_log = absl::StrJoin(failed_texts, "\n");
  ASSERT_GE(failed.size(), 2u) << failed_log << cluster.Logs();
  EXPECT_THAT(failed_texts.front(), HasSubstr("started TRAIN_CANDIDATE of individual"));
  EXPECT_THAT(failed_texts.front(), HasSubstr("on cpu ("));
  EXPECT_THAT(failed_texts.back(), HasSubstr("failed: non-finite loss")) << failed_log;
  EXPECT_EQ(failed.back().worker_id(), "w1");
  EXPECT_EQ(failed.back().attempt(), 1);

  const std::vector<std::string> trained = Texts(Logs(cluster, healthy_id));
  const std::string trained_log = absl::StrJoin(trained, "\n");
  ASSERT_EQ(trained.size(), 4u) << trained_log << cluster.Logs();
  EXPECT_THAT(trained[0], HasSubstr("started TRAIN_CANDIDATE"));
  EXPECT_THAT(trained[1], HasSubstr("epoch 1/2: train_loss "));
  EXPECT_THAT(trained[2], HasSubstr("epoch 2/2: train_loss "));
  EXPECT_THAT(trained[3], HasSubstr("finished: fitness 0."));

  v1::ListWorkersResponse workers;
  grpc::ClientContext context;
  ASSERT_TRUE(cluster.SearchStub()->ListWorkers(&context, {}, &workers).ok());
  ASSERT_EQ(workers.workers_size(), 1);
  const v1::WorkerStatus& w = workers.workers(0);
  EXPECT_EQ(w.worker_id(), "w1");
  EXPECT_EQ(w.device(), "cpu");
  EXPECT_FALSE(w.device_model().empty());
  EXPECT_EQ(w.slots(), 2);
  EXPECT_THAT(w.job_kinds(), Contains(v1::TRAIN_CANDIDATE));
  EXPECT_EQ(w.jobs_size(), 0) << "both searches are done";
}

// A long job's lines arrive with its heartbeats, while it runs: a reader
// polling by skip sees its epochs live, and ListWorkers shows the job.
TEST(JobLogsTest, ALongJobsLinesArriveWhileItRuns) {
  testing::LocalCluster cluster("job_logs_live");
  ASSERT_OK(cluster.StartController());
  cluster.StartWorker("w1");
  v1::SearchSpec slow = testing::DigitsSpec(/*epochs=*/200);  // Minutes: cancelled below.
  slow.set_name("slow");
  slow.set_lease_seconds(5);  // A heartbeat every 1.7 s.
  ASSERT_OK_AND_ASSIGN(const int64_t id, cluster.CreateSearch(slow));

  std::vector<std::string> seen;
  const absl::Time deadline = absl::Now() + absl::Minutes(2);
  while (absl::Now() < deadline && (seen.size() < 3 || seen.back().rfind("epoch ", 0) != 0)) {
    v1::ListJobLogsRequest request;
    request.set_search_id(id);
    request.set_skip(static_cast<int>(seen.size()));
    v1::ListJobLogsResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(cluster.SearchStub()->ListJobLogs(&context, request, &response).ok());
    for (const auto& line : response.lines()) seen.push_back(line.text());
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_GE(seen.size(), 3u) << absl::StrJoin(seen, "\n") << cluster.Logs();
  EXPECT_THAT(seen[0], HasSubstr("started TRAIN_CANDIDATE"));
  EXPECT_EQ(seen[1].rfind("epoch 1/200: train_loss ", 0), 0u) << seen[1];
  EXPECT_EQ(seen[2].rfind("epoch 2/200: train_loss ", 0), 0u) << seen[2];

  v1::ListWorkersResponse workers;
  grpc::ClientContext list_context;
  ASSERT_TRUE(cluster.SearchStub()->ListWorkers(&list_context, {}, &workers).ok());
  ASSERT_EQ(workers.workers_size(), 1);
  ASSERT_EQ(workers.workers(0).jobs_size(), 1) << "the job is still running";
  EXPECT_EQ(workers.workers(0).jobs(0).search_id(), id);
  EXPECT_GT(workers.workers(0).jobs(0).progress(), 0);

  v1::CancelSearchRequest cancel;
  cancel.set_search_id(id);
  v1::Search cancelled;
  grpc::ClientContext cancel_context;
  EXPECT_TRUE(cluster.SearchStub()->CancelSearch(&cancel_context, cancel, &cancelled).ok());
}

}  // namespace
}  // namespace nas
