#include "common/rpc/log_lines.h"

#include <string>

#include "gtest/gtest.h"

namespace nas {
namespace {

TEST(CleanLogLineTest, ControlCharactersBecomeSpaces) {
  EXPECT_EQ(CleanLogLine(std::string("a\nb\tc\rd\0e\x7f", 10)), "a b c d e ");
  EXPECT_EQ(CleanLogLine("epoch 1/3: loss 0.5"), "epoch 1/3: loss 0.5");
}

TEST(CleanLogLineTest, LongLinesAreCutAtACharacterBoundary) {
  EXPECT_EQ(CleanLogLine(std::string(kMaxLogLineBytes, 'x')).size(), kMaxLogLineBytes);
  EXPECT_EQ(CleanLogLine(std::string(kMaxLogLineBytes + 5, 'x')).size(), kMaxLogLineBytes);
  // "é" is two bytes: 999 ASCII bytes and then "é" would be split at 1000.
  const std::string split = std::string(kMaxLogLineBytes - 1, 'x') + "\xC3\xA9";
  EXPECT_EQ(CleanLogLine(split), std::string(kMaxLogLineBytes - 1, 'x'));
  // A three-byte character ending exactly at the bound is kept whole.
  const std::string fits = std::string(kMaxLogLineBytes - 3, 'x') + "\xE2\x82\xAC" + "tail";
  EXPECT_EQ(CleanLogLine(fits), std::string(kMaxLogLineBytes - 3, 'x') + "\xE2\x82\xAC");
}

TEST(CleanLogLineTest, BytesThatAreNotUtf8BecomeQuestionMarks) {
  EXPECT_EQ(CleanLogLine("caf\xE9 \xC3\xA9"), "caf? \xC3\xA9");  // Latin-1, then UTF-8.
  EXPECT_EQ(CleanLogLine("\xC0\xAF"), "??");                     // Overlong '/'.
  EXPECT_EQ(CleanLogLine("\xED\xA0\x80"), "???");                // A surrogate.
  EXPECT_EQ(CleanLogLine("ok \xE2\x82"), "ok ??");               // Cut off.
}

}  // namespace
}  // namespace nas
