// What must hold of a finished search whatever crashed along the way, checked
// straight in PostgreSQL with GoogleTest expectations.
#ifndef NAS_TESTS_TESTING_POPULATION_INVARIANTS_H_
#define NAS_TESTS_TESTING_POPULATION_INVARIANTS_H_

#include <cstdint>
#include <string>

namespace nas::testing {

// For a search that ended (succeeded): exactly `budget` individuals, birth
// and evaluation orders dense and unique; every job done exactly once (one
// accepted report) or failed with a reason; each evaluated individual's job
// done; with aging evolution (population > 0) the live population has
// min(evaluated, population) members after every step and members leave
// oldest first.
void ExpectSearchInvariants(const std::string& dsn, int64_t search_id, int budget, int population);

}  // namespace nas::testing

#endif  // NAS_TESTS_TESTING_POPULATION_INVARIANTS_H_
