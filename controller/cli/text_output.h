// The text form of nasctl's output (the default --format): progress lines,
// individuals, lineages, epochs, workers and job logs as people read them.
// Pure functions of their arguments; nothing here talks to the controller.
#ifndef NAS_CONTROLLER_CLI_TEXT_OUTPUT_H_
#define NAS_CONTROLLER_CLI_TEXT_OUTPUT_H_

#include <string>

#include "absl/time/time.h"
#include "google/protobuf/repeated_field.h"
#include "proto/search_service.pb.h"

namespace nas {

// "search 3 [######..] 4/10 evaluated, 0 failed, 2 worker(s) busy, 1 queued,
// best 0.8123, running" (no newline).
std::string ProgressLine(const v1::Search& search);

// What a search of this spec's strategy is for and how it gets there, one
// line ending in "\n", e.g. "purpose: TF-NAS: the most accurate architecture
// whose latency is at most 0.3 of the table's latency range ...".
std::string SearchPurpose(const v1::SearchSpec& spec);

// A TF-NAS search's latency: the target as its spec states it and, when
// `derived` (the individual the search derived, whose metrics hold
// target_latency_ms, predicted_latency_ms and measured_latency_ms, as
// worker/tfnas/tfnas_search_runner.cc records them) is given, the target in
// ms and the derived architecture's latency predicted by the table and
// measured on its worker. Lines ending in "\n"; empty for other strategies.
std::string TfNasLatencyText(const v1::SearchSpec& spec, const v1::Individual* derived);

// An individual over several lines: state, fitness and parameters, failure,
// parent and mutation, the genome (wrapped at spaces to fit 100 columns,
// continuation lines indented), its hash and, for spaces with one, the
// readable multi-line form. Every line ends in "\n".
std::string IndividualText(const v1::SearchSpec& spec, const v1::Individual& individual);

// The `individuals` table: a header line, and one line per individual.
std::string IndividualsHeader();
std::string IndividualRow(const v1::Individual& individual);

// An individual and its ancestors, child first, each indented under the
// previous one.
std::string LineageText(const google::protobuf::RepeatedPtrField<v1::Individual>& individuals);

// "job 7 epoch 2/3: train loss ... ; derived ARCH" (no newline).
std::string EpochLine(const v1::EpochProgress& epoch);

// The workers heard from, as of `now`: per worker a line with its id, host,
// device and model, slots busy of slots, the job kinds it runs and how long
// ago it was last heard from; then per leased job a line with the job,
// attempt, search, individual, kind, progress in percent and when its lease
// ends. "no workers seen ...\n" when there are none.
std::string WorkersText(const google::protobuf::RepeatedPtrField<v1::WorkerStatus>& workers,
                        absl::Time now);

// "2024-05-01T12:00:00Z job 7/1 individual 12 on w1: TEXT" (no newline).
std::string JobLogLineText(const v1::JobLogLine& line);

// `text` broken at spaces into lines of at most `width` characters, the
// first prefixed by `first`, the others by as many spaces; a word longer than
// a line stays whole. Ends in "\n".
std::string Wrap(const std::string& first, const std::string& text, size_t width);

}  // namespace nas

#endif  // NAS_CONTROLLER_CLI_TEXT_OUTPUT_H_
