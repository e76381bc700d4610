// Draws a search's history as an SVG image: every evaluation's fitness in the
// order the evaluations finished, and the best-so-far curve over it.
#ifndef NAS_CONTROLLER_CLI_FITNESS_PLOT_H_
#define NAS_CONTROLLER_CLI_FITNESS_PLOT_H_

#include <string>
#include <vector>

namespace nas {

// `fitness` in evaluation order (at least one value). A self-contained SVG
// document: one circle per evaluation, one polyline for best-so-far, axes
// with ticks, and `title`.
std::string FitnessPlotSvg(const std::vector<double>& fitness, const std::string& title);

}  // namespace nas

#endif  // NAS_CONTROLLER_CLI_FITNESS_PLOT_H_
