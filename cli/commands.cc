// The command table, the help text made from it, and RunCommand.
#include "cli/commands.h"

#include <functional>
#include <iterator>
#include <memory>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "cli/outcome.h"
#include "common/status_macros.h"

namespace gongkai::cli {

// The command table. To add a command: an entry in its section (its place is its place in the
// help), a handler declared in cli.h and defined in the file of its topic, and its flags, so
// that they are accepted.
const std::vector<Command>& Cli::Commands() {
  static const auto* const kCommands = [] {
    auto* commands = new std::vector<Command>(ReportCommands());
    for (Command& command : AdminCommands()) commands->push_back(std::move(command));
    return commands;
  }();
  return *kCommands;
}

// Reports, regions, published reports, rollups, exports and review. Long by design: the table
// of commands, one entry each.
std::vector<Command> Cli::ReportCommands() {
  return {
      {.name = "submit",
       .usage = {{"submit FILE [--mode strict|lenient] [--expected_revision N]\n"
                  "            [--region R] [--year Y] [--body B] [--scope own|summary]\n"
                  "            FILE: a report as JSON (strict by default) or a published report "
                  "as text,\n"
                  "            HTML, .docx, .doc/.wps, PDF or a picture, told apart by content\n"
                  "            (lenient by default; --region needed, the year defaults to the "
                  "text's)"}},
       .flags = {"mode", "expected_revision", "region", "year", "body", "scope"},
       .handler = &Cli::Submit},
      {.name = "validate",
       .usage = {{"validate FILE [--mode strict|lenient] [--region R] [--year Y] [--body B] "
                  "[--scope S]"}},
       .flags = {"mode", "region", "year", "body", "scope"},
       .handler = &Cli::Validate},
      {.name = "parse",
       .usage = {{"parse FILE [--output cells|json|table|text]",
                  "a published report, parsed locally: text,\nHTML, .docx, .doc/.wps (with "
                  "LibreOffice),\nPDF or a picture (OCR), told apart by\ncontent; --output "
                  "text: what was read"}},
       .flags = {"output"},
       .handler = &Cli::Parse},
      {.name = "import",
       .usage = {{"import MANIFEST.csv [--mode strict|lenient]",
                  "columns: file,region,year,body,scope;\nfiles of any kind submit reads"}},
       .flags = {"mode"},
       .handler = &Cli::Import},
      {.name = "get",
       .usage = {{"get REGION YEAR [--body B] [--scope own|summary] [--revision N] "
                  "[--output json|cells|table]"}},
       .flags = {"body", "scope", "revision", "output"},
       .handler = &Cli::Get},
      {.name = "list",
       .usage = {{"list REGION YEAR [--output table|json]"}},
       .flags = {"output"},
       .handler = &Cli::List},
      {.name = "revisions",
       .usage = {{"revisions REGION YEAR [--body B] [--scope own|summary] [--output table|json]"}},
       .flags = {"body", "scope", "output"},
       .handler = &Cli::Revisions},
      {.name = "changes",
       .usage = {{"changes [--from SEQUENCE] [--limit N] [--follow]",
                  "--follow: then each new change as it is\ncommitted, until interrupted"}},
       .flags = {"from", "limit"},
       .switches = {"follow"},
       .handler = &Cli::Changes},
      {.name = "regions",
       .usage = {{"regions CODE [--year Y] [--output table|json]", "the region and its children"},
                 {"regions CODE --history [--output table|json]",
                  "its names, parents and codes over the years"},
                 {"regions --search NAME [--year Y] [--output table|json]"}},
       .footnote = "Y: the tree of that year (default: the current year's)",
       .flags = {"search", "output", "year"},
       .switches = {"history"},
       .handler = &Cli::Regions},
      {.name = "rollup",
       .usage = {{"rollup REGION YEAR [--edition 2019|2021] [--on_tree Y] "
                  "[--output json|cells|table]",
                  "--on_tree: the year's reports on year Y's tree"}},
       .flags = {"edition", "output", "on_tree"},
       .handler = &Cli::Rollup},
      {.name = "anomalies",
       .usage = {{"anomalies REGION YEAR [--kind KIND] [--min_severity low|medium|high]\n"
                  "          [--state open|explained|accepted|dismissed|confirmed]",
                  "tab-separated: region, kind, severity, body,\nscope, explanation, "
                  "flag id, state"}},
       .flags = {"kind", "min_severity", "state"},
       .handler = &Cli::Anomalies},
      {.name = "children",
       .usage = {{"children REGION YEAR [--on_tree Y]",
                  "each child's key figures and completeness"}},
       .flags = {"on_tree"},
       .handler = &Cli::Children},
      {.name = "recompute",
       .usage = {{"recompute YEAR [--region R]",
                  "a full recompute job; waits, exit 0 if no drift"}},
       .flags = {"region"},
       .handler = &Cli::Recompute},
      {.name = "export",
       .usage = {{"export report REGION YEAR [--body B] [--scope S] [--revision N] --format F "
                  "[--out FILE]"},
                 {"export rollup REGION YEAR [--edition E] --format F [--out FILE]"},
                 {"export review REGION YEAR --format html --out FILE [--lang zh|en]",
                  "a reviewer's page: completeness, open flags,\n"
                  "late and missing filers, awaiting review"}},
       .footnote = "F: cells|csv|table|json|xlsx (xlsx needs --out)",
       .flags = {"format", "out", "body", "scope", "revision", "edition"},
       .handler = &Cli::Export},
      {.name = "review",
       .usage = {{"review list REGION YEAR [--state pending|returned|approved]",
                  "the reports below REGION awaiting your decision\n"
                  "(default: pending), with their open flags"},
                 {"review show REGION YEAR", "the review state and every decision"},
                 {"review approve REGION YEAR [--revision N] [--note TEXT]"},
                 {"review return REGION YEAR --reason TEXT [--revision N] [--note TEXT]",
                  "back to the submitter; a new revision makes it\npending again"}},
       .footnote = "show/approve/return: [--body B] [--scope S];\n"
                   "--revision N: the one you looked at (refused\nif it moved on); "
                   "list/show: [--output table|json]",
       .flags = {"state", "output", "body", "scope", "revision", "note", "reason"},
       .handler = &Cli::Review},
      {.name = "flag",
       .usage = {{"flag explain FLAG_ID --note TEXT", "the submitter's explanation"},
                 {"flag accept|dismiss|confirm FLAG_ID [--note TEXT]",
                  "the reviewer's decision (a note to dismiss or\n"
                  "confirm; confirm returns the report)"}},
       .footnote = "FLAG_ID: the id column of `anomalies`",
       .flags = {"note"},
       .handler = &Cli::FlagCommand},
      {.name = "withdraw",
       .usage = {{"withdraw REGION YEAR --reason TEXT [--body B] [--scope own|summary]",
                  "takes a report out of rollups and completeness;\n"
                  "its history stays, a new submission restores it"}},
       .flags = {"reason", "body", "scope", "revision", "note"},
       .handler = &Cli::Withdraw},
  };
}

// Health, backups, the audit trail and principals (after a blank line in the help).
std::vector<Command> Cli::AdminCommands() {
  return {
      {.name = "health",
       .usage = {{"health [--service NAME]", "exit 0 when the server is SERVING"}},
       .new_section = true,
       .flags = {"service"},
       .handler = &Cli::Health},
      {.name = "backup",
       .usage = {{"backup DIR",
                  "a consistent copy of the store into DIR (on the\n"
                  "server's filesystem; DIR must not exist)"}},
       .handler = &Cli::Backup},
      {.name = "history",
       .usage = {{"history REGION YEAR [--output table|json]",
                  "the audit trail: every revision of the region's\n"
                  "own reports, with principal, time and peer"}},
       .flags = {"output"},
       .handler = &Cli::History},
      {.name = "principal",
       .usage = {{"principal create NAME --roles R[,R] --regions CODE[,CODE] [--body B]\n"
                  "          [--expires RFC3339 | --ttl 720h] [--subject CERT_SUBJECT] "
                  "[--rate_limit N]",
                  "prints the new token (shown only this once)"},
                 {"principal list [--output table|json]"},
                 {"principal revoke NAME"}},
       .footnote = "roles: submitter, reader, reviewer, worker, admin",
       .flags = {"roles", "regions", "body", "expires", "ttl", "subject", "rate_limit", "output"},
       .handler = &Cli::Principal},
      {.name = "region",
       .usage = {{"region add CODE --name NAME --parent CODE --from YEAR"},
                 {"region rename CODE --name NAME --from YEAR"},
                 {"region move CODE --parent CODE [--new_code CODE] [--name NAME] --from YEAR"},
                 {"region retire CODE [--successors CODE[,CODE]] --from YEAR"},
                 {"region load-edition DIR --year YEAR",
                  "DIR: provinces.csv, cities.csv, areas.csv,\n"
                  "streets.csv of a national edition"}},
       .footnote = "each takes [--note TEXT] [--dry_run] [--allow_stranding]: the change\n"
                   "holds from that year on; --dry_run only shows it",
       .flags = {"name", "parent", "new_code", "successors", "from", "year", "note", "output"},
       .switches = {"dry_run", "allow_stranding"},
       .handler = &Cli::RegionAdmin},
  };
}

namespace {

// The help's second column, for the notes.
constexpr size_t kNoteColumn = 46;

constexpr char kHelpHead[] = "usage: gongkai COMMAND [ARGS] [--server HOST:PORT]\n\n";
constexpr char kHelpTail[] = R"(
--server defaults to $GONGKAI_SERVER, else 127.0.0.1:50051.
Credentials: --token T, --token_file FILE, else $GONGKAI_TOKEN. TLS: --tls_ca CA.pem (and for
mutual TLS --tls_cert CERT.pem --tls_key KEY.pem).
--lang zh|en: tables, verdicts, flags and pages for people in Chinese (the default; English
when $LANG starts with "en"); official labels, codes and field names are never translated.
Flags take `--flag value` or `--flag=value`.
)";

// Appends `line`, then each line of `note` in the note column: the first beside `line` when
// `line` leaves room for it, the others (and the first, otherwise) on lines of their own.
void AppendWithNote(absl::string_view line, absl::string_view note, std::string* text) {
  std::string current(line);
  for (absl::string_view note_line : absl::StrSplit(note, '\n', absl::SkipEmpty())) {
    if (current.size() >= kNoteColumn) {
      absl::StrAppend(text, current, "\n");
      current.clear();
    }
    current.resize(kNoteColumn, ' ');
    absl::StrAppend(text, current, note_line, "\n");
    current.clear();
  }
  if (!current.empty()) absl::StrAppend(text, current, "\n");
}

const Command* FindCommand(absl::string_view name) {
  for (const Command& command : Cli::Commands()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

absl::Status Run(const std::vector<std::string>& words, std::ostream& out, std::ostream& err) {
  const Command* command = FindCommand(words[0]);
  if (command == nullptr) {
    return UsageError(absl::StrCat("unknown command \"", words[0], "\" (see gongkai help)"));
  }
  std::set<std::string> known(std::begin(kGlobalFlags), std::end(kGlobalFlags));
  for (absl::string_view flag : command->flags) known.emplace(flag);
  std::set<std::string> switches;
  for (absl::string_view flag : command->switches) switches.emplace(flag);
  known.insert(switches.begin(), switches.end());
  absl::StatusOr<Args> args = ParseArgs(std::vector<std::string>(words.begin() + 1, words.end()),
                                        known, switches, command->name);
  if (!args.ok()) return UsageError(args.status().message());
  GONGKAI_ASSIGN_OR_RETURN(std::unique_ptr<Cli> cli, Cli::Connect(*args, out, err));
  return std::invoke(command->handler, *cli);
}

}  // namespace

std::string HelpText() {
  std::string text = kHelpHead;
  for (const Command& command : Cli::Commands()) {
    if (command.new_section) text += "\n";
    for (const Usage& usage : command.usage) {
      std::vector<absl::string_view> lines = absl::StrSplit(usage.synopsis, '\n');
      for (size_t i = 0; i + 1 < lines.size(); ++i) absl::StrAppend(&text, "  ", lines[i], "\n");
      AppendWithNote(absl::StrCat("  ", lines.back()), usage.note, &text);
    }
    if (!command.footnote.empty()) AppendWithNote("", command.footnote, &text);
  }
  return text + kHelpTail;
}

int RunCommand(const std::vector<std::string>& words, std::ostream& out, std::ostream& err) {
  if (words.empty() || words[0] == "help" || words[0] == "--help") {
    out << HelpText();
    return words.empty() ? kExitUsage : kExitOk;
  }
  return ExitCode(Run(words, out, err), err);
}

}  // namespace gongkai::cli
