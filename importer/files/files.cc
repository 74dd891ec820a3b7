#include "importer/files/files.h"

#include <algorithm>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/stubs/common.h"
#include "proto/cells.h"

namespace gongkai::importer {
namespace {

constexpr absl::string_view kOleSignature("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
constexpr absl::string_view kPngSignature("\x89PNG\r\n\x1A\n", 8);

// Text is UTF-8 without NUL bytes (protobuf's check, as validation uses).
bool IsUtf8Text(absl::string_view s) {
  return s.find('\0') == absl::string_view::npos &&
         google::protobuf::internal::IsStructurallyValidUTF8(s.data(), static_cast<int>(s.size()));
}

// UTF-16LE, as names in an OLE compound file's directory are written.
std::string Utf16(absl::string_view ascii) {
  std::string out;
  for (char c : ascii) {
    out += c;
    out += '\0';
  }
  return out;
}

// Every kind of file: its IANA name, the name messages use, and the other names a sender may
// declare it by (lower case).
struct Kind {
  MediaType type;
  absl::string_view iana;
  absl::string_view said;
  std::vector<absl::string_view> aliases;
};

const std::vector<Kind>& Kinds() {
  static const auto* kinds = new std::vector<Kind>{
      {MediaType::kText,
       "text/plain",
       "text",
       {"text/html", "application/xhtml+xml", "text", "txt", "html"}},
      {MediaType::kDocx,
       "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
       "Word (.docx)",
       {"docx"}},
      {MediaType::kPdf, "application/pdf", "PDF", {"pdf"}},
      {MediaType::kLegacyWord,
       "application/msword",
       "Word 97–2003 or WPS (.doc/.wps)",
       {"application/vnd.ms-works", "application/wps", "application/kswps", "doc", "wps"}},
      {MediaType::kPng, "image/png", "PNG picture", {"png"}},
      {MediaType::kJpeg, "image/jpeg", "JPEG picture", {"jpeg", "jpg"}},
  };
  return *kinds;
}

absl::string_view ShortName(MediaType type) {
  for (const Kind& kind : Kinds()) {
    if (kind.type == type) return kind.said;
  }
  return "unknown";
}

// " (page 2, table 3)" for a diagnostic about a cell, from where its row's label is in the
// extracted text; "" when the label is not found.
std::string Where(const ExtractedText& extracted, v1::Edition edition,
                  absl::string_view field_path) {
  const int index = FindCell(edition, field_path);
  if (index < 0 || extracted.anchors.empty()) return "";
  const CellSpec& cell = CellsOf(edition)[index];
  std::vector<absl::string_view> levels = absl::StrSplit(cell.row, '/');
  absl::string_view leaf = levels.back();
  // Without its numbering ("6.", "（三）", "一、"): the text may write it otherwise.
  for (absl::string_view mark : {".", "）", "、"}) {
    const size_t at = leaf.find(mark);
    if (at != absl::string_view::npos && at <= 9) {
      leaf.remove_prefix(at + mark.size());
      break;
    }
  }
  if (leaf.empty()) return "";
  size_t from = 0;
  while (true) {
    const size_t at = absl::string_view(extracted.text).find(leaf, from);
    if (at == std::string::npos) return "";
    const TextAnchor* anchor = nullptr;
    for (const TextAnchor& a : extracted.anchors) {
      if (a.offset > at) break;
      anchor = &a;
    }
    if (anchor != nullptr && anchor->table > 0) {
      if (anchor->page > 0)
        return absl::StrCat(" (page ", anchor->page, ", table ", anchor->table, ")");
      return absl::StrCat(" (table ", anchor->table, ")");
    }
    from = at + 1;
  }
}

// Numbers read by OCR that break one of R1–R4 are not trusted: a misread digit is the likelier
// cause, and which one cannot be told. Every filled cell of a broken rule becomes uncertain
// ('?'); rules touching an uncertain cell, or wholly blank on one side, are not checked (as
// in the parser).
void DistrustBrokenRules(ParseResult* result) {
  v1::Report& report = result->report;
  const v1::Edition edition = report.edition();
  const std::vector<CellSpec>& cells = CellsOf(edition);
  const std::vector<bool> uncertain = UncertainCells(report);
  const std::vector<std::optional<int64_t>> values = CellValues(report);
  std::vector<bool> distrust(cells.size(), false);
  for (const LinearRule& rule : RulesOf(edition)) {
    int64_t lhs = 0, rhs = 0;
    bool checkable = true, lhs_filled = false, rhs_filled = false;
    for (int i : rule.lhs) {
      checkable = checkable && !uncertain[i];
      lhs += values[i].value_or(0);
      lhs_filled = lhs_filled || values[i].has_value();
    }
    for (int i : rule.rhs) {
      checkable = checkable && !uncertain[i];
      rhs += values[i].value_or(0);
      rhs_filled = rhs_filled || values[i].has_value();
    }
    if (!checkable || !lhs_filled || !rhs_filled || lhs == rhs) continue;
    for (const std::vector<int>* side : {&rule.lhs, &rule.rhs}) {
      for (int i : *side) {
        if (values[i].has_value()) distrust[i] = true;
      }
    }
    Diagnostic d;
    d.kind = Diagnostic::Kind::kRuleViolation;
    d.severity = Diagnostic::Severity::kWarning;
    d.message = absl::StrCat("read by OCR, the cells of rule ", rule.id, " (", RuleName(rule.id),
                             ") do not add up (", lhs, " and ", rhs,
                             "): a digit may be misread, so none of them is trusted");
    d.field_path = cells[rule.rhs.front()].field_path;
    result->diagnostics.push_back(std::move(d));
  }
  for (size_t i = 0; i < cells.size(); ++i) {
    if (!distrust[i] || uncertain[i]) continue;
    SetCell(&report, cells[i], std::nullopt);
    report.add_uncertain_cells(cells[i].field_path);
  }
}

}  // namespace

MediaType DetectMediaType(absl::string_view bytes) {
  if (absl::StartsWith(bytes, kPngSignature)) return MediaType::kPng;
  if (absl::StartsWith(bytes, "\xFF\xD8\xFF")) return MediaType::kJpeg;
  if (absl::StartsWith(bytes, kOleSignature)) return MediaType::kLegacyWord;
  if (absl::StartsWith(bytes, "PK\x03\x04")) {
    return absl::StrContains(bytes, "word/document.xml") ? MediaType::kDocx : MediaType::kUnknown;
  }
  // The header may follow some junk (up to 1 KiB, as readers allow).
  const size_t pdf = bytes.substr(0, 1024).find("%PDF-");
  if (pdf != absl::string_view::npos) return MediaType::kPdf;
  absl::string_view text = bytes;
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  return IsUtf8Text(text) ? MediaType::kText : MediaType::kUnknown;
}

absl::string_view MediaTypeName(MediaType type) {
  for (const Kind& kind : Kinds()) {
    if (kind.type == type) return kind.iana;
  }
  return "application/octet-stream";
}

std::optional<MediaType> MediaTypeFromName(absl::string_view name) {
  name = absl::StripAsciiWhitespace(name.substr(0, name.find(';')));
  const std::string n = absl::AsciiStrToLower(name);
  for (const Kind& kind : Kinds()) {
    if (n == kind.iana) return kind.type;
    for (absl::string_view alias : kind.aliases) {
      if (n == alias) return kind.type;
    }
  }
  return std::nullopt;
}

absl::StatusOr<ExtractedText> ExtractText(absl::string_view bytes, absl::string_view declared,
                                          const FileLimits& limits) {
  if (bytes.size() > limits.max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the file is ", bytes.size(), " bytes, over the limit of ", limits.max_bytes));
  }
  if (bytes.empty()) return absl::InvalidArgumentError("the file is empty");
  const MediaType type = DetectMediaType(bytes);
  if (!declared.empty()) {
    const std::optional<MediaType> said = MediaTypeFromName(declared);
    if (!said.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown media type \"", declared, "\": give text/plain, text/html, application/pdf, ",
          MediaTypeName(MediaType::kDocx),
          ", application/msword, image/png or image/jpeg (or leave it empty)"));
    }
    if (*said != type && type != MediaType::kUnknown) {
      return absl::InvalidArgumentError(absl::StrCat("the file was declared ", declared,
                                                     " but its content is ", ShortName(type)));
    }
  }
  switch (type) {
    case MediaType::kText: {
      ExtractedText out;
      out.type = type;
      out.text = std::string(bytes);
      return out;
    }
    case MediaType::kDocx:
      return DocxText(bytes, limits);
    case MediaType::kPdf:
      return PdfText(bytes, limits);
    case MediaType::kLegacyWord:
      if (absl::StrContains(bytes, Utf16("EncryptedPackage"))) {
        return absl::InvalidArgumentError(
            "the Word document is password-protected (an encrypted .docx): save it without a "
            "password");
      }
      return LegacyWordText(bytes, limits);
    case MediaType::kPng:
    case MediaType::kJpeg:
      return ImageText(bytes, limits);
    case MediaType::kUnknown:
      break;
  }
  if (absl::StartsWith(bytes, "PK\x03\x04")) {
    return absl::InvalidArgumentError(
        "the file is a ZIP archive but not a Word document (no word/document.xml)");
  }
  return absl::InvalidArgumentError(
      "the file is not valid UTF-8 text or HTML, nor a .docx, .doc/.wps, PDF, PNG or JPEG "
      "file (a text must be UTF-8)");
}

absl::StatusOr<ParseResult> ParseFile(absl::string_view bytes, absl::string_view declared,
                                      const FileLimits& limits) {
  absl::StatusOr<ExtractedText> extracted = ExtractText(bytes, declared, limits);
  if (!extracted.ok()) return extracted.status();
  ParseResult result = ParseReport(extracted->text);
  if (extracted->type == MediaType::kText) return result;
  if (extracted->ocr) DistrustBrokenRules(&result);
  for (Diagnostic& d : result.diagnostics) {
    if (d.field_path.empty()) continue;
    d.message += Where(*extracted, result.report.edition(), d.field_path);
  }
  return result;
}

}  // namespace gongkai::importer
