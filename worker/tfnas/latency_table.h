// Latency lookup tables of TF-NAS: the measured latency (ms) of every MBConv
// block configuration by its mid channel count, plus 'base', the latency of
// the parts every network has (stem, head). A network's predicted latency is
// base + the sum of its blocks' entries.
//
// JSON format (the paper's tables converted, ../shared/data/tfnas_latency/):
//   {"base": 9.35, "MBInvertedResBlock_112_16_0_24_k3_s2_relu": {"1": -0.50, "2": -0.41, ...}, ...}
// Keys are BlockLatencyKey (search_space.h); inner keys are mid channels.
// No LibTorch here; measuring a table is latency_measure.h.
#ifndef NAS_WORKER_TFNAS_LATENCY_TABLE_H_
#define NAS_WORKER_TFNAS_LATENCY_TABLE_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/genome/tfnas_genome.h"
#include "common/genome/tfnas_space.h"

namespace nas {

struct LatencyTable {
  double base_ms = 0;
  // Block key -> mid channels -> ms.
  std::map<std::string, std::map<int, double>> blocks;

  bool operator==(const LatencyTable& o) const {
    return base_ms == o.base_ms && blocks == o.blocks;
  }
};

// Parses the JSON format above. INVALID_ARGUMENT for malformed JSON, a
// missing or non-numeric 'base', a block that is not an object, a mid
// channel key that is not a positive integer or a non-finite latency (each
// naming the key).
absl::StatusOr<LatencyTable> ReadLatencyTableJson(absl::string_view text);

// Reads and parses the table file `path`; errors name `field` (the spec
// field the path came from): NOT_FOUND when the file cannot be read.
absl::StatusOr<LatencyTable> ReadLatencyTableFile(const std::string& path, absl::string_view field);

// The same format, keys in sorted order, numbers with round-trip precision:
// ReadLatencyTableJson(WriteLatencyTableJson(t)) == t.
std::string WriteLatencyTableJson(const LatencyTable& table);

// The entry of `key` at `mid_channels`; NOT_FOUND names the key (and width).
absl::StatusOr<double> BlockLatency(const LatencyTable& table, const std::string& key,
                                    int mid_channels);

// base + every layer's entry. INVALID_ARGUMENT when the genome does not fit
// the space (ValidateGenomeInSpace), NOT_FOUND when an entry is missing.
absl::StatusOr<double> PredictLatency(const LatencyTable& table, const TfNasSpace& space,
                                      const TfNasGenome& genome);

}  // namespace nas

#endif  // NAS_WORKER_TFNAS_LATENCY_TABLE_H_
