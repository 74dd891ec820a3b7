#include "cli/commands.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "cli/cli.h"
#include "common/time.h"
#include "export/export.h"
#include "export/text_width.h"
#include "gongkai/v1/region_service.grpc.pb.h"
#include "gongkai/v1/report_service.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "importer/diagnostic.h"
#include "proto/cells.h"
#include "validation/validator.h"

namespace gongkai::cli {

Cli::Cli(const Args& args, std::ostream& out, std::ostream& err)
    : args_(args), out_(out), err_(err) {
  std::string server = args.FlagOr("server", "");
  if (server.empty()) {
    const char* env = std::getenv("GONGKAI_SERVER");
    server = env != nullptr && *env != '\0' ? env : "127.0.0.1:50051";
  }
  security_.ca_file = args.FlagOr("tls_ca", "");
  security_.cert_file = args.FlagOr("tls_cert", "");
  security_.key_file = args.FlagOr("tls_key", "");
  if (std::optional<std::string> token = args.Flag("token"); token.has_value()) {
    security_.token = *token;
  } else if (std::optional<std::string> file = args.Flag("token_file"); file.has_value()) {
    absl::StatusOr<std::string> read = client::ReadTokenFile(*file);
    if (!read.ok()) throw Problem{std::string(read.status().message())};
    security_.token = *read;
  } else if (const char* env = std::getenv("GONGKAI_TOKEN"); env != nullptr) {
    security_.token = env;
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      client::ChannelCredentials(security_);
  if (!credentials.ok()) throw Problem{std::string(credentials.status().message())};
  channel_ = grpc::CreateChannel(server, *credentials);
  reports_ = v1::ReportService::NewStub(channel_);
  regions_ = v1::RegionService::NewStub(channel_);
  rollups_ = v1::RollupService::NewStub(channel_);
}

std::string ScopeName(v1::Scope scope) { return scope == v1::SCOPE_SUMMARY ? "summary" : "own"; }

std::string TimeText(const google::protobuf::Timestamp& time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", FromProtoTime(time), ReportingZone());
}

std::string KeyText(const v1::ReportKey& key) {
  return absl::StrCat(key.region_code(), " ", key.year(), " ",
                      key.body().empty() ? "-" : key.body(), " ", ScopeName(key.scope()));
}

int Cli::Refused(const grpc::Status& status) {
  const std::string message = status.error_message();
  err_ << "gongkai: "
       << absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())) << ": "
       << message.substr(0, message.find('\n')) << "\n";
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& any : details.details()) {
      v1::Verdict verdict;
      if (!any.UnpackTo(&verdict)) continue;
      for (const v1::Violation& violation : verdict.violations()) {
        err_ << "  " << validation::DescribeViolation(violation) << "\n";
      }
    }
  }
  return kExitRefused;
}

int64_t Cli::IntFlag(const std::string& name, int64_t fallback) const {
  std::optional<std::string> text = args_.Flag(name);
  if (!text.has_value()) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value)) {
    throw Problem{absl::StrCat("--", name, " must be an integer, not \"", *text, "\"")};
  }
  return value;
}

v1::Scope Cli::ScopeFlag() const {
  const std::string scope = args_.FlagOr("scope", "own");
  if (auto parsed = ParseScope(scope)) return *parsed;
  throw Problem{absl::StrCat("--scope must be own or summary, not \"", scope, "\"")};
}

v1::ValidationMode Cli::ModeFlag(bool published) const {
  const std::string mode = args_.FlagOr("mode", published ? "lenient" : "strict");
  if (mode == "strict") return v1::VALIDATION_MODE_STRICT;
  if (mode == "lenient") return v1::VALIDATION_MODE_LENIENT;
  throw Problem{absl::StrCat("--mode must be strict or lenient, not \"", mode, "\"")};
}

std::string Cli::OutputFlag(const std::string& fallback,
                            std::initializer_list<const char*> allowed) const {
  const std::string output = args_.FlagOr("output", fallback);
  for (const char* name : allowed) {
    if (output == name) return output;
  }
  throw Problem{
      absl::StrCat("--output \"", output, "\" is not one of the formats of this command")};
}

int Cli::YearArg(size_t index) const {
  int year = 0;
  if (!absl::SimpleAtoi(args_.positional[index], &year)) {
    throw Problem{absl::StrCat("YEAR must be a number, not \"", args_.positional[index], "\"")};
  }
  return year;
}

v1::ReportKey Cli::KeyFromPositionals() const {
  v1::ReportKey key;
  key.set_region_code(args_.positional[0]);
  key.set_year(YearArg(1));
  key.set_body(args_.FlagOr("body", ""));
  key.set_scope(ScopeFlag());
  return key;
}

ReportFile Cli::ReadReport(const std::string& path) const {
  KeyOverrides key;
  key.region = args_.Flag("region");
  if (args_.Flag("year")) key.year = static_cast<int>(IntFlag("year", 0));
  key.body = args_.Flag("body");
  if (args_.Flag("scope")) key.scope = ScopeFlag();
  absl::StatusOr<ReportFile> file = ReadReportFile(path, key);
  if (!file.ok()) throw Problem{std::string(file.status().message())};
  for (const importer::Diagnostic& d : file->diagnostics) {
    if (d.severity != importer::Diagnostic::Severity::kInfo) {
      err_ << "  parse: " << importer::FormatDiagnostic(d) << "\n";
    }
  }
  return *std::move(file);
}

std::string Cli::Json(const google::protobuf::Message& message) const {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

int Cli::Submit() {
  Need(1, "gongkai submit FILE [--mode strict|lenient] [--expected_revision N]");
  v1::SubmitReportRequest request;
  ReportFile file = ReadReport(args_.positional[0]);
  *request.mutable_report() = std::move(file.report);
  request.set_mode(ModeFlag(file.published));
  if (args_.Flag("expected_revision")) {
    request.set_expected_revision(IntFlag("expected_revision", 0));
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
    out_ << "  flag: " << validation::DescribeViolation(violation) << "\n";
  }
  return 0;
}

int Cli::Validate() {
  Need(1, "gongkai validate FILE [--mode strict|lenient]");
  v1::ValidateReportRequest request;
  ReportFile file = ReadReport(args_.positional[0]);
  *request.mutable_report() = std::move(file.report);
  request.set_mode(ModeFlag(file.published));
  v1::Verdict verdict;
  grpc::Status status = reports_->ValidateReport(Context().get(), request, &verdict);
  if (!status.ok()) return Refused(status);
  out_ << (verdict.acceptable() ? "acceptable" : "rejected") << " (" << verdict.violations_size()
       << " violation(s))\n";
  for (const v1::Violation& violation : verdict.violations()) {
    out_ << "  " << validation::DescribeViolation(violation) << "\n";
  }
  return verdict.acceptable() ? 0 : kExitRefused;
}

int Cli::Get() {
  Need(2,
       "gongkai get REGION YEAR [--body B] [--scope own|summary] [--revision N] "
       "[--output json|cells|table]");
  const std::string output = OutputFlag("table", {"json", "cells", "table"});
  v1::GetReportRequest request;
  *request.mutable_key() = KeyFromPositionals();
  request.set_revision(IntFlag("revision", 0));
  request.set_view(v1::REPORT_VIEW_FULL);
  v1::Revision revision;
  grpc::Status status = reports_->GetReport(Context().get(), request, &revision);
  if (!status.ok()) return Refused(status);
  if (output == "json") {
    out_ << Json(revision) << "\n";
  } else if (output == "cells") {
    out_ << FormatCells(revision.report());
  } else {
    auto table = exports::Export(revision.report(), exports::Format::kTable);
    if (!table.ok()) throw Problem{std::string(table.status().message())};
    out_ << KeyText(revision.key()) << "  revision " << revision.revision() << "  "
         << TimeText(revision.create_time()) << "\n"
         << *table;
  }
  return 0;
}

int Cli::List() {
  Need(2, "gongkai list REGION YEAR [--output table|json]");
  const std::string output = OutputFlag("table", {"json", "table"});
  v1::ListReportsRequest request;
  request.set_region_code(args_.positional[0]);
  request.set_year(YearArg(1));
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
  return 0;
}

int Cli::ForEachRevision(const v1::ReportKey& key,
                         const std::function<void(const v1::Revision&)>& visit) {
  v1::ListRevisionsRequest request;
  *request.mutable_key() = key;
  request.set_page_size(1000);
  do {
    v1::ListRevisionsResponse response;
    grpc::Status status = reports_->ListRevisions(Context().get(), request, &response);
    if (!status.ok()) return Refused(status);
    for (const v1::Revision& revision : response.revisions()) visit(revision);
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return 0;
}

int Cli::Revisions() {
  Need(2, "gongkai revisions REGION YEAR [--body B] [--scope own|summary]");
  const std::string output = OutputFlag("table", {"json", "table"});
  return ForEachRevision(KeyFromPositionals(), [&](const v1::Revision& revision) {
    out_ << (output == "json" ? Json(revision) : RevisionLine(revision)) << "\n";
  });
}

int Cli::Changes() {
  Need(0, "gongkai changes [--from SEQUENCE] [--limit N]");
  v1::ListChangesRequest request;
  request.set_start_sequence(IntFlag("from", 1));
  request.set_page_size(static_cast<int32_t>(IntFlag("limit", 100)));
  v1::ListChangesResponse response;
  grpc::Status status = reports_->ListChanges(Context().get(), request, &response);
  if (!status.ok()) return Refused(status);
  for (const v1::ChangeEvent& change : response.changes()) {
    out_ << exports::Pad(absl::StrCat(change.sequence()), 8) << KeyText(change.key()) << "  rev "
         << change.revision() << " (was " << change.previous_revision() << ")  "
         << TimeText(change.time()) << "\n";
  }
  out_ << "next " << response.next_sequence() << ", head " << response.head_sequence() << "\n";
  return 0;
}

int Cli::Regions() {
  const std::string output = OutputFlag("table", {"json", "table"});
  std::vector<v1::Region> shown;
  if (auto name = args_.Flag("search")) {
    Need(0, "gongkai regions --search NAME");
    v1::SearchRegionsRequest request;
    request.set_name(*name);
    request.set_page_size(1000);
    v1::SearchRegionsResponse response;
    grpc::Status status = regions_->SearchRegions(Context().get(), request, &response);
    if (!status.ok()) return Refused(status);
    shown.assign(response.regions().begin(), response.regions().end());
  } else {
    Need(1, "gongkai regions CODE");
    v1::GetRegionRequest get;
    get.set_code(args_.positional[0]);
    v1::Region region;
    grpc::Status status = regions_->GetRegion(Context().get(), get, &region);
    if (!status.ok()) return Refused(status);
    shown.push_back(region);
    v1::ListChildRegionsRequest request;
    request.set_code(region.code());
    request.set_page_size(1000);
    do {
      v1::ListChildRegionsResponse response;
      status = regions_->ListChildRegions(Context().get(), request, &response);
      if (!status.ok()) return Refused(status);
      shown.insert(shown.end(), response.regions().begin(), response.regions().end());
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
  }
  for (size_t i = 0; i < shown.size(); ++i) {
    const v1::Region& region = shown[i];
    if (output == "json") {
      out_ << Json(region) << "\n";
      continue;
    }
    const bool child = !args_.Flag("search") && i > 0;
    out_ << (child ? "  " : "") << exports::Pad(region.code(), 13)
         << exports::Pad(v1::Level_Name(region.level()).substr(6), 11) << region.name() << "\n";
  }
  return 0;
}

int Cli::Health() {
  Need(0, "gongkai health [--service NAME]");
  auto stub = grpc::health::v1::Health::NewStub(channel_);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(args_.FlagOr("service", ""));
  grpc::health::v1::HealthCheckResponse response;
  auto context = Context();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  grpc::Status status = stub->Check(context.get(), request, &response);
  if (!status.ok()) return Refused(status);
  out_ << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status()) << "\n";
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : kExitRefused;
}

std::string Cli::RevisionLine(const v1::Revision& revision) const {
  return absl::StrCat("rev ", exports::Pad(absl::StrCat(revision.revision()), 4),
                      TimeText(revision.create_time()), "  ", revision.principal(), "  ",
                      revision.peer(), "  change ", revision.change_sequence(), "  ",
                      revision.verdict().violations_size(), " flag(s)");
}

int Cli::Run(const std::string& command) {
  if (command == "submit") return Submit();
  if (command == "validate") return Validate();
  if (command == "get") return Get();
  if (command == "list") return List();
  if (command == "revisions") return Revisions();
  if (command == "changes") return Changes();
  if (command == "regions") return Regions();
  if (command == "rollup") return Rollup();
  if (command == "anomalies") return Anomalies();
  if (command == "children") return Children();
  if (command == "recompute") return Recompute();
  if (command == "export") return Export();
  if (command == "parse") return Parse();
  if (command == "health") return Health();
  if (command == "backup") return Backup();
  if (command == "import") return Import();
  if (command == "principal") return Principal();
  if (command == "history") return History();
  throw Problem{absl::StrCat("unknown command \"", command, "\" (see gongkai help)")};
}

int RunCommand(const std::string& command, const Args& args, std::ostream& out, std::ostream& err) {
  try {
    Cli cli(args, out, err);
    return cli.Run(command);
  } catch (const Problem& problem) {
    err << "gongkai: " << problem.message << "\n";
    return kExitUsage;
  }
}

}  // namespace gongkai::cli
