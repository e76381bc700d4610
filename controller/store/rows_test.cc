// DoubleField against the float8 text PostgreSQL sends.
#include "controller/store/rows.h"

#include <cmath>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/testing/test_database.h"

namespace nas {
namespace {

TEST(DoubleFieldTest, ReadsWhatAsDoubleReads) {
  testing::TestDatabase db;
  pqxx::connection conn(db.dsn());
  pqxx::work txn(conn);
  const pqxx::row row = txn.exec1(
      "SELECT 0.25::float8, 0.1::float8, -1e-300::float8, 1.7976931348623157e308::float8, "
      "0.9312345678901234::float8, 'Infinity'::float8, '-Infinity'::float8, 'NaN'::float8, "
      "NULL::float8, 42::int");
  for (int i : {0, 1, 2, 3, 4, 9}) {
    EXPECT_EQ(DoubleField(row[i]), row[i].as<double>()) << "column " << i << ": " << row[i].c_str();
  }
  EXPECT_EQ(DoubleField(row[5]), std::numeric_limits<double>::infinity());
  EXPECT_EQ(DoubleField(row[6]), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(DoubleField(row[7])));
  EXPECT_THROW(DoubleField(row[8]), std::exception);
}

TEST(ParseSpecTextTest, RepeatedAndDifferentTexts) {
  for (int round = 0; round < 3; ++round) {  // The later rounds come from the cache.
    for (int budget = 1; budget <= 100; ++budget) {
      auto spec = ParseSpecText("budget: " + std::to_string(budget));
      ASSERT_TRUE(spec.ok()) << spec.status();
      EXPECT_EQ(spec->budget(), budget);
    }
  }
  EXPECT_FALSE(ParseSpecText("budget: \"many\"").ok());
  EXPECT_FALSE(ParseSpecText("budget: \"many\"").ok());  // Failures are not cached.
}

}  // namespace
}  // namespace nas
