// nasctl's read commands: get, list, best, individuals, front, lineage, epochs (each
// in env.format: text, JSON of the response with every page joined into one
// document, or CSV, csv_tables.h), and plot. Each returns the controller's
// error as it came (NOT_FOUND for an unknown id, UNAVAILABLE when it cannot
// be reached) and prints nothing then.
#ifndef NAS_CONTROLLER_CLI_READ_COMMANDS_H_
#define NAS_CONTROLLER_CLI_READ_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controller/cli/command_env.h"
#include "proto/search_service.pb.h"

namespace nas {

absl::Status GetCommand(const CommandEnv& env, int64_t search_id);
absl::Status ListCommand(const CommandEnv& env);
// NOT_FOUND if the search has no evaluated individual yet.
absl::Status BestCommand(const CommandEnv& env, int64_t search_id);
absl::Status IndividualsCommand(const CommandEnv& env, int64_t search_id);
// The search's Pareto front by its objectives (GetParetoFront).
absl::Status FrontCommand(const CommandEnv& env, int64_t search_id);
absl::Status LineageCommand(const CommandEnv& env, int64_t individual_id);
absl::Status EpochsCommand(const CommandEnv& env, int64_t search_id);
// Writes the fitness plot (fitness_plot.h) to `path` ("" = fitness.svg).
// NOT_FOUND if nothing is evaluated yet; UNAVAILABLE if it cannot write.
absl::Status PlotCommand(const CommandEnv& env, int64_t search_id, std::string path);

// The calls the commands share.
absl::StatusOr<v1::Search> FetchSearch(const CommandEnv& env, int64_t search_id);
// Every individual of the search, all pages joined (next_page_token empty).
absl::StatusOr<v1::ListIndividualsResponse> FetchAllIndividuals(const CommandEnv& env,
                                                                int64_t search_id);
// The epochs reported after the first `*seen` (one call, up to 1000);
// advances `*seen` by as many.
absl::StatusOr<v1::ListEpochProgressResponse> FetchEpochs(const CommandEnv& env, int64_t search_id,
                                                          int* seen);
// The individual a TF-NAS search derived (the one whose metrics hold its
// latencies): the best itself, or the ancestor of a retrain. nullopt for
// other strategies or before one is derived.
absl::StatusOr<std::optional<v1::Individual>> FetchTfNasDerived(const CommandEnv& env,
                                                                const v1::Search& search);
// The text `best` prints for an evaluated search: the purpose, the
// individual and, for TF-NAS, its latencies.
absl::StatusOr<std::string> BestText(const CommandEnv& env, const v1::Search& search);

}  // namespace nas

#endif  // NAS_CONTROLLER_CLI_READ_COMMANDS_H_
