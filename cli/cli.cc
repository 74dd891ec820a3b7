// The Cli's connection, its argument helpers and the output helpers the commands share.
#include "cli/cli.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/outcome.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "export/text_width.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "importer/diagnostic.h"
#include "validation/validator.h"

namespace gongkai::cli {

absl::StatusOr<std::unique_ptr<Cli>> Cli::Connect(const Args& args, std::ostream& out,
                                                  std::ostream& err) {
  std::unique_ptr<Cli> cli(new Cli(args, out, err));
  GONGKAI_ASSIGN_OR_RETURN(cli->language_, cli->LanguageFlag());
  std::string server = args.FlagOr("server", "");
  if (server.empty()) {
    const char* env = std::getenv("GONGKAI_SERVER");
    server = env != nullptr && *env != '\0' ? env : "127.0.0.1:50051";
  }
  client::Security& security = cli->security_;
  security.ca_file = args.FlagOr("tls_ca", "");
  security.cert_file = args.FlagOr("tls_cert", "");
  security.key_file = args.FlagOr("tls_key", "");
  if (std::optional<std::string> token = args.Flag("token"); token.has_value()) {
    security.token = *token;
  } else if (std::optional<std::string> file = args.Flag("token_file"); file.has_value()) {
    absl::StatusOr<std::string> read = client::ReadTokenFile(*file);
    if (!read.ok()) return UsageError(read.status().message());
    security.token = *read;
  } else if (const char* env = std::getenv("GONGKAI_TOKEN"); env != nullptr) {
    security.token = env;
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      client::ChannelCredentials(security);
  if (!credentials.ok()) return UsageError(credentials.status().message());
  cli->channel_ = grpc::CreateChannel(server, *credentials);
  cli->reports_ = v1::ReportService::NewStub(cli->channel_);
  cli->regions_ = v1::RegionService::NewStub(cli->channel_);
  cli->rollups_ = v1::RollupService::NewStub(cli->channel_);
  return cli;
}

std::string ScopeName(v1::Scope scope) { return scope == v1::SCOPE_SUMMARY ? "summary" : "own"; }

std::string TimeText(const google::protobuf::Timestamp& time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", FromProtoTime(time), ReportingZone());
}

void PrintColumns(const std::vector<std::vector<std::string>>& rows, std::ostream& out,
                  size_t left_columns) {
  std::vector<int> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], exports::DisplayWidth(row[i]));
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(
          &line, i == 0 ? "" : "  ",
          exports::Pad(row[i], widths[i],
                       i >= left_columns ? exports::Align::kRight : exports::Align::kLeft));
    }
    out << line << "\n";
  }
}

std::string KeyText(const v1::ReportKey& key) {
  return absl::StrCat(key.region_code(), " ", key.year(), " ",
                      key.body().empty() ? "-" : key.body(), " ", ScopeName(key.scope()));
}

std::string Cli::ViolationLine(const v1::Violation& violation) const {
  const bool warning = violation.severity() == v1::SEVERITY_WARNING;
  if (language_ == exports::Language::kEnglish) return validation::DescribeViolation(violation);
  std::string line =
      absl::StrCat(warning ? "警告" : "错误", " ", violation.rule(), " ", violation.rule_name());
  if (!violation.expected().empty()) {
    absl::StrAppend(&line, "：应为 ", violation.expected(), "，实为 ",
                    violation.actual().empty() ? "空" : violation.actual());
  } else {
    absl::StrAppend(&line, "：", violation.message());  // the server's own words
  }
  std::vector<std::string> cells;
  for (const v1::CellRef& cell : violation.cells()) {
    cells.push_back(cell.table().empty() ? cell.field_path()
                                         : absl::StrCat("表", cell.table(), " ", cell.row(), " ",
                                                        cell.column(), " ", cell.field_path()));
  }
  if (!cells.empty()) {
    constexpr size_t kShown = 3;
    const size_t more = cells.size() > kShown ? cells.size() - kShown : 0;
    cells.resize(std::min(cells.size(), kShown));
    absl::StrAppend(&line, "（", absl::StrJoin(cells, "；"),
                    more > 0 ? absl::StrCat(" 等", cells.size() + more, "项") : "", "）");
  }
  return line;
}

std::string Cli::FlagExplanation(const v1::Anomaly& flag) const {
  if (language_ == exports::Language::kChinese) return flag.explanation();
  std::vector<std::string> evidence;
  for (const v1::Evidence& e : flag.evidence()) {
    evidence.push_back(absl::StrCat(e.label(), " = ", e.value()));
  }
  return absl::StrCat(exports::AnomalyKindLabel(flag.kind(), language_),
                      evidence.empty() ? "" : ": ", absl::StrJoin(evidence, "; "));
}

absl::StatusOr<exports::Language> Cli::LanguageFlag() const {
  std::string lang = args_.FlagOr("lang", "");
  if (lang.empty()) {
    const char* env = std::getenv("LANG");
    lang = env != nullptr && absl::StartsWith(env, "en") ? "en" : "zh";
  }
  if (lang == "zh") return exports::Language::kChinese;
  if (lang == "en") return exports::Language::kEnglish;
  return UsageError("--lang must be zh or en");
}

std::string Cli::RefusalLine(const grpc::Status& status) {
  const std::string message = status.error_message();
  return absl::StrCat(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                      ": ", message.substr(0, message.find('\n')));
}

absl::Status Cli::Refused(const grpc::Status& status) const {
  std::string printed = RefusalLine(status);
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& any : details.details()) {
      v1::Verdict verdict;
      if (!any.UnpackTo(&verdict)) continue;
      for (const v1::Violation& violation : verdict.violations()) {
        absl::StrAppend(&printed, "\n  ", ViolationLine(violation));
      }
    }
  }
  // gRPC's codes and Abseil's share their numbers.
  return RefusedError(static_cast<absl::StatusCode>(status.error_code()), printed);
}

absl::Status Cli::Need(size_t positional, absl::string_view what) const {
  if (args_.positional.size() == positional) return absl::OkStatus();
  return UsageError(absl::StrCat("usage: ", what));
}

absl::StatusOr<int64_t> Cli::IntFlag(const std::string& name, int64_t fallback) const {
  std::optional<std::string> text = args_.Flag(name);
  if (!text.has_value()) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value)) {
    return UsageError(absl::StrCat("--", name, " must be an integer, not \"", *text, "\""));
  }
  return value;
}

absl::StatusOr<v1::Scope> Cli::ScopeFlag() const {
  const std::string scope = args_.FlagOr("scope", "own");
  if (auto parsed = ParseScope(scope)) return *parsed;
  return UsageError(absl::StrCat("--scope must be own or summary, not \"", scope, "\""));
}

absl::StatusOr<v1::ValidationMode> Cli::ModeFlag(bool published) const {
  const std::string mode = args_.FlagOr("mode", published ? "lenient" : "strict");
  if (mode == "strict") return v1::VALIDATION_MODE_STRICT;
  if (mode == "lenient") return v1::VALIDATION_MODE_LENIENT;
  return UsageError(absl::StrCat("--mode must be strict or lenient, not \"", mode, "\""));
}

absl::StatusOr<std::string> Cli::OutputFlag(const std::string& fallback,
                                            std::initializer_list<const char*> allowed) const {
  const std::string output = args_.FlagOr("output", fallback);
  for (const char* name : allowed) {
    if (output == name) return output;
  }
  return UsageError(
      absl::StrCat("--output \"", output, "\" is not one of the formats of this command"));
}

absl::StatusOr<int> Cli::YearArg(size_t index) const {
  int year = 0;
  if (!absl::SimpleAtoi(args_.positional[index], &year)) {
    return UsageError(absl::StrCat("YEAR must be a number, not \"", args_.positional[index], "\""));
  }
  return year;
}

absl::StatusOr<v1::ReportKey> Cli::KeyFromPositionals() const {
  v1::ReportKey key;
  key.set_region_code(args_.positional[0]);
  GONGKAI_ASSIGN_OR_RETURN(const int year, YearArg(1));
  key.set_year(year);
  key.set_body(args_.FlagOr("body", ""));
  GONGKAI_ASSIGN_OR_RETURN(const v1::Scope scope, ScopeFlag());
  key.set_scope(scope);
  return key;
}

absl::StatusOr<ReportFile> Cli::ReadReport(const std::string& path) const {
  KeyOverrides key;
  key.region = args_.Flag("region");
  if (args_.Flag("year")) {
    GONGKAI_ASSIGN_OR_RETURN(const int64_t year, IntFlag("year", 0));
    key.year = static_cast<int>(year);
  }
  key.body = args_.Flag("body");
  if (args_.Flag("scope")) {
    GONGKAI_ASSIGN_OR_RETURN(key.scope, ScopeFlag());
  }
  absl::StatusOr<ReportFile> file = ReadReportFile(path, key);
  if (!file.ok()) return UsageError(file.status().message());
  for (const importer::Diagnostic& d : file->diagnostics) {
    if (d.severity != importer::Diagnostic::Severity::kInfo) {
      err_ << "  parse: " << importer::FormatDiagnostic(d) << "\n";
    }
  }
  return file;
}

std::string Cli::Json(const google::protobuf::Message& message) const {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

absl::Status Cli::ForEachRevision(const v1::ReportKey& key,
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
  return absl::OkStatus();
}

std::string Cli::RevisionLine(const v1::Revision& revision) const {
  return absl::StrCat("rev ", exports::Pad(absl::StrCat(revision.revision()), 4),
                      TimeText(revision.create_time()), "  ", revision.principal(), "  ",
                      revision.peer(), "  change ", revision.change_sequence(), "  ",
                      revision.verdict().violations_size(), " flag(s)");
}

}  // namespace gongkai::cli
