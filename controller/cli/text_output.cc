#include "controller/cli/text_output.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/search_space/search_space.h"
#include "controller/cli/csv_tables.h"
#include "google/protobuf/util/time_util.h"

namespace nas {
namespace {

constexpr size_t kWidth = 100;

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// "4s", "2m5s", "1h0m3s": whole seconds.
std::string Age(absl::Duration d) { return absl::FormatDuration(absl::Trunc(d, absl::Seconds(1))); }

const double* Metric(const v1::Individual& i, const std::string& name) {
  auto it = i.metrics().find(name);
  return it == i.metrics().end() ? nullptr : &it->second;
}

std::string Ms(double ms) { return absl::StrFormat("%.4g ms", ms); }

}  // namespace

std::string ProgressLine(const v1::Search& s) {
  const int budget = s.spec().budget();
  const int ended = s.evaluations_done() + s.evaluations_failed() + s.evaluations_infeasible();
  const int width = 24;
  const int filled = budget > 0 ? std::min(width, width * ended / budget) : 0;
  std::string bar(filled, '#');
  bar.resize(width, '.');
  std::string best = "-";
  if (s.has_best()) best = absl::StrFormat("%.4f", s.best().fitness());
  const std::string stopped = s.evaluations_stopped() > 0
                                  ? absl::StrCat(" (", s.evaluations_stopped(), " stopped early)")
                                  : "";
  const std::string infeasible =
      s.evaluations_infeasible() > 0 ? absl::StrCat(", ", s.evaluations_infeasible(), " infeasible")
                                     : "";
  // Only with client tokens does a search have an owner worth showing.
  const std::string owner = s.owner().empty() ? "" : absl::StrCat(", owner ", s.owner());
  return absl::StrFormat(
      "search %d [%s] %d/%d evaluated%s, %d failed%s, %d worker(s) busy, %d queued, best %s, %s%s",
      s.id(), bar, s.evaluations_done(), budget, stopped, s.evaluations_failed(), infeasible,
      s.jobs_leased(), s.jobs_in_flight() - s.jobs_leased(), best, SearchStateName(s.state()),
      owner);
}

std::string SearchPurpose(const v1::SearchSpec& spec) {
  const v1::Strategy& st = spec.strategy();
  const std::string fitness =
      spec.has_table_lookup() ? absl::StrCat("the table's ", spec.table_lookup().fitness_column())
                              : "validation accuracy";
  std::string purpose;
  switch (st.kind_case()) {
    case v1::Strategy::kRandom:
      purpose = absl::StrCat("random search: the best ", fitness, " of ", spec.budget(),
                             " architectures sampled uniformly; the baseline to beat");
      break;
    case v1::Strategy::kAgingEvolution:
      purpose =
          absl::StrCat("aging evolution: the best ", fitness, " in ", spec.budget(),
                       " evaluations, a population of ", st.aging_evolution().population_size(),
                       " mutating the fittest of ", st.aging_evolution().sample_size(),
                       " sampled members and dropping the oldest");
      break;
    case v1::Strategy::kNash:
      purpose = absl::StrCat(
          "NASH: hill climbing from a small net by function-preserving "
          "morphisms, children inheriting weights; ",
          st.nash().n_steps(), " steps of ", st.nash().n_neighbours(),
          " neighbours, the winner trained fully");
      break;
    case v1::Strategy::kSupernet:
      purpose = absl::StrCat(
          st.supernet().method() == v1::SupernetSearch::PC_DARTS ? "PC-DARTS" : "DARTS",
          ": one cell derived from a supernet trained by gradient descent over the ops",
          st.supernet().retrain() ? ", then trained from scratch" : "");
      break;
    case v1::Strategy::kTfnas: {
      const v1::TfNasSearch& t = st.tfnas();
      purpose =
          absl::StrCat("TF-NAS: the most accurate architecture whose latency is at most ",
                       t.target_latency_ms() != 0
                           ? Ms(t.target_latency_ms())
                           : absl::StrCat(t.target_fraction(), " of the latency table's range"),
                       ", by a supernet search", t.retrain() ? ", then trained from scratch" : "");
      break;
    }
    case v1::Strategy::kLocalSearch:
      purpose = absl::StrCat("local search: the best ", fitness,
                             " by moving to the best one-edit neighbour, restarting at random "
                             "when none improves");
      break;
    default:
      purpose = "unknown strategy";
  }
  return Wrap("purpose: ", purpose, kWidth);
}

std::string TfNasLatencyText(const v1::SearchSpec& spec, const v1::Individual* derived) {
  if (!spec.strategy().has_tfnas()) return "";
  const v1::TfNasSearch& t = spec.strategy().tfnas();
  const double* target = derived != nullptr ? Metric(*derived, "target_latency_ms") : nullptr;
  std::string out;
  if (t.target_latency_ms() != 0) {
    out = absl::StrCat("  latency target: ", Ms(t.target_latency_ms()), "\n");
  } else {
    const double* fastest = derived != nullptr ? Metric(*derived, "table_fastest_ms") : nullptr;
    const double* slowest = derived != nullptr ? Metric(*derived, "table_slowest_ms") : nullptr;
    out = absl::StrCat("  latency target: ", t.target_fraction(), " of the table's range");
    if (target != nullptr && fastest != nullptr && slowest != nullptr) {
      absl::StrAppend(&out, " = ", Ms(*target), " (fastest ", Ms(*fastest), ", slowest ",
                      Ms(*slowest), ")");
    } else {
      absl::StrAppend(&out, " (in ms once the search has its table)");
    }
    out += "\n";
  }
  const double* predicted = derived != nullptr ? Metric(*derived, "predicted_latency_ms") : nullptr;
  const double* measured = derived != nullptr ? Metric(*derived, "measured_latency_ms") : nullptr;
  if (predicted == nullptr) {
    return out + "  latency of the derived architecture: none derived yet\n";
  }
  absl::StrAppend(&out, "  latency of the derived architecture (individual ", derived->id(),
                  "): predicted ", Ms(*predicted), " by the table",
                  target != nullptr
                      ? (*predicted <= *target ? ", within the target" : ", OVER the target")
                      : "",
                  "; measured ", measured != nullptr ? Ms(*measured) : "-", " on its worker\n");
  return out;
}

std::string Wrap(const std::string& first, const std::string& text, size_t width) {
  const std::string indent(first.size(), ' ');
  std::string out = first, line;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!line.empty() && first.size() + line.size() + 1 + word.size() > width) {
      absl::StrAppend(&out, line, "\n", indent);
      line.clear();
    }
    absl::StrAppend(&line, line.empty() ? "" : " ", word);
  }
  return absl::StrCat(out, line, "\n");
}

std::string IndividualText(const v1::SearchSpec& spec, const v1::Individual& ind) {
  std::string out = absl::StrCat("individual ", ind.id(), " (birth ", ind.birth_order(), ", ",
                                 IndividualStateName(ind.state()), ")\n");
  if (ind.state() == v1::INDIVIDUAL_EVALUATED) {
    absl::StrAppend(&out, absl::StrFormat("  validation accuracy: %.4f\n", ind.fitness()),
                    "  parameters: ", ind.parameter_count(), "\n");
  }
  if (!ind.failure_reason().empty())
    absl::StrAppend(&out, "  failure: ", ind.failure_reason(), "\n");
  if (!ind.stop_reason().empty()) absl::StrAppend(&out, "  ", ind.stop_reason(), "\n");
  absl::StrAppend(&out, "  parent: ", ind.parent_id() ? absl::StrCat(ind.parent_id()) : "none",
                  ", mutation: ", ind.mutation(), "\n");
  out += Wrap("  genome: ", ind.architecture().text(), kWidth);
  absl::StrAppend(&out, "  hash: ", ind.architecture().hash(), "\n");
  if (auto space = MakeSearchSpace(spec.space()); space.ok()) {
    // Spaces without a multi-line form give the genome back: printed once.
    std::string readable = (*space)->Readable(ind.architecture().text());
    if (!readable.empty() && readable != ind.architecture().text()) {
      if (readable.back() != '\n') readable += '\n';
      out += readable;
    }
  }
  return out;
}

std::string IndividualsHeader() {
  return absl::StrFormat("%-8s %-6s %-10s %-9s %-10s %-8s %s\n", "id", "birth", "state", "fitness",
                         "params", "parent", "mutation");
}

std::string IndividualRow(const v1::Individual& i) {
  // A candidate stopped early shows the epoch it stopped at.
  const std::string state = i.stopped_at_epoch() > 0
                                ? absl::StrCat("stopped@", i.stopped_at_epoch())
                                : IndividualStateName(i.state());
  return absl::StrFormat(
      "%-8d %-6d %-10s %-9s %-10d %-8s %s\n", i.id(), i.birth_order(), state,
      i.state() == v1::INDIVIDUAL_EVALUATED ? absl::StrFormat("%.4f", i.fitness()) : "-",
      i.parameter_count(), i.parent_id() ? absl::StrCat(i.parent_id()) : "-", i.mutation());
}

std::string LineageText(const google::protobuf::RepeatedPtrField<v1::Individual>& individuals) {
  std::string out;
  for (int i = 0; i < individuals.size(); ++i) {
    const auto& ind = individuals[i];
    absl::StrAppend(&out, std::string(2 * i, ' '), i ? "<- " : "",
                    absl::StrFormat("individual %d (birth %d) fitness %.4f via %s\n", ind.id(),
                                    ind.birth_order(), ind.fitness(), ind.mutation()));
  }
  return out;
}

std::string EpochLine(const v1::EpochProgress& e) {
  auto metric = [&](const char* name) {
    auto it = e.metrics().find(name);
    return it == e.metrics().end() ? std::string("-") : absl::StrFormat("%.4f", it->second);
  };
  return absl::StrFormat(
      "job %d epoch %d/%d: train loss %s acc %s, valid loss %s acc %s; derived %s", e.job_id(),
      e.epoch(), e.epochs(), metric("train_loss"), metric("train_accuracy"), metric("valid_loss"),
      metric("valid_accuracy"), e.architecture().text());
}

std::string WorkersText(const google::protobuf::RepeatedPtrField<v1::WorkerStatus>& workers,
                        absl::Time now) {
  if (workers.empty()) return "no workers seen (in the last day)\n";
  std::string out;
  for (const v1::WorkerStatus& w : workers) {
    std::vector<std::string> kinds;
    for (int kind : w.job_kinds()) kinds.push_back(JobKindName(static_cast<v1::JobKind>(kind)));
    absl::StrAppend(&out, w.worker_id(), " on ", w.hostname().empty() ? "?" : w.hostname(), ": ",
                    w.device(),
                    w.device_model().empty() ? "" : absl::StrCat(" (", w.device_model(), ")"), ", ",
                    w.jobs_size(), "/", w.slots(), " slots busy, runs ",
                    kinds.empty() ? "no job kinds" : absl::StrJoin(kinds, ","), ", last seen ",
                    Age(now - ToTime(w.last_seen_time())), " ago\n");
    for (const v1::LeasedJob& j : w.jobs()) {
      absl::StrAppend(
          &out,
          absl::StrFormat("  job %d (attempt %d) of search %d, individual %d, %s: %.0f%% done, "
                          "lease ends in %s\n",
                          j.job_id(), j.attempt(), j.search_id(), j.individual_id(),
                          JobKindName(j.kind()), 100 * j.progress(),
                          Age(ToTime(j.lease_expire_time()) - now)));
    }
  }
  return out;
}

std::string JobLogLineText(const v1::JobLogLine& l) {
  return absl::StrCat(google::protobuf::util::TimeUtil::ToString(l.time()), " job ", l.job_id(),
                      "/", l.attempt(), " individual ", l.individual_id(), " on ", l.worker_id(),
                      ": ", l.text());
}

}  // namespace nas
