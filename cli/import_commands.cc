// Commands for published reports: parse (locally, no server needed) and import (a manifest
// of files, submitted one by one with a progress bar and a final summary).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "export/csv.h"
#include "export/export.h"
#include "importer/parser.h"
#include "proto/cells.h"

namespace gongkai::cli {

int Cli::Parse() {
  Need(1, "gongkai parse FILE [--output cells|json|table]");
  const std::string output = OutputFlag("cells", {"json", "cells", "table"});
  std::ifstream in(args_.positional[0], std::ios::binary);
  if (!in) throw Problem{absl::StrCat("cannot read ", args_.positional[0])};
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  importer::ParseResult parsed = importer::ParseReport(text);
  if (output == "json") {
    v1::ParseReportResponse response;
    *response.mutable_report() = parsed.report;
    for (const importer::Diagnostic& d : parsed.diagnostics) {
      *response.add_diagnostics() = importer::ToProto(d);
    }
    response.set_has_tables(parsed.has_tables);
    out_ << Json(response) << "\n";
    return 0;
  }
  for (const importer::Diagnostic& d : parsed.diagnostics) {
    err_ << importer::FormatDiagnostic(d) << "\n";
  }
  if (output == "cells") {
    out_ << importer::FormatParsedCells(parsed);
  } else {
    auto table = exports::Export(parsed.report, exports::Format::kTable);
    if (!table.ok()) throw Problem{std::string(table.status().message())};
    out_ << *table;
  }
  return 0;
}

int Cli::Import() {
  Need(1, "gongkai import MANIFEST.csv [--mode strict|lenient]");
  const std::string manifest = args_.positional[0];
  std::ifstream in(manifest);
  if (!in) throw Problem{absl::StrCat("cannot read ", manifest)};
  const std::filesystem::path base = std::filesystem::path(manifest).parent_path();

  // The header names the columns: file, region, year, body, scope (any order; file needed).
  std::string line;
  if (!std::getline(in, line)) throw Problem{absl::StrCat(manifest, " is empty")};
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);  // a BOM from Excel
  std::map<std::string, size_t> column;
  const std::vector<std::string> header = exports::ParseCsvRecord(line);
  for (size_t i = 0; i < header.size(); ++i) column[header[i]] = i;
  if (!column.contains("file")) throw Problem{absl::StrCat(manifest, ": no `file` column")};
  struct Row {
    int line;
    std::vector<std::string> fields;
  };
  std::vector<Row> rows;
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    rows.push_back({number, exports::ParseCsvRecord(line)});
  }

  const bool progress = isatty(STDERR_FILENO);
  int stored = 0, flagged = 0, unchanged = 0;
  std::vector<std::string> failures;
  for (size_t r = 0; r < rows.size(); ++r) {
    auto field = [&](const char* name) -> std::string {
      auto it = column.find(name);
      return it == column.end() || it->second >= rows[r].fields.size() ? ""
                                                                       : rows[r].fields[it->second];
    };
    const std::string file = field("file");
    auto fail = [&](const std::string& why) {
      failures.push_back(absl::StrCat(file, " (line ", rows[r].line, "): ", why));
    };
    KeyOverrides key;
    if (!field("region").empty()) key.region = field("region");
    if (!field("body").empty()) key.body = field("body");
    int year = 0;
    if (!field("year").empty() && !absl::SimpleAtoi(field("year"), &year)) {
      fail(absl::StrCat("year \"", field("year"), "\" is not a number"));
    } else if (!field("scope").empty() && !ParseScope(field("scope"))) {
      fail(absl::StrCat("scope \"", field("scope"), "\" is not own or summary"));
    } else {
      if (year != 0) key.year = year;
      if (!field("scope").empty()) key.scope = ParseScope(field("scope"));
      const std::string path =
          std::filesystem::path(file).is_absolute() ? file : (base / file).string();
      absl::StatusOr<ReportFile> report = ReadReportFile(path, key);
      if (!report.ok()) {
        fail(std::string(report.status().message()));
      } else {
        v1::SubmitReportRequest request;
        *request.mutable_report() = std::move(report->report);
        request.set_mode(ModeFlag(report->published));
        v1::SubmitReportResponse response;
        grpc::Status status = reports_->SubmitReport(Context().get(), request, &response);
        if (!status.ok()) {
          const std::string message = status.error_message();
          fail(absl::StrCat(
              absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())), ": ",
              message.substr(0, message.find('\n'))));
        } else if (!response.created()) {
          ++unchanged;
        } else if (response.revision().verdict().violations_size() > 0) {
          ++flagged;
        } else {
          ++stored;
        }
      }
    }
    if (progress) {
      constexpr int kWidth = 30;
      const int done = static_cast<int>((r + 1) * kWidth / rows.size());
      err_ << "\r[" << std::string(done, '#') << std::string(kWidth - done, '.') << "] " << r + 1
           << "/" << rows.size() << std::flush;
    }
  }
  if (progress) err_ << "\n";
  out_ << "stored " << stored << ", stored with flags " << flagged << ", unchanged " << unchanged
       << ", failed " << failures.size() << " (of " << rows.size() << ")\n";
  for (const std::string& failure : failures) out_ << "failed: " << failure << "\n";
  return failures.empty() ? 0 : kExitRefused;
}

}  // namespace gongkai::cli
