#include "worker/morphism/checkpoint.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/status/status_macros.h"
#include "worker/morphism/torch_errors.h"
#include "zlib.h"

namespace nas {
namespace {

constexpr absl::string_view kMagic = "NASCONV1";
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
  return absl::DataLossError(absl::StrCat("corrupt ConvNet checkpoint: ", why));
}

// The dtypes a checkpoint may hold, by their c10::toString names.
constexpr torch::ScalarType kDtypes[] = {torch::kFloat32, torch::kFloat64, torch::kFloat16,
                                         torch::kBFloat16};

struct Header {
  std::string genome_text;
  torch::ScalarType dtype = torch::kFloat32;
  int64_t in_channels = 0, num_classes = 0;
  absl::string_view payload;
};

// Checks magic and checksum, then splits the body into header and payload.
absl::StatusOr<Header> ParseCheckpoint(absl::string_view bytes) {
  uint32_t stored = 0;
  if (bytes.size() < kPreambleSize || !absl::StartsWith(bytes, kMagic) ||
      bytes[kPreambleSize - 1] != '\n' ||
      !absl::SimpleHexAtoi(bytes.substr(kMagic.size(), 8), &stored) ||
      // Exactly as written, so that e.g. a changed letter case is caught.
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
  Header h;
  std::map<std::string, std::string> fields;
  for (absl::string_view line : absl::StrSplit(body.substr(0, end), '\n')) {
    std::vector<std::string> kv = absl::StrSplit(line, absl::MaxSplits(": ", 1));
    if (kv.size() == 2) fields[kv[0]] = kv[1];
  }
  int64_t payload_bytes = -1;
  h.payload = body.substr(end + 2);
  h.genome_text = fields["genome"];
  if (!absl::SimpleAtoi(fields["in_channels"], &h.in_channels) ||
      !absl::SimpleAtoi(fields["num_classes"], &h.num_classes) ||
      !absl::SimpleAtoi(fields["payload_bytes"], &payload_bytes) ||
      payload_bytes != static_cast<int64_t>(h.payload.size())) {
    return Corrupt("header fields missing or inconsistent with the payload");
  }
  const auto dtype = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                                  [&](auto t) { return fields["dtype"] == c10::toString(t); });
  if (dtype == std::end(kDtypes)) {
    return Corrupt(absl::StrCat("unsupported dtype '", fields["dtype"], "'"));
  }
  h.dtype = *dtype;
  return h;
}

absl::Status CheckMatches(const Header& h, const ConvNetGenome& genome, int64_t in_channels,
                          int64_t num_classes) {
  const std::string expected = ConvNetGenomeToText(genome);
  if (h.genome_text != expected || h.in_channels != in_channels || h.num_classes != num_classes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the checkpoint holds genome '%s' with %d input channels and %d classes, not "
        "'%s' with %d and %d",
        h.genome_text, h.in_channels, h.num_classes, expected, in_channels, num_classes));
  }
  return absl::OkStatus();
}

// Every registered tensor's dtype and shape. InputArchive replaces a
// tensor's contents wholesale (shape included), so they are compared after
// loading.
std::map<std::string, std::string> Shapes(const ConvNet& net) {
  std::map<std::string, std::string> shapes;
  auto describe = [](const torch::Tensor& t) {
    return absl::StrCat(c10::toString(t.scalar_type()), " ", c10::str(t.sizes()));
  };
  for (const auto& p : net->named_parameters()) shapes[p.key()] = describe(p.value());
  for (const auto& b : net->named_buffers()) shapes[b.key()] = describe(b.value());
  return shapes;
}

absl::StatusOr<ConvNet> Load(const ConvNetGenome& genome, int64_t in_channels, int64_t num_classes,
                             const Header& h) {
  ASSIGN_OR_RETURN(ConvNet net, MakeConvNet(genome, in_channels, num_classes));
  // Loading into a tensor keeps the tensor's dtype.
  RETURN_IF_ERROR(CallGuarded("converting the network", [&] {
    ConvertFloatingPoint(*net, h.dtype);
    return absl::OkStatus();
  }));
  const auto expected = Shapes(net);
  RETURN_IF_ERROR(CallGuarded(
      "reading the ConvNet checkpoint's tensors",
      [&]() -> absl::Status {
        std::istringstream in{std::string(h.payload)};
        torch::load(net, in, torch::Device(torch::kCPU));
        return absl::OkStatus();
      },
      absl::StatusCode::kDataLoss));
  if (Shapes(net) != expected) {
    return Corrupt("its tensors do not have the dtype and shapes its header implies");
  }
  return net;
}

}  // namespace

absl::StatusOr<std::string> SerializeNet(ConvNet& net) {
  if (net.is_empty()) return absl::InvalidArgumentError("SerializeNet: empty network");
  const torch::ScalarType dtype = net->parameters().front().scalar_type();
  if (std::find(std::begin(kDtypes), std::end(kDtypes), dtype) == std::end(kDtypes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("SerializeNet: unsupported dtype ", c10::toString(dtype)));
  }
  ASSIGN_OR_RETURN(const std::string payload, CallGuarded("writing a ConvNet checkpoint",
                                                          [&]() -> absl::StatusOr<std::string> {
                                                            std::ostringstream out;
                                                            torch::save(net, out);
                                                            return out.str();
                                                          }));
  const std::string body = absl::StrCat(
      "genome: ", ConvNetGenomeToText(net->genome), "\nin_channels: ", net->in_channels,
      "\nnum_classes: ", net->num_classes, "\ndtype: ", c10::toString(dtype),
      "\npayload_bytes: ", payload.size(), "\n\n", payload);
  return absl::StrCat(kMagic, absl::StrFormat("%08x", Crc32(body)), "\n", body);
}

absl::StatusOr<ConvNet> DeserializeNet(const ConvNetGenome& genome, int64_t in_channels,
                                       int64_t num_classes, const std::string& bytes) {
  ASSIGN_OR_RETURN(const Header header, ParseCheckpoint(bytes));
  RETURN_IF_ERROR(CheckMatches(header, genome, in_channels, num_classes));
  return Load(genome, in_channels, num_classes, header);
}

}  // namespace nas
