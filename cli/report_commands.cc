// Commands over reports and regions: submit, validate, get, list, revisions, changes, regions.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "cli/outcome.h"
#include "common/status_macros.h"
#include "export/export.h"
#include "export/text_width.h"
#include "gongkai/v1/region_service.grpc.pb.h"
#include "gongkai/v1/report_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "proto/cells.h"
#include "validation/validator.h"

namespace gongkai::cli {

absl::Status Cli::Submit() {
  GONGKAI_RETURN_IF_ERROR(
      Need(1, "gongkai submit FILE [--mode strict|lenient] [--expected_revision N]"));
  v1::SubmitReportRequest request;
  GONGKAI_ASSIGN_OR_RETURN(ReportFile file, ReadReport(args_.positional[0]));
  *request.mutable_report() = std::move(file.report);
  GONGKAI_ASSIGN_OR_RETURN(const v1::ValidationMode mode, ModeFlag(file.published));
  request.set_mode(mode);
  if (args_.Flag("expected_revision")) {
    GONGKAI_ASSIGN_OR_RETURN(const int64_t expected, IntFlag("expected_revision", 0));
    request.set_expected_revision(expected);
  }
  v1::SubmitReportResponse response;
  grpc::Status status = reports_->SubmitReport(Context().get(), request, &response);
  if (!status.ok()) return Refused(status);
  const v1::Revision& revision = response.revision();
  if (response.created()) {
    out_ << "stored " << KeyText(revision.key()) << " as revision " << revision.revision()
         << " (change " << revision.change_sequence() << ")\n";
  } else {
    out_ << "unchanged: " << KeyText(revision.key()) << " is already revision "
         << revision.revision() << " with this content\n";
  }
  for (const v1::Violation& violation : revision.verdict().violations()) {
    out_ << "  " << T({"疑点：", "flag: "}) << ViolationLine(violation) << "\n";
  }
  return absl::OkStatus();
}

absl::Status Cli::Validate() {
  GONGKAI_RETURN_IF_ERROR(Need(1, "gongkai validate FILE [--mode strict|lenient]"));
  v1::ValidateReportRequest request;
  GONGKAI_ASSIGN_OR_RETURN(ReportFile file, ReadReport(args_.positional[0]));
  *request.mutable_report() = std::move(file.report);
  GONGKAI_ASSIGN_OR_RETURN(const v1::ValidationMode mode, ModeFlag(file.published));
  request.set_mode(mode);
  v1::Verdict verdict;
  grpc::Status status = reports_->ValidateReport(Context().get(), request, &verdict);
  if (!status.ok()) return Refused(status);
  out_ << (verdict.acceptable() ? "acceptable" : "rejected") << " (" << verdict.violations_size()
       << " violation(s))\n";
  for (const v1::Violation& violation : verdict.violations()) {
    out_ << "  " << ViolationLine(violation) << "\n";
  }
  // A rejected report is a failed outcome; the line above has said so.
  return verdict.acceptable() ? absl::OkStatus() : Failed();
}

absl::Status Cli::Get() {
  GONGKAI_RETURN_IF_ERROR(Need(2,
                               "gongkai get REGION YEAR [--body B] [--scope own|summary] "
                               "[--revision N] [--output json|cells|table]"));
  GONGKAI_ASSIGN_OR_RETURN(const std::string output,
                           OutputFlag("table", {"json", "cells", "table"}));
  v1::GetReportRequest request;
  GONGKAI_ASSIGN_OR_RETURN(*request.mutable_key(), KeyFromPositionals());
  GONGKAI_ASSIGN_OR_RETURN(const int64_t revision_number, IntFlag("revision", 0));
  request.set_revision(revision_number);
  request.set_view(v1::REPORT_VIEW_FULL);
  v1::Revision revision;
  grpc::Status status = reports_->GetReport(Context().get(), request, &revision);
  if (!status.ok()) return Refused(status);
  if (revision.withdrawn() && output != "json") {
    // A tombstone has no tables: say so instead of printing an empty report.
    out_ << KeyText(revision.key()) << "  " << T({"已撤回（修订 ", "withdrawn (revision "})
         << revision.revision() << T({"，", ", "}) << revision.principal() << T({"，", ", "})
         << TimeText(revision.create_time()) << T({"）", ")"}) << "\n";
    for (const std::string& reason : revision.review().reasons()) {
      out_ << T({"  原因：", "  reason: "}) << reason << "\n";
    }
    out_ << T({"  以前的修订：gongkai revisions；gongkai get --revision N\n",
               "  earlier revisions: gongkai revisions; gongkai get --revision N\n"});
    return absl::OkStatus();
  }
  if (output == "json") {
    out_ << Json(revision) << "\n";
  } else if (output == "cells") {
    out_ << FormatCells(revision.report());
  } else {
    GONGKAI_ASSIGN_OR_RETURN(const std::string table,
                             exports::Export(revision.report(), exports::Format::kTable));
    out_ << KeyText(revision.key()) << "  revision " << revision.revision() << "  "
         << TimeText(revision.create_time()) << "\n"
         << table;
  }
  return absl::OkStatus();
}

absl::Status Cli::List() {
  GONGKAI_RETURN_IF_ERROR(Need(2, "gongkai list REGION YEAR [--output table|json]"));
  GONGKAI_ASSIGN_OR_RETURN(const std::string output, OutputFlag("table", {"json", "table"}));
  v1::ListReportsRequest request;
  request.set_region_code(args_.positional[0]);
  GONGKAI_ASSIGN_OR_RETURN(const int year, YearArg(1));
  request.set_year(year);
  request.set_page_size(1000);
  do {
    v1::ListReportsResponse response;
    grpc::Status status = reports_->ListReports(Context().get(), request, &response);
    if (!status.ok()) return Refused(status);
    for (const v1::Revision& revision : response.reports()) {
      if (output == "json") {
        out_ << Json(revision) << "\n";
        continue;
      }
      out_ << exports::Pad(revision.key().region_code(), 13)
           << exports::Pad(revision.key().body().empty() ? "-" : revision.key().body(), 19)
           << exports::Pad(ScopeName(revision.key().scope()), 8) << "rev "
           << exports::Pad(absl::StrCat(revision.revision()), 4) << TimeText(revision.create_time())
           << "  " << revision.verdict().violations_size() << " flag(s)\n";
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return absl::OkStatus();
}

absl::Status Cli::Revisions() {
  GONGKAI_RETURN_IF_ERROR(
      Need(2, "gongkai revisions REGION YEAR [--body B] [--scope own|summary]"));
  GONGKAI_ASSIGN_OR_RETURN(const std::string output, OutputFlag("table", {"json", "table"}));
  GONGKAI_ASSIGN_OR_RETURN(const v1::ReportKey key, KeyFromPositionals());
  return ForEachRevision(key, [&](const v1::Revision& revision) {
    out_ << (output == "json" ? Json(revision) : RevisionLine(revision)) << "\n";
  });
}

namespace {

void PrintChange(const v1::ChangeEvent& change, std::ostream& out) {
  if (change.has_registry_change()) {
    const v1::RegistryChange& registry = change.registry_change();
    out << exports::Pad(absl::StrCat(change.sequence()), 8) << "registry from "
        << registry.from_year() << ": " << registry.summary() << "  by " << registry.principal()
        << "  " << TimeText(change.time()) << "\n";
    return;
  }
  out << exports::Pad(absl::StrCat(change.sequence()), 8) << KeyText(change.key()) << "  rev "
      << change.revision() << " (was " << change.previous_revision() << ")  "
      << TimeText(change.time()) << "\n";
}

}  // namespace

absl::Status Cli::Changes() {
  GONGKAI_RETURN_IF_ERROR(Need(0, "gongkai changes [--from SEQUENCE] [--limit N] [--follow]"));
  GONGKAI_ASSIGN_OR_RETURN(const int64_t from, IntFlag("from", 1));
  GONGKAI_ASSIGN_OR_RETURN(const int64_t limit, IntFlag("limit", 100));
  if (Switch("follow")) {  // every entry from `from` on, then each new one as it is committed
    v1::WatchChangesRequest request;
    request.set_start_sequence(from);
    request.set_page_size(static_cast<int32_t>(limit));
    request.set_follow(true);
    grpc::ClientContext context;  // no deadline: until interrupted
    auto reader = reports_->WatchChanges(&context, request);
    v1::WatchChangesResponse page;
    while (reader->Read(&page)) {
      for (const v1::ChangeEvent& change : page.changes()) PrintChange(change, out_);
      out_.flush();
    }
    grpc::Status status = reader->Finish();
    return status.ok() ? absl::OkStatus() : Refused(status);
  }
  v1::ListChangesRequest request;
  request.set_start_sequence(from);
  request.set_page_size(static_cast<int32_t>(limit));
  v1::ListChangesResponse response;
  grpc::Status status = reports_->ListChanges(Context().get(), request, &response);
  if (!status.ok()) return Refused(status);
  for (const v1::ChangeEvent& change : response.changes()) PrintChange(change, out_);
  out_ << "next " << response.next_sequence() << ", head " << response.head_sequence() << "\n";
  return absl::OkStatus();
}

}  // namespace gongkai::cli
