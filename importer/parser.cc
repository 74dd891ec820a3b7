#include "importer/parser.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gongkai/v1/options.pb.h"
#include "importer/sections.h"
#include "importer/table_reader.h"
#include "importer/text.h"
#include "importer/tokenizer.h"
#include "proto/cells.h"

namespace gongkai::importer {
namespace {

using Kind = Diagnostic::Kind;
using Severity = Diagnostic::Severity;

void Add(ParseResult* result, Kind kind, Severity severity, std::string message) {
  result->diagnostics.push_back(Diagnostic{kind, severity, std::move(message), "", {}});
}

bool IsBlankChar(char32_t c) { return NormalizeChar(c) == ' ' || c == '\t' || c == '|'; }

// The text of [begin, end) with each line trimmed and empty lines dropped.
std::string CleanText(const Text& text, int begin, int end) {
  std::vector<std::string> lines;
  int b = std::max(begin, 0);
  end = std::min(end, text.size());
  while (b < end) {
    int e = b;
    while (e < end && text.norm[e] != '\n') ++e;
    int lb = b, le = e;
    while (lb < le && IsBlankChar(text.original[lb])) ++lb;
    while (le > lb && IsBlankChar(text.original[le - 1])) --le;
    // Lines of punctuation only are markup debris ("（" before a table, a closing quote).
    bool meaningful = false;
    for (int i = lb; i < le && !meaningful; ++i) {
      const char32_t c = text.norm[i];
      meaningful = IsCjk(c) || IsDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }
    if (meaningful) lines.push_back(text.Slice(lb, le));
    b = e + 1;
  }
  return absl::StrJoin(lines, "\n");
}

void FillNarrative(const Text& text, const Sections& sections,
                   const std::array<std::pair<int, int>, 5>& spans, v1::Narrative* narrative) {
  const auto* descriptor = narrative->GetDescriptor();
  const auto* reflection = narrative->GetReflection();
  for (int k = 1; k <= 6 && k <= descriptor->field_count(); ++k) {
    if (!sections.found(k)) continue;
    const int begin = sections.heading[k].end;
    const int end = sections.BodyEnd(k, text.size());
    std::string body;
    const auto span = k >= 2 && k <= 4 ? spans[k] : std::pair<int, int>{0, 0};
    if (span.second > span.first && span.first < end && span.second > begin) {
      const std::string before = CleanText(text, begin, std::max(begin, span.first));
      const std::string after = CleanText(text, std::min(end, span.second), end);
      body = before.empty() || after.empty() ? before + after : before + "\n" + after;
    } else {
      body = CleanText(text, begin, end);
    }
    reflection->SetString(narrative, descriptor->field(k - 1), body);
  }
}

v1::Edition ChooseEdition(const EditionVotes& votes, v1::Edition cited, int year,
                          ParseResult* result) {
  const int v19 = votes.edition2019, v21 = votes.edition2021;
  if (v19 != v21) {
    const v1::Edition edition = v19 > v21 ? v1::EDITION_2019 : v1::EDITION_2021;
    if (std::min(v19, v21) > 0) {
      Add(result, Kind::kEditionMixed, Severity::kInfo,
          absl::StrCat("the table headers have ", v19, " labels of the 2019 edition and ", v21,
                       " of the 2021 edition; read as ", EditionLabel(edition)));
    }
    return edition;
  }
  if (votes.shape2019 != votes.shape2021) {
    const v1::Edition edition =
        votes.shape2019 > votes.shape2021 ? v1::EDITION_2019 : v1::EDITION_2021;
    Add(result, Kind::kEditionMixed, Severity::kInfo,
        absl::StrCat("the table headers do not tell the edition; read as ", EditionLabel(edition),
                     " from the number of values in the rows of table 二"));
    return edition;
  }
  if (cited != v1::EDITION_UNSPECIFIED) {
    Add(result, v19 > 0 ? Kind::kEditionMixed : Kind::kEditionFromCitation, Severity::kWarning,
        absl::StrCat("the table headers do not tell the edition; read as ", EditionLabel(cited),
                     ", the format document the text cites"));
    return cited;
  }
  // The 2021 format (国办公开办函〔2021〕30号) was first used for the 2021 reports: a report on
  // an earlier year can only have the 2019 tables.
  if (year != 0 && year <= 2020) {
    Add(result, Kind::kEditionUnknown, Severity::kWarning,
        absl::StrCat("the table headers do not tell the edition and the text cites no format "
                     "document; read as 2019, the only format for a report on ",
                     year));
    return v1::EDITION_2019;
  }
  Add(result, Kind::kEditionUnknown, Severity::kWarning,
      "the table headers do not tell the edition and the text cites no format document; read "
      "as 2021 (tables 三 and 四 are the same in both editions except （六）其他处理)");
  return v1::EDITION_2021;
}

}  // namespace

// Slightly over the usual length: the parser's stages in the order they run (limits, sections,
// tables, the solver, the key, the diagnostics), each a call; reading it top to bottom is the
// point.
ParseResult ParseReport(absl::string_view input) {
  ParseResult result;
  if (input.size() > kMaxInputBytes) {
    input = input.substr(0, kMaxInputBytes);
    Add(&result, Kind::kInputTooLarge, Severity::kError,
        absl::StrCat("the input is longer than ", kMaxInputBytes, " bytes; the rest is ignored"));
  }
  const Text text = MakeText(DropPageMarks(FlattenMarkup(input)));
  const Sections sections = FindSections(text);
  const Metadata meta = FindMetadata(text, sections);
  v1::Report& report = result.report;
  report.set_title(meta.title);
  report.set_publisher(meta.publisher);
  report.set_publication_date(meta.publication_date);
  report.set_source_url(meta.source_url);
  report.mutable_key()->set_year(meta.year);
  if (meta.year == 0) {
    Add(&result, Kind::kYearNotFound, Severity::kWarning,
        "no reporting year found in the title or the text");
  }

  // The tables lie between section 二 (else the end of 一) and section 五 or 六.
  int zone_begin = 0;
  if (sections.found(2)) {
    zone_begin = sections.heading[2].begin;
  } else if (sections.found(1)) {
    zone_begin = sections.heading[1].end;
  }
  int zone_end = text.size();
  for (int k : {5, 6}) {
    if (sections.found(k) && sections.heading[k].begin >= zone_begin) {
      zone_end = sections.heading[k].begin;
      break;
    }
  }
  const bool text_ends_in_tables = zone_end == text.size();
  const std::vector<Token> tokens = Tokenize(text, zone_begin, zone_end, sections.all);
  if (tokens.size() > kMaxTableTokens) {
    Add(&result, Kind::kInputTooLarge, Severity::kError,
        absl::StrCat("the tables' part of the text holds more than ", kMaxTableTokens,
                     " labels and values, far beyond any report: not read"));
    report.set_edition(v1::EDITION_UNSPECIFIED);
    return result;
  }
  const EditionVotes votes = CountEditionLabels(text, tokens);
  result.has_tables = votes.table_labels >= 3;
  const v1::Edition cited = CitedEdition(text);

  std::array<std::pair<int, int>, 5> spans{};
  if (!result.has_tables) {
    report.set_edition(cited);
    Add(&result, Kind::kNoTables, Severity::kWarning,
        cited == v1::EDITION_UNSPECIFIED
            ? "no tables found, and the text cites no format document: edition unknown"
            : absl::StrCat("no tables found; edition ", EditionLabel(cited),
                           " from the format document the text cites"));
  } else {
    const v1::Edition edition = ChooseEdition(votes, cited, meta.year, &result);
    report.set_edition(edition);
    TableReading reading = ReadTables(text, tokens, sections, edition, text_ends_in_tables);
    const std::vector<CellSpec>& cells = CellsOf(edition);
    for (size_t i = 0; i < cells.size() && i < reading.cells.size(); ++i) {
      const CellRead& read = reading.cells[i];
      if (read.state == CellRead::State::kValue) {
        SetCell(&report, cells[i], read.value);
      } else if (read.state == CellRead::State::kUncertain) {
        report.add_uncertain_cells(cells[i].field_path);
      }
    }
    for (Diagnostic& d : reading.diagnostics) result.diagnostics.push_back(std::move(d));
    for (Diagnostic& d : CheckRules(report, reading.cells)) {
      result.diagnostics.push_back(std::move(d));
    }
    spans = reading.spans;
  }
  FillNarrative(text, sections, spans, report.mutable_narrative());
  const auto* narrative = v1::Narrative::descriptor();
  for (int k = 1; k <= 6 && k <= narrative->field_count(); ++k) {
    if (sections.found(k)) continue;
    // Sections 二–四 may be tables alone; a cut-off text has no 五 or 六.
    if (result.has_tables && (k >= 2 && k <= 4)) continue;
    Add(&result, Kind::kSectionMissing, Severity::kInfo,
        absl::StrCat("section ", narrative->field(k - 1)->options().GetExtension(v1::label),
                     " not found"));
  }
  return result;
}

std::string FormatParsedCells(const ParseResult& result) {
  if (result.has_tables) return FormatCells(result.report);
  v1::Report metadata_only;
  metadata_only.mutable_key()->set_year(result.report.key().year());
  std::string out = FormatCells(metadata_only);
  // FormatCells prints the edition's cells; print the edition row without them.
  const std::string empty_edition = "元数据\t格式版本\tvalue\t\n";
  const size_t at = out.find(empty_edition);
  if (at != std::string::npos) {
    out.replace(
        at, empty_edition.size(),
        absl::StrCat("元数据\t格式版本\tvalue\t", EditionLabel(result.report.edition()), "\n"));
  }
  return out;
}

}  // namespace gongkai::importer
