#include "common/genome/stable_hash.h"

#include <cstdint>

#include "absl/strings/str_format.h"

namespace nas {

std::string StableTextHash(absl::string_view canonical_text) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis.
  for (unsigned char c : canonical_text) {
    h ^= c;
    h *= 1099511628211ull;  // FNV-1a 64 prime.
  }
  return absl::StrFormat("%016x", h);
}

}  // namespace nas
