// The text and CSV forms of a search's Pareto front (nasctl front): one
// column per objective of the search, headed by its goal and metric.
#ifndef NAS_CONTROLLER_CLI_FRONT_OUTPUT_H_
#define NAS_CONTROLLER_CLI_FRONT_OUTPUT_H_

#include <string>

#include "google/protobuf/repeated_field.h"
#include "proto/search.pb.h"

namespace nas {

// "3 non-dominated of the evaluated individuals by maximize fitness,
// minimize parameter_count:", then a table: id, birth, one column per
// objective ("max fitness", "min parameter_count"), genome.
std::string FrontText(const v1::SearchSpec& spec,
                      const google::protobuf::RepeatedPtrField<v1::Individual>& front);

// id, birth_order, one column per objective headed "maximize:fitness",
// "minimize:parameter_count", then architecture.
std::string FrontCsv(const v1::SearchSpec& spec,
                     const google::protobuf::RepeatedPtrField<v1::Individual>& front);

}  // namespace nas

#endif  // NAS_CONTROLLER_CLI_FRONT_OUTPUT_H_
