// Published reports as the files offices put online: Word (.docx; legacy .doc/.wps through
// LibreOffice where it is installed), PDF, pictures of tables, and plain text or HTML. The
// file's type is told by its content (magic bytes), never by its name; each is turned into the
// row-and-cell text the importer reads (parser.h), so the same labels, rules and diagnostics
// apply to every kind of file.
//
// Pictures of tables (PNG, JPEG, PDF pages without text) are read by OCR (ocr.h); a number it
// cannot read with certainty is '?', never a guess.
//
// Bounded: FileLimits caps the bytes read, the bytes unpacked from a .docx, the pages of a PDF,
// the words laid out, the pixels and pages of OCR and the time LibreOffice and OCR may take; a
// file over a limit, corrupt, encrypted or password protected is refused with a status that
// says so, and nothing is parsed from it.
#ifndef GONGKAI_IMPORTER_FILES_FILES_H_
#define GONGKAI_IMPORTER_FILES_FILES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "importer/parser.h"

namespace gongkai::importer {

enum class MediaType {
  kUnknown,
  kText,        // UTF-8 text or HTML (what ParseReport reads)
  kDocx,        // Office Open XML word processing (a ZIP holding word/document.xml)
  kPdf,         // %PDF-
  kLegacyWord,  // an OLE compound file: Word 97–2003 .doc, WPS .wps
  kPng,
  kJpeg,
};

// Tells the type from the first bytes: %PDF-, PK\3\4 with word/document.xml, the OLE
// signature, PNG and JPEG signatures; valid UTF-8 is text. Anything else is kUnknown.
MediaType DetectMediaType(absl::string_view bytes);

// The IANA name ("application/pdf", "text/plain", …).
absl::string_view MediaTypeName(MediaType type);

// Accepts the IANA names (parameters such as "; charset=utf-8" ignored) and the short names
// docx, pdf, doc, wps, png, jpeg/jpg, text/txt, html. nullopt for anything else.
std::optional<MediaType> MediaTypeFromName(absl::string_view name);

struct FileLimits {
  size_t max_bytes = size_t{32} << 20;                  // the file itself
  size_t max_unpacked_bytes = size_t{64} << 20;         // word/document.xml once inflated
  int max_pages = 200;                                  // of a PDF
  absl::Duration max_convert_time = absl::Seconds(60);  // LibreOffice for .doc/.wps
  int max_ocr_pages = 20;                               // pictures read by OCR, per file
  absl::Duration max_ocr_time = absl::Seconds(30);      // per page
  int64_t max_image_pixels = 40'000'000;                // a picture's width × height
  int max_words = 100'000;                              // laid out from a PDF or an OCR'd picture
  // The caller's own deadline (the RPC's): OCR and PDF pages stop there (DEADLINE_EXCEEDED).
  absl::Time deadline = absl::InfiniteFuture();
};

// Where a piece of the extracted text came from, for diagnostics: from `offset` on, the text
// is on `page` (PDF; 0 when the file has no pages) and in table `table` (1-based, 0 outside
// tables).
struct TextAnchor {
  size_t offset = 0;
  int page = 0;
  int table = 0;
};

struct ExtractedText {
  MediaType type = MediaType::kUnknown;
  bool ocr = false;  // some of the text was read from pictures
  std::string text;
  std::vector<TextAnchor> anchors;  // by offset
};

// The text of a file, tables as rows of " |"-ended cells. `declared` (a media type name, may be
// empty) is checked against the content: a file that is not what it is declared to be is
// refused (INVALID_ARGUMENT naming both). Errors: INVALID_ARGUMENT (corrupt, encrypted,
// unknown type), RESOURCE_EXHAUSTED (a limit: size, pages, pixels, words, the time LibreOffice
// or OCR may take), FAILED_PRECONDITION (LibreOffice or the OCR model needed and not
// installed), DEADLINE_EXCEEDED (limits.deadline passed), INTERNAL (a library failed).
absl::StatusOr<ExtractedText> ExtractText(absl::string_view bytes, absl::string_view declared,
                                          const FileLimits& limits = {});

// ExtractText, then ParseReport; each diagnostic about a cell says where its row is in the
// file ("第 2 页，表 3"). The parse result is the one ParseReport gives for text.
absl::StatusOr<ParseResult> ParseFile(absl::string_view bytes, absl::string_view declared,
                                      const FileLimits& limits = {});

// The format readers, for tests and benchmarks (ExtractText dispatches to them).
absl::StatusOr<ExtractedText> DocxText(absl::string_view bytes, const FileLimits& limits);
absl::StatusOr<ExtractedText> PdfText(absl::string_view bytes, const FileLimits& limits);
absl::StatusOr<ExtractedText> LegacyWordText(absl::string_view bytes, const FileLimits& limits);
absl::StatusOr<ExtractedText> ImageText(absl::string_view bytes, const FileLimits& limits);

}  // namespace gongkai::importer

#endif  // GONGKAI_IMPORTER_FILES_FILES_H_
