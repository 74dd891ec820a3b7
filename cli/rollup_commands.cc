// Commands over rollups: rollup, anomalies, children, recompute, and export.
#include <fstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/cli.h"
#include "cli/outcome.h"
#include "common/status_macros.h"
#include "export/export.h"
#include "export/text_width.h"
#include "proto/anomaly_kind.h"
#include "proto/cells.h"

namespace gongkai::cli {
namespace {

std::string Percent(const v1::Indicator& indicator) {
  if (!indicator.defined()) return "-";
  return absl::StrFormat("%.1f%%", indicator.value() * 100);
}

const v1::Indicator* FindIndicator(const v1::Rollup& rollup, absl::string_view name) {
  for (const v1::Indicator& indicator : rollup.indicators()) {
    if (indicator.name() == name) return &indicator;
  }
  return nullptr;
}

// Sums beyond what the report's fields hold are never printed wrapped (or blank as if
// unreported): the formats of the report refuse them, naming the cells and their exact sums.
absl::Status RefuseOverflow(const v1::EditionRollup& edition) {
  if (edition.overflowed().empty()) return absl::OkStatus();
  std::string cells;
  for (const v1::OverflowedCell& cell : edition.overflowed()) {
    absl::StrAppend(&cells, "\n  ", cell.table(), "/", cell.row(), "/", cell.column(), " = ",
                    cell.exact_sum(), " (", cell.field_path(), ")");
  }
  return Failed(absl::StrCat("the sums of ", edition.overflowed_size(),
                             " cell(s) exceed what the report format holds; the exact sums "
                             "(also in --output json):",
                             cells));
}

std::string SeverityName(v1::AnomalySeverity severity) {
  switch (severity) {
    case v1::ANOMALY_SEVERITY_HIGH:
      return "HIGH";
    case v1::ANOMALY_SEVERITY_MEDIUM:
      return "MEDIUM";
    case v1::ANOMALY_SEVERITY_LOW:
      return "LOW";
    default:
      return "-";
  }
}

// The edition whose sums a rollup shows: --edition, else the only one present, else the
// official edition of the year; null when the rollup has none of that edition.
absl::StatusOr<const v1::EditionRollup*> ChooseEdition(const v1::Rollup& rollup,
                                                       const std::string& flag) {
  v1::Edition wanted = v1::EDITION_UNSPECIFIED;
  if (flag == "2019") wanted = v1::EDITION_2019;
  if (flag == "2021") wanted = v1::EDITION_2021;
  if (!flag.empty() && wanted == v1::EDITION_UNSPECIFIED) {
    return UsageError(absl::StrCat("--edition must be 2019 or 2021, not \"", flag, "\""));
  }
  if (wanted == v1::EDITION_UNSPECIFIED) {
    if (rollup.editions_size() == 1) return &rollup.editions(0);
    wanted = rollup.year() >= 2021 ? v1::EDITION_2021 : v1::EDITION_2019;
  }
  for (const v1::EditionRollup& edition : rollup.editions()) {
    if (edition.edition() == wanted) return &edition;
  }
  return nullptr;
}

// --kind and --min_severity into the request.
absl::Status SetAnomalyFilters(const Args& args, v1::ListAnomaliesRequest* request) {
  if (auto state = args.Flag("state")) {
    v1::FlagState parsed;
    if (!v1::FlagState_Parse("FLAG_STATE_" + absl::AsciiStrToUpper(*state), &parsed) ||
        parsed == v1::FLAG_STATE_UNSPECIFIED) {
      return UsageError(absl::StrCat(
          "--state \"", *state, "\" is not open, explained, accepted, dismissed or confirmed"));
    }
    request->set_state(parsed);
  }
  if (auto kind = args.Flag("kind")) {
    v1::AnomalyKind parsed;
    if (!ParseAnomalyKind(*kind, &parsed)) {
      return UsageError(absl::StrCat("--kind \"", *kind, "\" is not an anomaly kind"));
    }
    request->set_kind(parsed);
  }
  if (auto minimum = args.Flag("min_severity")) {
    const std::string m = *minimum;
    if (m == "low") {
      request->set_minimum_severity(v1::ANOMALY_SEVERITY_LOW);
    } else if (m == "medium") {
      request->set_minimum_severity(v1::ANOMALY_SEVERITY_MEDIUM);
    } else if (m == "high") {
      request->set_minimum_severity(v1::ANOMALY_SEVERITY_HIGH);
    } else {
      return UsageError("--min_severity must be low, medium or high");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Cli::Rollup() {
  GONGKAI_RETURN_IF_ERROR(
      Need(2, "gongkai rollup REGION YEAR [--edition 2019|2021] [--output json|cells|table]"));
  GONGKAI_ASSIGN_OR_RETURN(const std::string output,
                           OutputFlag("table", {"json", "cells", "table"}));
  v1::GetRollupRequest request;
  request.set_region_code(args_.positional[0]);
  GONGKAI_ASSIGN_OR_RETURN(const int year, YearArg(1));
  request.set_year(year);
  GONGKAI_ASSIGN_OR_RETURN(const int64_t on_tree, IntFlag("on_tree", 0));
  request.set_on_tree(static_cast<int32_t>(on_tree));
  v1::Rollup rollup;
  grpc::Status status = rollups_->GetRollup(Context(absl::Minutes(5)).get(), request, &rollup);
  if (!status.ok()) return Refused(status);
  if (output == "json") {
    out_ << Json(rollup) << "\n";
    return absl::OkStatus();
  }
  GONGKAI_ASSIGN_OR_RETURN(const v1::EditionRollup* edition,
                           ChooseEdition(rollup, args_.FlagOr("edition", "")));
  if (edition == nullptr && output == "cells") {
    return UsageError("the rollup has no report of that edition (see --edition)");
  }
  if (edition != nullptr) GONGKAI_RETURN_IF_ERROR(RefuseOverflow(*edition));
  v1::Report empty;
  empty.mutable_key()->set_region_code(rollup.region_code());
  empty.mutable_key()->set_year(rollup.year());
  const v1::Report& sums = edition != nullptr ? edition->sums() : empty;
  if (output == "cells") {
    out_ << FormatCells(sums);
    return absl::OkStatus();
  }
  const v1::Completeness& c = rollup.completeness();
  const bool en = language_ == exports::Language::kEnglish;
  out_ << rollup.region_code() << "  " << rollup.year() << T({"年度  报告 ", "  reports "})
       << rollup.reports() << T({" 份", ""});
  for (const v1::EditionRollup& e : rollup.editions()) {
    out_ << T({"（", " ("}) << EditionLabel(e.edition()) << T({"版 ", " edition "}) << e.reports()
         << T({"）", ")"});
  }
  if (rollup.tree_year() != 0) {
    out_ << T({"  按", "  on the tree of "}) << rollup.tree_year() << T({"年区划口径", ""});
  }
  out_ << "\n"
       << T({"应报 ", "expected "}) << c.expected() << T({"  已报 ", "  received "}) << c.received()
       << T({"  按时 ", "  on time "}) << c.on_time() << T({"  逾期 ", "  late "}) << c.late()
       << T({"  未报 ", "  missing "}) << c.missing() << "\n";
  out_ << T({"审核：已通过 ", "review: approved "}) << c.approved()
       << T({"  待审核 ", "  pending "}) << c.pending_review() << T({"  已退回 ", "  returned "})
       << c.returned() << "\n";
  if (rollup.unmapped_regions_size() > 0) {
    if (en) {
      out_ << rollup.unmapped_regions_size() << " unit(s) without a counterpart on the "
           << rollup.tree_year() << " tree (" << rollup.unmapped_reports()
           << " of their reports left out):";
    } else {
      out_ << "无法对应到" << rollup.tree_year() << "年区划的单位 "
           << rollup.unmapped_regions_size() << " 个（其报告 " << rollup.unmapped_reports()
           << " 份未计入）：";
    }
    for (const v1::UnmappedRegion& u : rollup.unmapped_regions()) {
      out_ << " " << u.code() << " " << u.name();
    }
    out_ << "\n";
  }
  for (const v1::Indicator& indicator : rollup.indicators()) {
    out_ << indicator.label() << "：" << indicator.numerator() << " / " << indicator.denominator()
         << " = " << Percent(indicator) << "\n";
  }
  GONGKAI_ASSIGN_OR_RETURN(const std::string table, exports::Export(sums, exports::Format::kTable));
  out_ << "\n" << table;
  return absl::OkStatus();
}

absl::Status Cli::Anomalies() {
  GONGKAI_RETURN_IF_ERROR(
      Need(2, "gongkai anomalies REGION YEAR [--kind K] [--min_severity low|medium|high]"));
  v1::ListAnomaliesRequest request;
  request.set_region_code(args_.positional[0]);
  GONGKAI_ASSIGN_OR_RETURN(const int year, YearArg(1));
  request.set_year(year);
  GONGKAI_RETURN_IF_ERROR(SetAnomalyFilters(args_, &request));
  request.set_page_size(1000);
  int count = 0;
  do {
    v1::ListAnomaliesResponse response;
    grpc::Status status = rollups_->ListAnomalies(Context().get(), request, &response);
    if (!status.ok()) return Refused(status);
    for (const v1::Anomaly& a : response.anomalies()) {
      ++count;
      out_ << a.key().region_code() << "\t" << AnomalyKindName(a.kind()) << "\t"
           << SeverityName(a.severity()) << "\t" << (a.key().body().empty() ? "-" : a.key().body())
           << "\t" << ScopeName(a.key().scope()) << "\t" << FlagExplanation(a) << "\t" << a.id()
           << "\t" << FlagStateText(a.disposition().state(), language_) << "\n";
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  err_ << count << " anomaly(ies)\n";
  return absl::OkStatus();
}

absl::Status Cli::Children() {
  GONGKAI_RETURN_IF_ERROR(Need(2, "gongkai children REGION YEAR [--on_tree Y]"));
  v1::ListChildRollupsRequest request;
  request.set_region_code(args_.positional[0]);
  GONGKAI_ASSIGN_OR_RETURN(const int year, YearArg(1));
  request.set_year(year);
  GONGKAI_ASSIGN_OR_RETURN(const int64_t on_tree, IntFlag("on_tree", 0));
  request.set_on_tree(static_cast<int32_t>(on_tree));
  request.set_page_size(1000);
  std::vector<std::vector<std::string>> rows = {
      {T({"区划代码", "region"}), T({"名称", "name"}), T({"报告", "reports"}),
       T({"应报", "expected"}), T({"已报", "received"}), T({"逾期", "late"}),
       T({"未报", "missing"}), T({"新收申请", "new requests"}), T({"予以公开占比", "granted"}),
       T({"不予公开占比", "refused"})}};
  do {
    v1::ListChildRollupsResponse response;
    grpc::Status status = rollups_->ListChildRollups(Context().get(), request, &response);
    if (!status.ok()) return Refused(status);
    for (const v1::Rollup& r : response.rollups()) {
      v1::GetRegionRequest get;
      get.set_code(r.region_code());
      get.set_year(on_tree != 0 ? static_cast<int32_t>(on_tree) : year);
      v1::Region region;
      // The name is a courtesy: a child whose region cannot be read shows an empty name.
      (void)regions_->GetRegion(Context().get(), get, &region);
      std::string requests = "-";
      for (const v1::SharedCell& cell : r.shared()) {
        if (cell.field_path() == "table3.new_requests.total" && cell.has_sum()) {
          requests = absl::StrCat(cell.sum());
        }
      }
      const v1::Indicator* granted = FindIndicator(r, "granted_share");
      const v1::Indicator* refused = FindIndicator(r, "refused_share");
      rows.push_back(
          {r.region_code(), region.name(), absl::StrCat(r.reports()),
           absl::StrCat(r.completeness().expected()), absl::StrCat(r.completeness().received()),
           absl::StrCat(r.completeness().late()), absl::StrCat(r.completeness().missing()),
           requests, granted ? Percent(*granted) : "-", refused ? Percent(*refused) : "-"});
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  PrintColumns(rows, out_);
  return absl::OkStatus();
}

absl::Status Cli::Recompute() {
  GONGKAI_RETURN_IF_ERROR(Need(1, "gongkai recompute YEAR [--region R]"));
  v1::StartRollupJobRequest request;
  GONGKAI_ASSIGN_OR_RETURN(const int year, YearArg(0));
  request.set_year(year);
  request.set_region_code(args_.FlagOr("region", ""));
  v1::RollupJob job;
  grpc::Status status = rollups_->StartRollupJob(Context().get(), request, &job);
  if (!status.ok()) return Refused(status);
  out_ << "job " << job.id() << " started\n";
  const absl::Time give_up = absl::Now() + absl::Minutes(30);
  while (job.state() == v1::JOB_STATE_PENDING || job.state() == v1::JOB_STATE_RUNNING) {
    if (absl::Now() > give_up) {
      return Failed(absl::StrCat("job ", job.id(), " did not finish within 30 minutes"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    v1::GetRollupJobRequest get;
    get.set_id(job.id());
    status = rollups_->GetRollupJob(Context().get(), get, &job);
    if (!status.ok()) return Refused(status);
  }
  out_ << "job " << job.id() << " " << v1::JobState_Name(job.state()) << ": " << job.reports()
       << " report(s), " << job.drifted_regions() << " region(s) drifted\n";
  for (const std::string& code : job.drift()) out_ << "  drift " << code << "\n";
  if (job.state() != v1::JOB_STATE_SUCCEEDED)
    return Failed(absl::StrCat("job failed: ", job.error()));
  // Drift is a failed outcome; the lines above have listed it.
  return job.drifted_regions() == 0 ? absl::OkStatus() : Failed();
}

absl::Status Cli::Export() {
  if (!args_.positional.empty() && args_.positional[0] == "review") return ExportReview();
  GONGKAI_RETURN_IF_ERROR(
      Need(3,
           "gongkai export report|rollup REGION YEAR --format cells|csv|table|xlsx|json "
           "[--out FILE] [--body B] [--scope own|summary] [--revision N] [--edition E]"));
  GONGKAI_ASSIGN_OR_RETURN(const exports::Format format,
                           exports::ParseFormat(args_.FlagOr("format", "table")));
  GONGKAI_ASSIGN_OR_RETURN(const v1::Report report, ExportedReport());
  const std::string out_path = args_.FlagOr("out", "");
  if (exports::IsBinary(format)) {
    if (out_path.empty()) return UsageError("--format xlsx needs --out FILE");
    GONGKAI_RETURN_IF_ERROR(exports::ExportXlsx(report, out_path));
    out_ << "wrote " << out_path << "\n";
    return absl::OkStatus();
  }
  GONGKAI_ASSIGN_OR_RETURN(const std::string text, exports::Export(report, format));
  if (out_path.empty()) {
    out_ << text;
  } else {
    std::ofstream file(out_path, std::ios::binary);
    file << text;
    if (!file) return UsageError(absl::StrCat("cannot write ", out_path));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Report> Cli::ExportedReport() {
  const std::string what = args_.positional[0];
  if (what == "report") {
    v1::GetReportRequest request;
    request.mutable_key()->set_region_code(args_.positional[1]);
    GONGKAI_ASSIGN_OR_RETURN(const int year, YearArg(2));
    request.mutable_key()->set_year(year);
    request.mutable_key()->set_body(args_.FlagOr("body", ""));
    GONGKAI_ASSIGN_OR_RETURN(const v1::Scope scope, ScopeFlag());
    request.mutable_key()->set_scope(scope);
    GONGKAI_ASSIGN_OR_RETURN(const int64_t revision_number, IntFlag("revision", 0));
    request.set_revision(revision_number);
    request.set_view(v1::REPORT_VIEW_FULL);
    v1::Revision revision;
    grpc::Status status = reports_->GetReport(Context().get(), request, &revision);
    if (!status.ok()) return Refused(status);
    if (revision.withdrawn()) {
      return Failed(absl::StrCat("revision ", revision.revision(),
                                 " withdraws the report: it has no tables to export (--revision ",
                                 revision.revision() - 1, " exports the one before)"));
    }
    return revision.report();
  }
  if (what == "rollup") {
    v1::GetRollupRequest request;
    request.set_region_code(args_.positional[1]);
    GONGKAI_ASSIGN_OR_RETURN(const int year, YearArg(2));
    request.set_year(year);
    v1::Rollup rollup;
    grpc::Status status = rollups_->GetRollup(Context().get(), request, &rollup);
    if (!status.ok()) return Refused(status);
    GONGKAI_ASSIGN_OR_RETURN(const v1::EditionRollup* edition,
                             ChooseEdition(rollup, args_.FlagOr("edition", "")));
    if (edition == nullptr) return UsageError("the rollup has no report of that edition");
    GONGKAI_RETURN_IF_ERROR(RefuseOverflow(*edition));
    return edition->sums();
  }
  return UsageError("export takes `report` or `rollup`");
}

}  // namespace gongkai::cli
