// libFuzzer target: genome parsing and validation must never crash, and any
// text that parses must round-trip through its canonical form.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/genome/darts_genome.h"
#include "common/genome/nasbench201_genome.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  auto darts = nas::ParseDartsGenome(text);
  if (darts.ok()) {
    if (!nas::ValidateDartsGenome(*darts).ok()) __builtin_trap();
    const std::string canonical = nas::DartsGenomeToText(*darts);
    auto again = nas::ParseDartsGenome(canonical);
    if (!again.ok() || !(*again == *darts) || nas::DartsGenomeToText(*again) != canonical) {
      __builtin_trap();
    }
    (void)nas::DartsGenomeToReadableText(*darts);
  }

  auto nb201 = nas::ParseNb201Genome(text);
  if (nb201.ok()) {
    const std::string canonical = nas::Nb201GenomeToText(*nb201);
    auto again = nas::ParseNb201Genome(canonical);
    if (!again.ok() || !(*again == *nb201)) __builtin_trap();
  }
  return 0;
}
