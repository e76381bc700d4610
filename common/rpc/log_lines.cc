#include "common/rpc/log_lines.h"

#include <algorithm>

namespace nas {
namespace {

// Bytes of the well-formed UTF-8 character starting at s[i], or 0 if none
// starts there (a stray continuation byte, an overlong or cut-off sequence,
// a surrogate or a code point past U+10FFFF).
size_t Utf8CharBytes(absl::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b = byte(i);
  if (b < 0x80) return 1;
  size_t n = 0;
  unsigned int min = 0, code = 0;
  if ((b & 0xE0) == 0xC0) {
    n = 2, min = 0x80, code = b & 0x1F;
  } else if ((b & 0xF0) == 0xE0) {
    n = 3, min = 0x800, code = b & 0x0F;
  } else if ((b & 0xF8) == 0xF0) {
    n = 4, min = 0x10000, code = b & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

std::string CleanLogLine(absl::string_view line) {
  std::string out;
  out.reserve(std::min(line.size(), kMaxLogLineBytes));
  for (size_t i = 0; i < line.size();) {
    const size_t n = Utf8CharBytes(line, i);
    const size_t keep = n == 0 ? 1 : n;
    if (out.size() + keep > kMaxLogLineBytes) break;  // Never splits a character.
    if (n == 0) {
      out += '?';  // Not UTF-8: PostgreSQL and protobuf strings need valid UTF-8.
    } else if (n == 1) {
      const unsigned char c = static_cast<unsigned char>(line[i]);
      out += (c < 0x20 || c == 0x7F) ? ' ' : line[i];
    } else {
      out.append(line.data() + i, n);
    }
    i += keep;
  }
  return out;
}

}  // namespace nas
