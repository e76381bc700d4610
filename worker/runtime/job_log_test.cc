#include "worker/runtime/job_log.h"

#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/rpc/log_lines.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(JobLogTest, LinesArePrintedAtOnceAndTakenOnce) {
  std::ostringstream err;
  JobLog log("w1 slot 0: job 3 attempt 1", &err);
  log.Add("started");
  log.Add("epoch 1/2:\nloss 0.5");
  EXPECT_EQ(err.str(),
            "w1 slot 0: job 3 attempt 1: started\n"
            "w1 slot 0: job 3 attempt 1: epoch 1/2: loss 0.5\n");
  EXPECT_THAT(log.Take(), ElementsAre("started", "epoch 1/2: loss 0.5"));
  EXPECT_TRUE(log.Take().empty());
  log.Add(std::string(kMaxLogLineBytes + 10, 'x'));
  EXPECT_THAT(log.Take(), ElementsAre(std::string(kMaxLogLineBytes, 'x')));
}

// Past its bound the log keeps the newest lines and says how many it
// dropped; whatever it holds fits one request.
TEST(JobLogTest, ABacklogKeepsTheNewestLinesAndCountsTheDropped) {
  JobLog log("job", nullptr);
  const int extra = 25;
  for (int i = 0; i < JobLog::kMaxPendingLines + extra; ++i) log.Add(absl::StrCat("line ", i));
  std::vector<std::string> taken = log.Take();
  ASSERT_EQ(taken.size(), static_cast<size_t>(kMaxLogLinesPerRequest));
  EXPECT_THAT(taken.front(), HasSubstr("[25 line(s) dropped on the worker"));
  EXPECT_EQ(taken[1], absl::StrCat("line ", extra));
  EXPECT_EQ(taken.back(), absl::StrCat("line ", JobLog::kMaxPendingLines + extra - 1));
  log.Add("after");
  EXPECT_THAT(log.Take(), ElementsAre("after")) << "the count starts again";
}

// Every line written while another thread takes is either taken or counted
// as dropped: none is lost or taken twice.
TEST(JobLogTest, WritersAndATakerRunningAtOnceAccountForEveryLine) {
  JobLog log("job", nullptr);
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&log, w] {
      for (int i = 0; i < 500; ++i) log.Add(absl::StrCat(w, ":", i));
    });
  }
  std::set<std::string> taken;
  int64_t dropped = 0;
  auto take = [&] {
    for (const std::string& line : log.Take()) {
      int64_t n = 0;
      if (line[0] == '[') {
        ASSERT_TRUE(absl::SimpleAtoi(line.substr(1, line.find(' ') - 1), &n)) << line;
        dropped += n;
      } else {
        EXPECT_TRUE(taken.insert(line).second) << line << " taken twice";
      }
    }
  };
  for (int round = 0; round < 200; ++round) take();
  for (auto& t : writers) t.join();
  take();
  EXPECT_EQ(static_cast<int64_t>(taken.size()) + dropped, 2000);
}

}  // namespace
}  // namespace nas
