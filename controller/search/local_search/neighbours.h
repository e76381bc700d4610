// The architectures one edit away from a genome, for local search: in the
// NAS-Bench-201 space, one edge's op replaced; in the DARTS cell space, one
// edge's op replaced or its input rewired, in either cell.
#ifndef NAS_CONTROLLER_SEARCH_LOCAL_SEARCH_NEIGHBOURS_H_
#define NAS_CONTROLLER_SEARCH_LOCAL_SEARCH_NEIGHBOURS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/search.pb.h"

namespace nas {

struct Neighbour {
  std::string genome;  // Canonical text.
  std::string edit;    // What changed, e.g. "edge 3: none -> avg_pool_3x3".
};

// Every distinct neighbour of canonical `genome` in `space`, in a fixed order,
// none equal to `genome`. INVALID_ARGUMENT for a space local search does not
// handle or a genome that does not parse.
absl::StatusOr<std::vector<Neighbour>> Neighbours(const v1::SearchSpace& space,
                                                  absl::string_view genome);

}  // namespace nas

#endif  // NAS_CONTROLLER_SEARCH_LOCAL_SEARCH_NEIGHBOURS_H_
