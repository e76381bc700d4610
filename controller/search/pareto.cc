#include "controller/search/pareto.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace nas {

bool Dominates(const Scores& a, const Scores& b) {
  if (a.size() != b.size() || a.empty()) return false;
  bool better = false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] < b[i]) return false;
    if (a[i] > b[i]) better = true;
  }
  return better;
}

std::vector<int> NonDominatedRanks(const std::vector<Scores>& points) {
  const int n = static_cast<int>(points.size());
  std::vector<int> dominated_by(n, 0);         // How many points dominate i.
  std::vector<std::vector<int>> dominates(n);  // The points i dominates.
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      if (i != j && Dominates(points[i], points[j])) {
        dominates[i].push_back(j);
        ++dominated_by[j];
      }
    }
  }
  std::vector<int> rank(n, 0);
  std::vector<int> front;
  for (int i = 0; i < n; ++i) {
    if (dominated_by[i] == 0) front.push_back(i);
  }
  for (int r = 0; !front.empty(); ++r) {
    std::vector<int> next;
    for (int i : front) {
      rank[i] = r;
      for (int j : dominates[i]) {
        if (--dominated_by[j] == 0) next.push_back(j);
      }
    }
    front = std::move(next);
  }
  return rank;
}

std::vector<double> CrowdingDistances(const std::vector<Scores>& points) {
  const int n = static_cast<int>(points.size());
  std::vector<double> distance(n, 0.0);
  if (n == 0) return distance;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (size_t m = 0; m < points[0].size(); ++m) {
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return points[a][m] < points[b][m]; });
    const double range = points[order.back()][m] - points[order.front()][m];
    distance[order.front()] = kInf;
    distance[order.back()] = kInf;
    if (range <= 0) continue;  // Equal in this component: it separates no one.
    for (int k = 1; k + 1 < n; ++k) {
      distance[order[k]] += (points[order[k + 1]][m] - points[order[k - 1]][m]) / range;
    }
  }
  return distance;
}

int ParetoBest(const std::vector<Scores>& points) {
  const std::vector<int> rank = NonDominatedRanks(points);
  const int best_rank = *std::min_element(rank.begin(), rank.end());
  std::vector<int> front;
  std::vector<Scores> front_points;
  for (int i = 0; i < static_cast<int>(points.size()); ++i) {
    if (rank[i] == best_rank) {
      front.push_back(i);
      front_points.push_back(points[i]);
    }
  }
  const std::vector<double> crowding = CrowdingDistances(front_points);
  int best = 0;
  for (int k = 1; k < static_cast<int>(front.size()); ++k) {
    if (crowding[k] > crowding[best]) best = k;
  }
  return front[best];
}

}  // namespace nas
