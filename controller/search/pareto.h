// Pareto dominance over objective scores (larger is better in every
// component; see objectives.h), as NSGA-II (Deb et al. 2002) ranks a
// population: non-dominated sorting, then crowding distance within a front.
// Pure functions; ties are broken by index, so results are deterministic.
#ifndef NAS_CONTROLLER_SEARCH_PARETO_H_
#define NAS_CONTROLLER_SEARCH_PARETO_H_

#include <vector>

namespace nas {

using Scores = std::vector<double>;

// Whether `a` is at least as good as `b` in every component and better in
// one. Vectors of different sizes never dominate each other.
bool Dominates(const Scores& a, const Scores& b);

// The non-domination rank of each point: 0 for those no point dominates,
// 1 for those only rank-0 points dominate, and so on.
std::vector<int> NonDominatedRanks(const std::vector<Scores>& points);

// NSGA-II crowding distance of each point among `points` (one front): per
// component, the points sorted by it; the two extremes get infinity, the
// others add the gap between their neighbours divided by the range.
std::vector<double> CrowdingDistances(const std::vector<Scores>& points);

// The index of the best point: lowest rank, then largest crowding distance
// within that rank's front, then the lowest index. `points` must not be empty.
int ParetoBest(const std::vector<Scores>& points);

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_PARETO_H_
