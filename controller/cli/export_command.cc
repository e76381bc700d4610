#include "controller/cli/export_command.h"

#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/rpc/sha256.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "controller/cli/export_tool.h"

namespace nas {
namespace {

class Calls {
 public:
  Calls(v1::SearchService::Stub& stub, absl::Duration timeout) : stub_(stub), timeout_(timeout) {}

  absl::StatusOr<v1::Search> Search(int64_t id) {
    v1::GetSearchRequest request;
    request.set_search_id(id);
    v1::Search search;
    auto c = Context();
    RETURN_IF_ERROR(FromGrpcStatus(stub_.GetSearch(c.get(), request, &search)));
    return search;
  }

  absl::StatusOr<v1::Individual> Best(int64_t search_id) {
    v1::GetBestIndividualRequest request;
    request.set_search_id(search_id);
    v1::Individual best;
    auto c = Context();
    const absl::Status status = FromGrpcStatus(stub_.GetBestIndividual(c.get(), request, &best));
    if (status.code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(
          absl::StrCat("search ", search_id,
                       " has no evaluated individual (or does not exist): ", status.message()));
    }
    RETURN_IF_ERROR(status);
    return best;
  }

  // The individual born `birth`-th in `search_id` (0-based birth order).
  absl::StatusOr<v1::Individual> ByBirth(int64_t search_id, int birth) {
    v1::ListIndividualsRequest request;
    request.set_search_id(search_id);
    request.set_page_size(birth + 1);
    v1::ListIndividualsResponse page;
    auto c = Context();
    RETURN_IF_ERROR(FromGrpcStatus(stub_.ListIndividuals(c.get(), request, &page)));
    for (const v1::Individual& individual : page.individuals()) {
      if (individual.birth_order() == birth) return individual;
    }
    return absl::NotFoundError(absl::StrCat(
        "search ", search_id, " has not queued the retrain of its derived architecture yet"));
  }

  // The lineage starts with the individual itself.
  absl::StatusOr<v1::Individual> Individual(int64_t id) {
    v1::GetLineageRequest request;
    request.set_individual_id(id);
    v1::GetLineageResponse lineage;
    auto c = Context();
    RETURN_IF_ERROR(FromGrpcStatus(stub_.GetLineage(c.get(), request, &lineage)));
    if (lineage.individuals().empty() || lineage.individuals(0).id() != id) {
      return absl::NotFoundError(absl::StrCat("no individual ", id));
    }
    return lineage.individuals(0);
  }

  absl::StatusOr<std::string> Checkpoint(const std::string& digest) {
    v1::DownloadCheckpointRequest request;
    request.set_digest(digest);
    auto c = Context();
    auto reader = stub_.DownloadCheckpoint(c.get(), request);
    std::string bytes;
    v1::CheckpointChunk chunk;
    while (reader->Read(&chunk)) bytes += chunk.data();
    RETURN_IF_ERROR(FromGrpcStatus(reader->Finish()));
    if (Sha256Digest(bytes) != digest) {
      return absl::DataLossError(
          absl::StrCat("checkpoint ", digest, ": downloaded bytes do not match the digest"));
    }
    return bytes;
  }

 private:
  std::unique_ptr<grpc::ClientContext> Context() const {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
    return c;
  }

  v1::SearchService::Stub& stub_;
  const absl::Duration timeout_;
};

// The birth order of the retrain of a supernet or TF-NAS search's derived
// architecture (see their strategies), if the spec asks for one.
std::optional<int> RetrainBirth(const v1::SearchSpec& spec) {
  if (spec.strategy().has_supernet() && spec.strategy().supernet().retrain()) return 1;
  if (spec.strategy().has_tfnas() && spec.strategy().tfnas().retrain()) {
    return spec.strategy().tfnas().latency_table_path().empty() ? 2 : 1;
  }
  return std::nullopt;
}

// FAILED_PRECONDITION unless `individual` of `search` can have weights.
absl::Status CheckHasWeights(const v1::Search& search, const v1::Individual& individual) {
  const v1::SearchSpec& spec = search.spec();
  if (spec.space().has_nasbench201() || spec.has_table_lookup()) {
    return absl::FailedPreconditionError(
        absl::StrCat("search ", search.id(), " evaluates architectures by table lookup (",
                     spec.space().has_nasbench201() ? "nasbench201 space" : "table_lookup",
                     "): it trains no networks, so there are no weights to export"));
  }
  // A gradient search's own individuals hold architecture parameters (or a
  // latency table); only the retrain of its derived architecture is a network.
  if (spec.strategy().has_supernet() || spec.strategy().has_tfnas()) {
    const std::optional<int> retrain = RetrainBirth(spec);
    if (!retrain.has_value() || individual.birth_order() != *retrain) {
      return absl::FailedPreconditionError(absl::StrCat(
          "individual ", individual.id(), " of search ", search.id(),
          " is not a trained network: its checkpoint holds architecture parameters, as every "
          "individual of a supernet or TF-NAS search does but the retrain of its derived "
          "architecture (strategy.",
          spec.strategy().has_supernet() ? "supernet" : "tfnas", ".retrain: true)"));
    }
  }
  if (individual.state() != v1::INDIVIDUAL_EVALUATED) {
    return absl::FailedPreconditionError(
        absl::StrCat("individual ", individual.id(), " of search ", search.id(),
                     " was not evaluated, so it has no trained weights"));
  }
  if (individual.checkpoint().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "individual ", individual.id(), " of search ", search.id(),
        " has no checkpoint: its weights were not kept (the controller keeps the weights of each "
        "search's best individual and of those its strategy still needs)"));
  }
  return absl::OkStatus();
}

std::string FloatList(const google::protobuf::RepeatedField<float>& values) {
  std::string out = "[";
  for (float v : values)
    absl::StrAppend(&out, out.size() > 1 ? ", " : "", absl::StrFormat("%.4g", v));
  return out + "]";
}

// What the module expects of its input and knows of the classes.
std::string DescribeInput(const v1::Search& search) {
  if (!search.has_data()) {
    return "  the search recorded no data description (it predates them): feed inputs "
           "normalised as the worker's loader normalised the training data\n";
  }
  const v1::DataDescription& data = search.data();
  std::string out =
      data.channel_mean().empty()
          ? "  the search recorded no per-channel statistics: feed inputs normalised as the "
            "worker's loader normalised the training data\n"
          : absl::StrCat(
                "  images scaled to [0, 1]: the module normalises each channel with the "
                "training split's mean ",
                FloatList(data.channel_mean()), " and std ", FloatList(data.channel_std()), "\n");
  if (!data.class_names().empty()) {
    absl::StrAppend(&out, "  class names: module.class_names (", data.class_names_size(), ")\n");
  }
  return absl::StrCat(out, "  data: ", data.fingerprint(), "\n");
}

}  // namespace

absl::Status ExportIndividual(v1::SearchService::Stub& stub, const ExportOptions& options,
                              std::ostream& report) {
  if (options.search_id <= 0 && options.individual_id <= 0) {
    return absl::InvalidArgumentError(
        "export: --search (the best individual of a search) or --individual must be a positive "
        "id");
  }
  if (options.out.empty()) {
    return absl::InvalidArgumentError("export: --out must name the TorchScript file to write");
  }
  Calls calls(stub, options.call_timeout);
  v1::Individual individual;
  if (options.individual_id > 0) {
    ASSIGN_OR_RETURN(individual, calls.Individual(options.individual_id));
    if (options.search_id > 0 && individual.search_id() != options.search_id) {
      return absl::InvalidArgumentError(absl::StrCat("--individual ", individual.id(),
                                                     " belongs to search ", individual.search_id(),
                                                     ", not --search ", options.search_id));
    }
  } else {
    ASSIGN_OR_RETURN(const v1::Search search, calls.Search(options.search_id));
    if (const std::optional<int> retrain = RetrainBirth(search.spec())) {
      // A gradient search's only trained network is its retrain, whatever the
      // supernet's own validation accuracy.
      ASSIGN_OR_RETURN(individual, calls.ByBirth(options.search_id, *retrain));
    } else {
      ASSIGN_OR_RETURN(individual, calls.Best(options.search_id));
    }
  }
  ASSIGN_OR_RETURN(const v1::Search search, calls.Search(individual.search_id()));
  RETURN_IF_ERROR(CheckHasWeights(search, individual));
  ASSIGN_OR_RETURN(const std::string tool, FindExportTool(options.export_tool));
  ASSIGN_OR_RETURN(const std::string bytes, calls.Checkpoint(individual.checkpoint()));
  auto exported = RunExportTool(tool, individual.architecture().text(), bytes, options.out,
                                search.has_data() ? &search.data() : nullptr);
  if (!exported.ok()) {
    return absl::Status(exported.status().code(), absl::StrCat("individual ", individual.id(), ": ",
                                                               exported.status().message()));
  }
  report << absl::StrFormat(
      "wrote %s: individual %d of search %d (%s, validation accuracy %.4f) as TorchScript\n"
      "  input: float [N, %d, H, W]; output: logits [N, %d]\n"
      "  load with: torch.jit.load(\"%s\")\n",
      options.out, individual.id(), search.id(), exported->kind, individual.fitness(),
      exported->in_channels, exported->num_classes, options.out);
  report << DescribeInput(search);
  return absl::OkStatus();
}

}  // namespace nas
