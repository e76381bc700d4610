#include "controller/cli/fitness_plot.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace nas {
namespace {

constexpr double kWidth = 800, kHeight = 500;
constexpr double kLeft = 70, kRight = 20, kTop = 40, kBottom = 50;

std::string Escape(const std::string& text) {
  return absl::StrReplaceAll(text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}});
}

}  // namespace

std::string FitnessPlotSvg(const std::vector<double>& fitness, const std::string& title) {
  const int n = static_cast<int>(fitness.size());
  double lo = *std::min_element(fitness.begin(), fitness.end());
  double hi = *std::max_element(fitness.begin(), fitness.end());
  if (hi - lo < 1e-9) {  // A flat history still needs a visible range.
    lo -= 0.5;
    hi += 0.5;
  }
  const double pad = 0.05 * (hi - lo);
  lo -= pad;
  hi += pad;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto x = [&](int i) { return kLeft + (n == 1 ? plot_w / 2 : plot_w * i / (n - 1)); };
  auto y = [&](double v) { return kTop + plot_h * (hi - v) / (hi - lo); };

  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text x=\"%.0f\" y=\"24\" font-size=\"16\">%s</text>\n",
      kWidth, kHeight, kLeft, Escape(title));
  // Axes, five ticks on each.
  absl::StrAppendFormat(
      &svg,
      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n"
      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n",
      kLeft, kTop + plot_h, kLeft + plot_w, kTop + plot_h, kLeft, kTop, kLeft, kTop + plot_h);
  for (int t = 0; t <= 4; ++t) {
    const double v = lo + (hi - lo) * t / 4;
    absl::StrAppendFormat(&svg, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.4g</text>\n",
                          kLeft - 6, y(v) + 4, v);
    const int i = static_cast<int>(std::lround((n - 1) * t / 4.0));
    absl::StrAppendFormat(&svg, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>\n",
                          x(i), kTop + plot_h + 18, i + 1);
  }
  absl::StrAppendFormat(&svg,
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">evaluation</text>\n"
                        "<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" "
                        "text-anchor=\"middle\">fitness</text>\n",
                        kLeft + plot_w / 2, kHeight - 10, kTop + plot_h / 2, kTop + plot_h / 2);
  for (int i = 0; i < n; ++i) {
    absl::StrAppendFormat(&svg,
                          "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"steelblue\" "
                          "fill-opacity=\"0.7\"/>\n",
                          x(i), y(fitness[i]));
  }
  std::string points;
  double best = -INFINITY;
  for (int i = 0; i < n; ++i) {
    best = std::max(best, fitness[i]);
    absl::StrAppendFormat(&points, "%s%.1f,%.1f", i ? " " : "", x(i), y(best));
  }
  absl::StrAppend(&svg, "<polyline class=\"best-so-far\" fill=\"none\" stroke=\"darkorange\" ",
                  "stroke-width=\"2\" points=\"", points, "\"/>\n");
  absl::StrAppendFormat(&svg,
                        "<text x=\"%.1f\" y=\"%.1f\" fill=\"darkorange\">best so far: %.4f</text>\n"
                        "</svg>\n",
                        kLeft + plot_w - 160, kTop + 14, best);
  return svg;
}

}  // namespace nas
