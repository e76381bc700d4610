#include "worker/runtime/job_payload.h"

#include "gtest/gtest.h"

namespace nas {
namespace {

TEST(CheckJobPayloadTest, AcceptsTheExpectedPayload) {
  v1::Job job;
  job.set_kind(v1::TABLE_LOOKUP);
  job.mutable_table_lookup()->set_table_path("/t.csv");
  EXPECT_TRUE(CheckJobPayload(job, v1::Job::kTableLookup).ok());
}

TEST(CheckJobPayloadTest, NamesTheKindTheWantedAndTheGivenPayload) {
  v1::Job job;
  job.set_kind(v1::TRAIN_CANDIDATE);
  job.mutable_table_lookup();
  const absl::Status status = CheckJobPayload(job, v1::Job::kTrain);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "job.payload: a TRAIN_CANDIDATE job needs train, got table_lookup");
}

TEST(CheckJobPayloadTest, NamesAMissingPayload) {
  v1::Job job;
  job.set_kind(v1::MEASURE_LATENCY);
  EXPECT_EQ(CheckJobPayload(job, v1::Job::kTfnas).message(),
            "job.payload: a MEASURE_LATENCY job needs tfnas, got none");
}

}  // namespace
}  // namespace nas
