// The CLI's shared context: the table of commands, the connection, and the argument and
// output helpers that every command uses. The table and RunCommand are in commands.cc; the
// commands in report_commands.cc (reports, regions), rollup_commands.cc (rollups, exports),
// import_commands.cc (published reports) and admin_commands.cc (health, backups, principals,
// the audit trail).
//
// Commands and helpers return absl::Status; outcome.h says how a status becomes the exit code.
#ifndef GONGKAI_CLI_CLI_H_
#define GONGKAI_CLI_CLI_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cli/args.h"
#include "cli/report_file.h"
#include "client/credentials.h"
#include "export/review_page.h"
#include "gongkai/v1/admin_service.grpc.pb.h"
#include "gongkai/v1/region_service.grpc.pb.h"
#include "gongkai/v1/report_service.grpc.pb.h"
#include "gongkai/v1/review_service.pb.h"
#include "gongkai/v1/rollup_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace gongkai::cli {

inline constexpr absl::Duration kDeadline = absl::Seconds(60);

// The flags every command accepts: the server and the credentials.
inline constexpr const char* kGlobalFlags[] = {"server",   "token",   "token_file", "tls_ca",
                                               "tls_cert", "tls_key", "lang"};

class Cli;
struct Manifest;
struct ManifestRow;
struct ImportTally;

// One form of a command as `gongkai help` shows it. The synopsis starts with the command's
// name; its further lines carry their own indentation. The note goes in the help's second
// column (46), beside the synopsis when its last line leaves room, else on the lines below;
// one line per '\n'.
struct Usage {
  absl::string_view synopsis;
  absl::string_view note = "";
};

// An entry of the command table (Cli::Commands()).
struct Command {
  absl::string_view name;
  std::vector<Usage> usage;
  // Lines in the help's second column after all the forms (e.g. what a placeholder means).
  absl::string_view footnote = "";
  // Help prints a blank line before this command (the administration commands).
  bool new_section = false;
  // The flags the command accepts besides kGlobalFlags; any other is a usage error.
  std::vector<absl::string_view> flags;
  // Flags that take no value (`--dry_run`; `--dry_run=false` turns one off).
  std::vector<absl::string_view> switches;
  absl::Status (Cli::*handler)() = nullptr;
};

std::string ScopeName(v1::Scope scope);
std::string TimeText(const google::protobuf::Timestamp& time);
std::string KeyText(const v1::ReportKey& key);
// 待审核, 已退回, 已通过, 已撤回 (pending, returned, approved, withdrawn).
std::string ReviewStateText(v1::ReviewState state, exports::Language language);
// 待处理, 已说明, 已采纳, 已排除, 已确认 (open, explained, accepted, dismissed, confirmed).
std::string FlagStateText(v1::FlagState state, exports::Language language);
// Prints `rows` (the first is the header) as columns as wide as their widest cell (by display
// width, so Chinese lines up): the first `left_columns` to the left, the others (figures) to
// the right.
void PrintColumns(const std::vector<std::vector<std::string>>& rows, std::ostream& out,
                  size_t left_columns = 2);

// Not thread-safe: one Cli runs one command.
class Cli {
 public:
  // The commands, in the order `gongkai help` lists them (commands.cc).
  static const std::vector<Command>& Commands();

  // A Cli for `args` with a channel to --server ($GONGKAI_SERVER, else 127.0.0.1:50051) and
  // the credentials (--token, --token_file, $GONGKAI_TOKEN; --tls_*). Connecting is lazy: no
  // RPC is made. A usage error when the token file or the TLS files cannot be read. `args`,
  // `out` and `err` must outlive the Cli.
  static absl::StatusOr<std::unique_ptr<Cli>> Connect(const Args& args, std::ostream& out,
                                                      std::ostream& err);

  // The server's refusal as a status of kind "refused" (outcome.h) whose message is what is
  // printed: the code's name, the first line of the message, and a rejected report's
  // violations, each on its own line indented by two spaces.
  absl::Status Refused(const grpc::Status& status) const;
  // "CODE_NAME: first line of the message".
  static std::string RefusalLine(const grpc::Status& status);
  // A violation as one line in the caller's language: severity, rule, the rule's official
  // name, then (Chinese) the expected and actual values (else the server's message) and the
  // cells by official label and field path, or (English) the validator's message.
  std::string ViolationLine(const v1::Violation& violation) const;
  // A flag's explanation in the caller's language: the worker's Chinese line, or in English
  // the kind and its evidence (labels as the format writes them).
  std::string FlagExplanation(const v1::Anomaly& flag) const;

 private:
  // The two sections of the table (commands.cc).
  static std::vector<Command> ReportCommands();
  static std::vector<Command> AdminCommands();

  Cli(const Args& args, std::ostream& out, std::ostream& err) : args_(args), out_(out), err_(err) {}

  // report_commands.cc
  absl::Status Submit();
  absl::Status Validate();
  absl::Status Get();
  absl::Status List();
  absl::Status Revisions();
  absl::Status Changes();
  // region_commands.cc
  absl::Status Regions();
  absl::Status RegionTree();
  absl::Status RegionHistory();
  absl::Status RegionAdmin();
  absl::Status RegionChange(v1::ChangeRegionRequest::Action action);
  absl::Status RegionEdition();
  // Prints a registry change's result (dry run or applied); a failure when stranded reports
  // kept it from being applied is the server's refusal.
  void PrintRegistryChange(const v1::RegistryChangeResult& result);
  // --year, else 0 (the server's newest).
  absl::StatusOr<int> YearFlag() const;
  // A switch (`--dry_run`): false when absent.
  bool Switch(const std::string& name) const;
  // rollup_commands.cc
  absl::Status Rollup();
  absl::Status Anomalies();
  absl::Status Children();
  absl::Status Recompute();
  absl::Status Export();
  absl::StatusOr<v1::Report> ExportedReport();
  // import_commands.cc
  absl::Status Parse();
  absl::Status Import();
  // Submits one row of the manifest and tallies its outcome; an error only for a usage error
  // (--mode), which ends the import.
  absl::Status ImportRow(const Manifest& manifest, const ManifestRow& row, ImportTally* tally);
  // admin_commands.cc
  absl::Status Health();
  absl::Status Backup();
  absl::Status History();
  absl::Status Principal();
  absl::Status PrincipalCreate();
  absl::Status PrincipalList();
  absl::Status PrincipalRevoke();
  // review_commands.cc
  absl::Status Review();
  absl::Status ReviewList();
  absl::Status ReviewShow();
  absl::Status ReviewDecide(v1::ReviewAction action);
  absl::Status Withdraw();
  absl::Status FlagCommand();
  // review_page_commands.cc
  absl::Status ExportReview();
  // Every page of a ListAnomalies; the flags still to deal with (open, explained or confirmed:
  // all but those the reviewer settled).
  absl::StatusOr<std::vector<v1::Anomaly>> AllAnomalies(v1::ListAnomaliesRequest request);
  absl::StatusOr<std::vector<v1::Anomaly>> FlagsToDealWith(const std::string& region, int year);
  // The region's name in the year's tree ("" when it cannot be read).
  std::string RegionName(const std::string& code, int year) const;
  // --lang zh|en, else en when $LANG starts with "en", else zh.
  absl::StatusOr<exports::Language> LanguageFlag() const;
  // The text in the caller's language.
  const char* T(const exports::Text& text) const { return text.In(language_); }
  // Sends an approval, return or withdrawal (--revision, --reason, --note) and prints the result.
  absl::Status Decide(v1::ReviewAction action, v1::ReviewDecisionRequest* request);
  // REGION YEAR from the positionals at `first`, --body and --scope.
  absl::Status ReviewKey(size_t first, v1::ReportKey* key) const;

  // A context with the deadline and the credentials (--token, --token_file, $GONGKAI_TOKEN).
  std::unique_ptr<grpc::ClientContext> Context(absl::Duration deadline = kDeadline) const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    client::Authorize(security_, context.get());
    return context;
  }
  // A usage error ("usage: " + what) unless there are exactly `positional` positionals.
  absl::Status Need(size_t positional, absl::string_view what) const;
  absl::StatusOr<int64_t> IntFlag(const std::string& name, int64_t fallback) const;
  absl::StatusOr<int> YearArg(size_t index) const;
  absl::StatusOr<v1::Scope> ScopeFlag() const;
  // --mode; the default is lenient for published reports, strict for JSON.
  absl::StatusOr<v1::ValidationMode> ModeFlag(bool published = false) const;
  absl::StatusOr<std::string> OutputFlag(const std::string& fallback,
                                         std::initializer_list<const char*> allowed) const;
  // REGION YEAR from the positionals, --body and --scope.
  absl::StatusOr<v1::ReportKey> KeyFromPositionals() const;
  // The report in FILE with the key flags applied; parse diagnostics go to stderr.
  absl::StatusOr<ReportFile> ReadReport(const std::string& path) const;
  std::string Json(const google::protobuf::Message& message) const;

  // Calls `visit` with every revision of the report, oldest first; returns OK or Refused().
  absl::Status ForEachRevision(const v1::ReportKey& key,
                               const std::function<void(const v1::Revision&)>& visit);
  // One line describing a revision: number, time, principal, peer, change, flags.
  std::string RevisionLine(const v1::Revision& revision) const;

  const Args& args_;
  exports::Language language_ = exports::Language::kChinese;
  std::ostream& out_;
  std::ostream& err_;
  client::Security security_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::RegionService::Stub> regions_;
  std::unique_ptr<v1::RollupService::Stub> rollups_;
};

}  // namespace gongkai::cli

#endif  // GONGKAI_CLI_CLI_H_
