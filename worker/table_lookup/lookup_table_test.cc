#include "worker/table_lookup/lookup_table.h"

#include <cstdlib>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

std::string SharedData() {
  const char* dir = std::getenv("NAS_SHARED_DATA");
  EXPECT_NE(dir, nullptr) << "run through scripts/test.sh (NAS_SHARED_DATA)";
  return dir ? dir : "";
}

std::string WriteFile(const std::string& name, const std::string& content) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << content;
  return path;
}

TEST(LookupTableTest, ReadsTheShippedNasBench201Table) {
  auto table = LookupTable::Load(SharedData() + "/nasbench201/nb201_cifar10_test_acc.csv",
                                 "arch", "cifar10_test_acc_200ep");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 15625u);
  auto best = table->Find(
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|"
      "nor_conv_3x3~1|nor_conv_1x1~2|");
  ASSERT_TRUE(best.ok());
  EXPECT_NEAR(*best, 94.3733, 1e-3);
}

TEST(LookupTableTest, AcceptsAnyTableOfTheSameLayout) {
  const std::string path = WriteFile(
      "other.csv",
      "cell,\"valid acc\",params\n"
      "\"|none~0|+|none~0|none~1|+|none~0|none~1|none~2|\",10.5,3\n"
      "|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|,42,4\n");
  auto table = LookupTable::Load(path, "cell", "valid acc");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(*table->Find("|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|"), 42);
  auto params = LookupTable::Load(path, "cell", "params");
  EXPECT_EQ(*params->Find("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"), 3);
  EXPECT_EQ(table->Find("|x~0|").status().code(), absl::StatusCode::kNotFound);
}

TEST(LookupTableTest, BadTablesGetClearErrors) {
  EXPECT_THAT(LookupTable::Load(WriteFile("a.csv", "cell,v\nx,1\n"), "cell", "acc")
                  .status().message(),
              HasSubstr("header has no column 'acc'"));
  EXPECT_THAT(LookupTable::Load(WriteFile("b.csv", "cell,v\nx,1\ny,abc\n"), "cell", "v")
                  .status().message(),
              HasSubstr("line 3: column 'v' value 'abc' is not a finite number"));
  EXPECT_THAT(LookupTable::Load(WriteFile("c.csv", "cell,v\nx,1,2\n"), "cell", "v")
                  .status().message(),
              HasSubstr("line 2: has 3 fields"));
  EXPECT_THAT(LookupTable::Load(WriteFile("d.csv", "cell,v\nx,1\nx,2\n"), "cell", "v")
                  .status().message(),
              HasSubstr("listed twice"));
  EXPECT_EQ(LookupTable::Load("/nonexistent.csv", "a", "b").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace nas
