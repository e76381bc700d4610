#include "common/constraints/constraint_check.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

google::protobuf::Map<std::string, double> Metrics(double flops, double latency_ms) {
  google::protobuf::Map<std::string, double> m;
  m["flops"] = flops;
  m["latency_ms"] = latency_ms;
  return m;
}

TEST(ConstraintCheckTest, NoLimitsHoldForAnything) {
  v1::Constraints none;
  EXPECT_FALSE(HasConstraints(none));
  EXPECT_EQ(ConstraintViolations(none, 1'000'000'000, {}), "");
}

TEST(ConstraintCheckTest, LimitsAreInclusive) {
  v1::Constraints c;
  c.set_max_parameters(5000);
  c.set_max_flops(200000);
  c.set_max_latency_ms(3.5);
  EXPECT_TRUE(HasConstraints(c));
  EXPECT_EQ(ConstraintViolations(c, 5000, Metrics(200000, 3.5)), "");
}

TEST(ConstraintCheckTest, EachBrokenLimitIsNamedWithItsValue) {
  v1::Constraints c;
  c.set_max_parameters(5000);
  c.set_max_flops(200000);
  c.set_max_latency_ms(3.5);
  EXPECT_EQ(ConstraintViolations(c, 5001, Metrics(1, 1)),
            "parameter_count 5001 > constraints.max_parameters 5000");
  EXPECT_EQ(ConstraintViolations(c, 1, Metrics(200001, 1)),
            "flops 200001 > constraints.max_flops 200000");
  const std::string both = ConstraintViolations(c, 7000, Metrics(1, 4.25));
  EXPECT_THAT(both, HasSubstr("parameter_count 7000 > constraints.max_parameters 5000"));
  EXPECT_THAT(both, HasSubstr("latency_ms 4.25 > constraints.max_latency_ms 3.5"));
}

TEST(ConstraintCheckTest, AnUnmeasuredLimitIsBroken) {
  v1::Constraints c;
  c.set_max_flops(10);
  EXPECT_EQ(ConstraintViolations(c, 1, {}), "flops not measured (constraints.max_flops 10)");
  google::protobuf::Map<std::string, double> nan;
  nan["flops"] = std::nan("");
  EXPECT_THAT(ConstraintViolations(c, 1, nan), HasSubstr("flops not measured"));
}

}  // namespace
}  // namespace nas
