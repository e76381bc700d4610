// Searches and their individuals in PostgreSQL: what the researcher API reads
// and writes. The only SQL for searches lives here and in search_step.
#ifndef NAS_CONTROLLER_STORE_SEARCH_STORE_H_
#define NAS_CONTROLLER_STORE_SEARCH_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/store/database.h"
#include "proto/search.pb.h"

namespace nas {

struct Page {
  int page_size = 0;       // Already clamped by the caller.
  std::string page_token;  // Empty for the first page.
};

template <typename T>
struct PageOf {
  std::vector<T> items;
  std::string next_page_token;  // Empty when there is no more.
};

// Thread-safe; holds no state beyond the Database.
class SearchStore {
 public:
  explicit SearchStore(Database* db) : db_(db) {}

  // Stores a validated, normalised spec, owned by `owner` ("" = no one), and
  // queues the strategy's first jobs, all in one transaction. Idempotent per
  // owner and request_id: if the owner already created a search with it,
  // returns that search (ALREADY_EXISTS when its spec differs). An empty
  // request_id gets a fresh random one, which still keeps the transaction's
  // own retries from creating two searches.
  absl::StatusOr<v1::Search> CreateSearch(const v1::SearchSpec& spec, std::string request_id = "",
                                          const std::string& owner = "");
  // NOT_FOUND if absent. `best` is filled when an evaluation exists.
  absl::StatusOr<v1::Search> GetSearch(int64_t search_id);
  // Newest first; with `visible_to`, only the searches it owns and the
  // unowned ones. INVALID_ARGUMENT for a malformed page token.
  absl::StatusOr<PageOf<v1::Search>> ListSearches(
      const Page& page, const std::optional<std::string>& visible_to = std::nullopt);
  // Who owns a search ("" = no one), for the service's tenancy checks; an
  // owner never changes. NOT_FOUND if the search is absent.
  absl::StatusOr<std::string> SearchOwner(int64_t search_id);
  // The owner of the individual's search. NOT_FOUND if the individual is
  // absent.
  absl::StatusOr<std::string> IndividualOwner(int64_t individual_id);
  // The owners of the searches whose individuals keep the checkpoint
  // `digest` (content-addressed, so there may be several); empty if none.
  absl::StatusOr<std::vector<std::string>> CheckpointOwners(const std::string& digest);
  // Cancels pending and leased jobs. FAILED_PRECONDITION if it already
  // succeeded; a repeated cancel returns the cancelled search.
  absl::StatusOr<v1::Search> CancelSearch(int64_t search_id);
  // In birth order. NOT_FOUND if the search is absent.
  absl::StatusOr<PageOf<v1::Individual>> ListIndividuals(int64_t search_id, const Page& page);
  // Best by the first objective (highest fitness unless the spec says),
  // earliest birth on ties. NOT_FOUND if none evaluated.
  absl::StatusOr<v1::Individual> GetBestIndividual(int64_t search_id);
  // The search's Pareto front by its objectives (the pareto_front view), in
  // birth order, with metrics. NOT_FOUND if the search does not exist.
  absl::StatusOr<std::vector<v1::Individual>> GetParetoFront(int64_t search_id);
  // The individual, then its ancestors. NOT_FOUND if absent.
  absl::StatusOr<std::vector<v1::Individual>> GetLineage(int64_t individual_id);
  // Epochs reported by the search's jobs, oldest first, after the first
  // `skip`, at most `limit`. NOT_FOUND if the search does not exist.
  absl::StatusOr<std::vector<v1::EpochProgress>> ListEpochProgress(int64_t search_id, int skip,
                                                                   int limit);

  // Resume and reuse (search_reuse.cc); each in one transaction, and each
  // tops the search up as a report would.
  // Raises the budget to `budget`; a succeeded search runs again.
  // INVALID_ARGUMENT ("budget: ...") when not larger, over the maximum or
  // refused by the strategy; FAILED_PRECONDITION for a cancelled search.
  absl::StatusOr<v1::Search> ExtendSearch(int64_t search_id, int budget);
  // Queues the individuals a cancel left unevaluated again, with fresh
  // attempts, and runs the search on. FAILED_PRECONDITION unless cancelled.
  absl::StatusOr<v1::Search> ResumeSearch(int64_t search_id);
  // Queues a failed individual's job again with fresh attempts; the search
  // runs until it ends. FAILED_PRECONDITION unless it failed, or when its
  // search is cancelled.
  absl::StatusOr<v1::Individual> RetryIndividual(int64_t individual_id);

 private:
  Database* const db_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_SEARCH_STORE_H_
