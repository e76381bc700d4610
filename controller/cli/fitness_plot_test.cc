#include "controller/cli/fitness_plot.h"

#include <regex>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nas {
namespace {

using ::testing::HasSubstr;

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

TEST(FitnessPlotTest, OnePointPerEvaluationAndAMonotoneBestSoFarCurve) {
  const std::vector<double> fitness = {0.2, 0.5, 0.3, 0.8, 0.6};
  const std::string svg = FitnessPlotSvg(fitness, "search <7>");
  EXPECT_EQ(Count(svg, "<circle"), 5);
  EXPECT_THAT(svg, HasSubstr("search &lt;7&gt;"));
  EXPECT_THAT(svg, HasSubstr("best so far: 0.8000"));
  // The curve's y (SVG grows downwards) never increases: the best never drops.
  const std::smatch m = [&] {
    std::smatch match;
    std::regex_search(svg, match, std::regex("best-so-far[^>]*points=\"([^\"]*)\""));
    return match;
  }();
  ASSERT_EQ(m.size(), 2u);
  std::vector<double> ys;
  const std::string points = m[1];
  const std::regex pair("([0-9.]+),([0-9.]+)");
  for (auto it = std::sregex_iterator(points.begin(), points.end(), pair);
       it != std::sregex_iterator(); ++it) {
    ys.push_back(std::stod((*it)[2]));
  }
  ASSERT_EQ(ys.size(), 5u);
  for (size_t i = 1; i < ys.size(); ++i) EXPECT_LE(ys[i], ys[i - 1]);
  EXPECT_LT(ys[3], ys[2]);  // The curve rises (y falls) where 0.8 arrives.
  EXPECT_DOUBLE_EQ(ys[3], ys[4]);
}

TEST(FitnessPlotTest, SingleOrFlatHistoriesStillDraw) {
  EXPECT_EQ(Count(FitnessPlotSvg({0.5}, "one"), "<circle"), 1);
  EXPECT_EQ(Count(FitnessPlotSvg({0.5, 0.5, 0.5}, "flat"), "<circle"), 3);
}

}  // namespace
}  // namespace nas
