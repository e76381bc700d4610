// Conversions between table rows and nas.v1 messages, shared by the stores.
// Internal to controller/store.
#ifndef NAS_CONTROLLER_STORE_ROWS_H_
#define NAS_CONTROLLER_STORE_ROWS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pqxx/pqxx"
#include "proto/search.pb.h"
#include "proto/worker_service.pb.h"

namespace nas {

// A timestamp read as extract(epoch FROM ...)::float8.
void SetTimestamp(double epoch_seconds, google::protobuf::Timestamp* ts);

// Column list (table alias `i`) that RowToIndividual reads, in order.
extern const char kIndividualColumns[];
v1::Individual RowToIndividual(const pqxx::row& row);

// Adds metrics to already-read individuals (one query for all of them).
void AttachMetrics(pqxx::work& txn, std::vector<v1::Individual*> individuals);

// Column list (table alias `s`) that RowToSearch reads, in order.
extern const char kSearchColumns[];
absl::StatusOr<v1::Search> RowToSearch(const pqxx::row& row);

// Column list (tables `e` job_epochs, `j` jobs) that RowToEpochProgress reads.
// job_epochs.architecture_weights: the epoch's ArchitectureWeights as the
// bytes of an EpochProgress holding only them (empty when there are none).
std::string SerializeArchitectureWeights(const v1::EpochProgress& epoch);
extern const char kEpochColumns[];
absl::StatusOr<v1::EpochProgress> RowToEpochProgress(const pqxx::row& row);

// A float8 column as a double, parsed with absl::SimpleAtod. libpqxx 6's
// as<double>() goes through a stringstream, which showed in the controller's
// profile: every report reads the whole aging-evolution population. NULL or
// text that is not a number throws pqxx's conversion error, as as<double>() does.
double DoubleField(const pqxx::field& field);

absl::StatusOr<v1::SearchSpec> ParseSpecText(const std::string& text);
std::string SpecToText(const v1::SearchSpec& spec);

// searches.data_description: a DataDescription in protobuf text format.
std::string DataDescriptionToText(const v1::DataDescription& data);

// "train_candidate", "table_lookup": how job kinds are stored.
std::string JobKindToDb(v1::JobKind kind);
v1::JobKind JobKindFromDb(const std::string& kind);

// The key of a TF-NAS search's space in latency_tables: the canonical text of
// spec.space.tfnas (defaults filled); empty for other spaces.
std::string TfNasSpaceKey(const v1::SearchSpec& spec);
// The same of a TF-NAS space itself.
std::string TfNasSpaceKey(const v1::TfNasSpace& space);

// A PostgreSQL array literal, e.g. {"a","b"}, for a `$n::text[]` parameter.
std::string TextArrayLiteral(const std::vector<std::string>& values);
// {1,2,3}, for a `$n::bigint[]` parameter.
std::string BigintArrayLiteral(const std::vector<int64_t>& values);
// {0.5,-1200}, for a `$n::float8[]` parameter; every digit kept.
std::string DoubleArrayLiteral(const std::vector<double>& values);
// "0.5,-1200" (array_to_string(a, ',')) as doubles; "" = none.
std::vector<double> ParseDoubleList(const std::string& text);

}  // namespace nas

#endif  // NAS_CONTROLLER_STORE_ROWS_H_
