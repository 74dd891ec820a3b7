// Commands over rollups: rollup, anomalies, children, recompute, and export.
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/cli.h"
#include "export/export.h"
#include "export/text_width.h"
#include "proto/anomaly_kind.h"
#include "proto/cells.h"

namespace gongkai::cli {
namespace {

using exports::Align;
using exports::Pad;

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

}  // namespace

// The edition whose sums a rollup shows: --edition, else the only one present, else the
// official edition of the year.
static const v1::EditionRollup* ChooseEdition(const v1::Rollup& rollup, const std::string& flag) {
  v1::Edition wanted = v1::EDITION_UNSPECIFIED;
  if (flag == "2019") wanted = v1::EDITION_2019;
  if (flag == "2021") wanted = v1::EDITION_2021;
  if (!flag.empty() && wanted == v1::EDITION_UNSPECIFIED) {
    throw Problem{absl::StrCat("--edition must be 2019 or 2021, not \"", flag, "\"")};
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

int Cli::Rollup() {
  Need(2, "gongkai rollup REGION YEAR [--edition 2019|2021] [--output json|cells|table]");
  const std::string output = OutputFlag("table", {"json", "cells", "table"});
  v1::GetRollupRequest request;
  request.set_region_code(args_.positional[0]);
  request.set_year(YearArg(1));
  v1::Rollup rollup;
  grpc::Status status = rollups_->GetRollup(Context().get(), request, &rollup);
  if (!status.ok()) return Refused(status);
  if (output == "json") {
    out_ << Json(rollup) << "\n";
    return 0;
  }
  const v1::EditionRollup* edition = ChooseEdition(rollup, args_.FlagOr("edition", ""));
  if (edition == nullptr && output == "cells") {
    throw Problem{"the rollup has no report of that edition (see --edition)"};
  }
  v1::Report empty;
  empty.mutable_key()->set_region_code(rollup.region_code());
  empty.mutable_key()->set_year(rollup.year());
  const v1::Report& sums = edition != nullptr ? edition->sums() : empty;
  if (output == "cells") {
    out_ << FormatCells(sums);
    return 0;
  }
  const v1::Completeness& c = rollup.completeness();
  out_ << rollup.region_code() << "  " << rollup.year() << "年度  报告 " << rollup.reports()
       << " 份";
  for (const v1::EditionRollup& e : rollup.editions()) {
    out_ << "（" << EditionLabel(e.edition()) << "版 " << e.reports() << "）";
  }
  out_ << "\n应报 " << c.expected() << "  已报 " << c.received() << "  按时 " << c.on_time()
       << "  逾期 " << c.late() << "  未报 " << c.missing() << "\n";
  for (const v1::Indicator& indicator : rollup.indicators()) {
    out_ << indicator.label() << "：" << indicator.numerator() << " / " << indicator.denominator()
         << " = " << Percent(indicator) << "\n";
  }
  auto table = exports::Export(sums, exports::Format::kTable);
  if (!table.ok()) throw Problem{std::string(table.status().message())};
  out_ << "\n" << *table;
  return 0;
}

int Cli::Anomalies() {
  Need(2, "gongkai anomalies REGION YEAR [--kind K] [--min_severity low|medium|high]");
  v1::ListAnomaliesRequest request;
  request.set_region_code(args_.positional[0]);
  request.set_year(YearArg(1));
  if (auto kind = args_.Flag("kind")) {
    v1::AnomalyKind parsed;
    if (!ParseAnomalyKind(*kind, &parsed)) {
      throw Problem{absl::StrCat("--kind \"", *kind, "\" is not an anomaly kind")};
    }
    request.set_kind(parsed);
  }
  if (auto minimum = args_.Flag("min_severity")) {
    const std::string m = *minimum;
    if (m == "low")
      request.set_minimum_severity(v1::ANOMALY_SEVERITY_LOW);
    else if (m == "medium")
      request.set_minimum_severity(v1::ANOMALY_SEVERITY_MEDIUM);
    else if (m == "high")
      request.set_minimum_severity(v1::ANOMALY_SEVERITY_HIGH);
    else
      throw Problem{"--min_severity must be low, medium or high"};
  }
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
           << "\t" << ScopeName(a.key().scope()) << "\t" << a.explanation() << "\n";
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  err_ << count << " anomaly(ies)\n";
  return 0;
}

int Cli::Children() {
  Need(2, "gongkai children REGION YEAR");
  v1::ListChildRollupsRequest request;
  request.set_region_code(args_.positional[0]);
  request.set_year(YearArg(1));
  request.set_page_size(1000);
  std::vector<std::vector<std::string>> rows = {{"区划代码", "名称", "报告", "应报", "已报", "逾期",
                                                 "未报", "新收申请", "予以公开占比",
                                                 "不予公开占比"}};
  do {
    v1::ListChildRollupsResponse response;
    grpc::Status status = rollups_->ListChildRollups(Context().get(), request, &response);
    if (!status.ok()) return Refused(status);
    for (const v1::Rollup& r : response.rollups()) {
      v1::GetRegionRequest get;
      get.set_code(r.region_code());
      v1::Region region;
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
  std::vector<int> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], exports::DisplayWidth(row[i]));
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, i == 0 ? "" : "  ",
                      Pad(row[i], widths[i], i >= 2 ? Align::kRight : Align::kLeft));
    }
    out_ << line << "\n";
  }
  return 0;
}

int Cli::Recompute() {
  Need(1, "gongkai recompute YEAR [--region R]");
  v1::StartRollupJobRequest request;
  request.set_year(YearArg(0));
  request.set_region_code(args_.FlagOr("region", ""));
  v1::RollupJob job;
  grpc::Status status = rollups_->StartRollupJob(Context().get(), request, &job);
  if (!status.ok()) return Refused(status);
  out_ << "job " << job.id() << " started\n";
  const absl::Time give_up = absl::Now() + absl::Minutes(30);
  while (job.state() == v1::JOB_STATE_PENDING || job.state() == v1::JOB_STATE_RUNNING) {
    if (absl::Now() > give_up) {
      err_ << "gongkai: job " << job.id() << " did not finish within 30 minutes\n";
      return kExitRefused;
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
  if (job.state() != v1::JOB_STATE_SUCCEEDED) {
    err_ << "gongkai: job failed: " << job.error() << "\n";
    return kExitRefused;
  }
  return job.drifted_regions() == 0 ? 0 : kExitRefused;
}

int Cli::Export() {
  Need(3,
       "gongkai export report|rollup REGION YEAR --format cells|csv|table|xlsx|json "
       "[--out FILE] [--body B] [--scope own|summary] [--revision N] [--edition E]");
  auto format = exports::ParseFormat(args_.FlagOr("format", "table"));
  if (!format.ok()) throw Problem{std::string(format.status().message())};
  const std::string what = args_.positional[0];
  v1::Report report;
  if (what == "report") {
    v1::GetReportRequest request;
    request.mutable_key()->set_region_code(args_.positional[1]);
    request.mutable_key()->set_year(YearArg(2));
    request.mutable_key()->set_body(args_.FlagOr("body", ""));
    request.mutable_key()->set_scope(ScopeFlag());
    request.set_revision(IntFlag("revision", 0));
    request.set_view(v1::REPORT_VIEW_FULL);
    v1::Revision revision;
    grpc::Status status = reports_->GetReport(Context().get(), request, &revision);
    if (!status.ok()) return Refused(status);
    report = revision.report();
  } else if (what == "rollup") {
    v1::GetRollupRequest request;
    request.set_region_code(args_.positional[1]);
    request.set_year(YearArg(2));
    v1::Rollup rollup;
    grpc::Status status = rollups_->GetRollup(Context().get(), request, &rollup);
    if (!status.ok()) return Refused(status);
    const v1::EditionRollup* edition = ChooseEdition(rollup, args_.FlagOr("edition", ""));
    if (edition == nullptr) throw Problem{"the rollup has no report of that edition"};
    report = edition->sums();
  } else {
    throw Problem{"export takes `report` or `rollup`"};
  }
  const std::string out_path = args_.FlagOr("out", "");
  if (exports::IsBinary(*format)) {
    if (out_path.empty()) throw Problem{"--format xlsx needs --out FILE"};
    absl::Status status = exports::ExportXlsx(report, out_path);
    if (!status.ok()) throw Problem{std::string(status.message())};
    out_ << "wrote " << out_path << "\n";
    return 0;
  }
  auto text = exports::Export(report, *format);
  if (!text.ok()) throw Problem{std::string(text.status().message())};
  if (out_path.empty()) {
    out_ << *text;
  } else {
    std::ofstream file(out_path, std::ios::binary);
    file << *text;
    if (!file) throw Problem{absl::StrCat("cannot write ", out_path)};
  }
  return 0;
}

}  // namespace gongkai::cli
