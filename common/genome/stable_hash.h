// The hash stored beside every genome: equal canonical texts, equal hashes.
#ifndef NAS_COMMON_GENOME_STABLE_HASH_H_
#define NAS_COMMON_GENOME_STABLE_HASH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace nas {

// 16 lowercase hex digits: FNV-1a 64 of the canonical text. Stable across
// runs, machines and releases (stored hashes must stay valid).
std::string StableTextHash(absl::string_view canonical_text);

}  // namespace nas

#endif  // NAS_COMMON_GENOME_STABLE_HASH_H_
