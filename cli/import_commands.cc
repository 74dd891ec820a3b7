// Commands for published reports: parse (locally, no server needed) and import (a manifest
// of files, submitted one by one with a progress bar and a final summary).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "cli/outcome.h"
#include "common/status_macros.h"
#include "export/csv.h"
#include "export/export.h"
#include "importer/files/files.h"
#include "importer/parser.h"
#include "proto/cells.h"

namespace gongkai::cli {

// A manifest of published reports: a CSV file whose header names the columns file, region,
// year, body, scope (any order; `file` needed), one report a row.
struct ManifestRow {
  int line;  // in the file, for the messages
  std::vector<std::string> fields;
};

struct Manifest {
  std::filesystem::path base;  // the directory relative file names start from
  std::map<std::string, size_t> column;
  std::vector<ManifestRow> rows;

  // The row's field in column `name`; empty when the column or the field is missing.
  std::string Field(const ManifestRow& row, const char* name) const {
    auto it = column.find(name);
    return it == column.end() || it->second >= row.fields.size() ? "" : row.fields[it->second];
  }
};

// What an import has done so far.
struct ImportTally {
  int stored = 0;
  int flagged = 0;
  int unchanged = 0;
  std::vector<std::string> failures;  // "FILE (line N): why"
};

namespace {

absl::StatusOr<Manifest> ReadManifest(const std::string& path) {
  std::ifstream in(path);
  if (!in) return UsageError(absl::StrCat("cannot read ", path));
  Manifest manifest;
  manifest.base = std::filesystem::path(path).parent_path();
  std::string line;
  if (!std::getline(in, line)) return UsageError(absl::StrCat(path, " is empty"));
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);  // a BOM from Excel
  const std::vector<std::string> header = exports::ParseCsvRecord(line);
  for (size_t i = 0; i < header.size(); ++i) manifest.column[header[i]] = i;
  if (!manifest.column.contains("file")) {
    return UsageError(absl::StrCat(path, ": no `file` column"));
  }
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    manifest.rows.push_back({number, exports::ParseCsvRecord(line)});
  }
  return manifest;
}

// A progress bar of `done` of `total` rows, redrawn in place.
void DrawProgress(size_t done, size_t total, std::ostream& err) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(done * kWidth / total);
  err << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] " << done
      << "/" << total << std::flush;
}

}  // namespace

absl::Status Cli::Parse() {
  GONGKAI_RETURN_IF_ERROR(Need(1, "gongkai parse FILE [--output cells|json|table|text]"));
  GONGKAI_ASSIGN_OR_RETURN(const std::string output,
                           OutputFlag("cells", {"json", "cells", "table", "text"}));
  std::ifstream in(args_.positional[0], std::ios::binary);
  if (!in) return UsageError(absl::StrCat("cannot read ", args_.positional[0]));
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (output == "text") {  // what was read from the file, before parsing
    absl::StatusOr<importer::ExtractedText> text = importer::ExtractText(bytes, "");
    if (!text.ok()) {
      return absl::Status(text.status().code(),
                          absl::StrCat(args_.positional[0], ": ", text.status().message()));
    }
    out_ << text->text;
    return absl::OkStatus();
  }
  absl::StatusOr<importer::ParseResult> result = importer::ParseFile(bytes, "");
  if (!result.ok()) {
    return absl::Status(result.status().code(),
                        absl::StrCat(args_.positional[0], ": ", result.status().message()));
  }
  importer::ParseResult& parsed = *result;
  if (output == "json") {
    v1::ParseReportResponse response;
    *response.mutable_report() = parsed.report;
    for (const importer::Diagnostic& d : parsed.diagnostics) {
      *response.add_diagnostics() = importer::ToProto(d);
    }
    response.set_has_tables(parsed.has_tables);
    out_ << Json(response) << "\n";
    return absl::OkStatus();
  }
  for (const importer::Diagnostic& d : parsed.diagnostics) {
    err_ << importer::FormatDiagnostic(d) << "\n";
  }
  if (output == "cells") {
    out_ << importer::FormatParsedCells(parsed);
  } else {
    GONGKAI_ASSIGN_OR_RETURN(const std::string table,
                             exports::Export(parsed.report, exports::Format::kTable));
    out_ << table;
  }
  return absl::OkStatus();
}

absl::Status Cli::Import() {
  GONGKAI_RETURN_IF_ERROR(Need(1, "gongkai import MANIFEST.csv [--mode strict|lenient]"));
  GONGKAI_ASSIGN_OR_RETURN(const Manifest manifest, ReadManifest(args_.positional[0]));
  const bool progress = isatty(STDERR_FILENO);
  ImportTally tally;
  for (size_t r = 0; r < manifest.rows.size(); ++r) {
    GONGKAI_RETURN_IF_ERROR(ImportRow(manifest, manifest.rows[r], &tally));
    if (progress) DrawProgress(r + 1, manifest.rows.size(), err_);
  }
  if (progress) err_ << "\n";
  out_ << "stored " << tally.stored << ", stored with flags " << tally.flagged << ", unchanged "
       << tally.unchanged << ", failed " << tally.failures.size() << " (of " << manifest.rows.size()
       << ")\n";
  for (const std::string& failure : tally.failures) out_ << "failed: " << failure << "\n";
  // Failures are a failed outcome; the lines above have listed them.
  return tally.failures.empty() ? absl::OkStatus() : Failed();
}

absl::Status Cli::ImportRow(const Manifest& manifest, const ManifestRow& row, ImportTally* tally) {
  const std::string file = manifest.Field(row, "file");
  // A row that cannot be stored is tallied, not an error: the import goes on.
  auto fail = [&](const std::string& why) {
    tally->failures.push_back(absl::StrCat(file, " (line ", row.line, "): ", why));
    return absl::OkStatus();
  };
  KeyOverrides key;
  if (!manifest.Field(row, "region").empty()) key.region = manifest.Field(row, "region");
  if (!manifest.Field(row, "body").empty()) key.body = manifest.Field(row, "body");
  const std::string year_text = manifest.Field(row, "year");
  const std::string scope_text = manifest.Field(row, "scope");
  int year = 0;
  if (!year_text.empty() && !absl::SimpleAtoi(year_text, &year)) {
    return fail(absl::StrCat("year \"", year_text, "\" is not a number"));
  }
  if (!scope_text.empty() && !ParseScope(scope_text)) {
    return fail(absl::StrCat("scope \"", scope_text, "\" is not own or summary"));
  }
  if (year != 0) key.year = year;
  if (!scope_text.empty()) key.scope = ParseScope(scope_text);
  const std::string path =
      std::filesystem::path(file).is_absolute() ? file : (manifest.base / file).string();
  absl::StatusOr<ReportFile> report = ReadReportFile(path, key);
  if (!report.ok()) return fail(std::string(report.status().message()));
  v1::SubmitReportRequest request;
  *request.mutable_report() = std::move(report->report);
  GONGKAI_ASSIGN_OR_RETURN(const v1::ValidationMode mode, ModeFlag(report->published));
  request.set_mode(mode);
  v1::SubmitReportResponse response;
  grpc::Status status = reports_->SubmitReport(Context().get(), request, &response);
  if (!status.ok()) return fail(RefusalLine(status));
  if (!response.created()) {
    ++tally->unchanged;
  } else if (response.revision().verdict().violations_size() > 0) {
    ++tally->flagged;
  } else {
    ++tally->stored;
  }
  return absl::OkStatus();
}

}  // namespace gongkai::cli
