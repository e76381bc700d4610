#include "worker/model/darts_checkpoint.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <map>
#include <new>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/status/status_macros.h"
#include "zlib.h"

namespace nas {
namespace {

constexpr absl::string_view kMagic = "NASDART1";
constexpr size_t kPreambleSize = 8 + 8 + 1;  // Magic, checksum, newline.

uint32_t Crc32(absl::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (!data.empty()) {  // zlib takes at most uInt bytes at a time.
    const size_t n = std::min<size_t>(data.size(), 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n));
    data.remove_prefix(n);
  }
  return static_cast<uint32_t>(crc);
}

absl::Status Corrupt(absl::string_view why) {
  return absl::DataLossError(absl::StrCat("corrupt DARTS checkpoint: ", why));
}

// Runs fn() and turns what LibTorch throws into `fallback` (out of memory
// into RESOURCE_EXHAUSTED), so no exception leaves this file.
template <typename Fn>
auto Guarded(absl::string_view context, absl::StatusCode fallback, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::bad_alloc& e) {
    return absl::ResourceExhaustedError(absl::StrCat(context, ": out of memory: ", e.what()));
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    if (absl::StrContains(what, "out of memory") || absl::StrContains(what, "Failed to allocate")) {
      return absl::ResourceExhaustedError(absl::StrCat(context, ": ", what));
    }
    return absl::Status(fallback, absl::StrCat(context, ": ", what));
  } catch (const std::exception& e) {
    return absl::Status(fallback, absl::StrCat(context, ": ", e.what()));
  }
}

// Every registered tensor's dtype and shape, by name.
std::map<std::string, std::string> Shapes(const torch::nn::Module& net) {
  std::map<std::string, std::string> shapes;
  auto describe = [](const torch::Tensor& t) {
    return absl::StrCat(c10::toString(t.scalar_type()), " ", c10::str(t.sizes()));
  };
  for (const auto& p : net.named_parameters()) shapes[p.key()] = describe(p.value());
  for (const auto& b : net.named_buffers()) shapes[b.key()] = describe(b.value());
  return shapes;
}

absl::Status ValidateOptions(const DartsNetworkOptions& o) {
  if (o.in_channels < 1 || o.num_classes < 1 || o.init_channels < 1 || o.cells < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "in_channels %d, num_classes %d, init_channels %d and cells %d must all be >= 1",
        o.in_channels, o.num_classes, o.init_channels, o.cells));
  }
  return absl::OkStatus();
}

absl::StatusOr<DartsNetwork> Build(const DartsGenome& genome, const DartsNetworkOptions& options) {
  RETURN_IF_ERROR(ValidateDartsGenome(genome));
  RETURN_IF_ERROR(ValidateOptions(options));
  return Guarded("building the DARTS network", absl::StatusCode::kInternal,
                 [&]() -> absl::StatusOr<DartsNetwork> { return DartsNetwork(genome, options); });
}

struct Header {
  std::string genome_text;
  DartsNetworkOptions options;
  absl::string_view payload;
};

// Checks magic and checksum, then splits the body into header and payload.
absl::StatusOr<Header> ParseCheckpoint(absl::string_view bytes) {
  uint32_t stored = 0;
  if (bytes.size() < kPreambleSize || !LooksLikeDartsCheckpoint(bytes) ||
      bytes[kPreambleSize - 1] != '\n' ||
      !absl::SimpleHexAtoi(bytes.substr(kMagic.size(), 8), &stored) ||
      absl::StrFormat("%08x", stored) != bytes.substr(kMagic.size(), 8)) {
    return Corrupt(absl::StrCat("does not start with '", kMagic, "' and a checksum (", bytes.size(),
                                " bytes)"));
  }
  const absl::string_view body = bytes.substr(kPreambleSize);
  if (Crc32(body) != stored) {
    return Corrupt(
        absl::StrCat("checksum mismatch over ", body.size(), " bytes (truncated or altered)"));
  }
  const size_t end = body.find("\n\n");
  if (end == absl::string_view::npos) return Corrupt("no end of header");
  std::map<std::string, std::string> fields;
  for (absl::string_view line : absl::StrSplit(body.substr(0, end), '\n')) {
    std::vector<std::string> kv = absl::StrSplit(line, absl::MaxSplits(": ", 1));
    if (kv.size() == 2) fields[kv[0]] = kv[1];
  }
  Header h;
  h.genome_text = fields["genome"];
  h.payload = body.substr(end + 2);
  int64_t payload_bytes = -1;
  if (!absl::SimpleAtoi(fields["in_channels"], &h.options.in_channels) ||
      !absl::SimpleAtoi(fields["num_classes"], &h.options.num_classes) ||
      !absl::SimpleAtoi(fields["init_channels"], &h.options.init_channels) ||
      !absl::SimpleAtoi(fields["cells"], &h.options.cells) ||
      !absl::SimpleAtoi(fields["payload_bytes"], &payload_bytes) ||
      payload_bytes != static_cast<int64_t>(h.payload.size())) {
    return Corrupt("header fields missing or inconsistent with the payload");
  }
  return h;
}

}  // namespace

bool LooksLikeDartsCheckpoint(absl::string_view bytes) { return absl::StartsWith(bytes, kMagic); }

absl::StatusOr<std::string> SerializeDartsNetwork(const DartsGenome& genome,
                                                  const DartsNetworkOptions& options,
                                                  DartsNetwork& net) {
  if (net.is_empty()) return absl::InvalidArgumentError("SerializeDartsNetwork: empty network");
  // The network must be the one genome and options describe, or the bytes
  // would not load back.
  ASSIGN_OR_RETURN(DartsNetwork fresh, Build(genome, options));
  std::map<std::string, std::string> expected = Shapes(*fresh);
  if (Shapes(*net) != expected) {
    return absl::InvalidArgumentError(
        "SerializeDartsNetwork: the network's tensors are not those of the genome and options "
        "given (or not float32)");
  }
  ASSIGN_OR_RETURN(const std::string payload,
                   Guarded("writing a DARTS checkpoint", absl::StatusCode::kInternal,
                           [&]() -> absl::StatusOr<std::string> {
                             std::ostringstream out;
                             torch::save(net, out);
                             return out.str();
                           }));
  const std::string body = absl::StrCat(
      "genome: ", DartsGenomeToText(genome), "\nin_channels: ", options.in_channels,
      "\nnum_classes: ", options.num_classes, "\ninit_channels: ", options.init_channels,
      "\ncells: ", options.cells, "\npayload_bytes: ", payload.size(), "\n\n", payload);
  return absl::StrCat(kMagic, absl::StrFormat("%08x", Crc32(body)), "\n", body);
}

absl::StatusOr<LoadedDartsNetwork> DeserializeDartsNetwork(absl::string_view bytes) {
  ASSIGN_OR_RETURN(const Header header, ParseCheckpoint(bytes));
  LoadedDartsNetwork loaded;
  loaded.options = header.options;
  auto genome = ParseDartsGenome(header.genome_text);
  if (!genome.ok()) return Corrupt(absl::StrCat("its genome: ", genome.status().message()));
  loaded.genome = *genome;
  auto net = Build(loaded.genome, loaded.options);
  if (!net.ok()) {
    if (net.status().code() == absl::StatusCode::kResourceExhausted) return net.status();
    return Corrupt(absl::StrCat("its header: ", net.status().message()));
  }
  loaded.net = *net;
  const auto expected = Shapes(*loaded.net);
  RETURN_IF_ERROR(Guarded("reading the DARTS checkpoint's tensors", absl::StatusCode::kDataLoss,
                          [&]() -> absl::Status {
                            std::istringstream in{std::string(header.payload)};
                            torch::load(loaded.net, in, torch::Device(torch::kCPU));
                            return absl::OkStatus();
                          }));
  if (Shapes(*loaded.net) != expected) {
    return Corrupt("its tensors do not have the dtype and shapes its header implies");
  }
  loaded.net->eval();
  return loaded;
}

}  // namespace nas
