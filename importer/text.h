// Text normalisation for the importer: markup flattening, UTF-8 decoding, a 1:1 character
// normalisation (full width to ASCII, the many spaces and dashes of web pages) and the "key"
// stream on which labels are matched (no whitespace, no punctuation).
//
// All functions are pure and thread-safe. None of them fails: invalid UTF-8 becomes U+FFFD and
// unterminated markup is dropped.
#ifndef GONGKAI_IMPORTER_TEXT_H_
#define GONGKAI_IMPORTER_TEXT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"

namespace gongkai::importer {

// Turns a page into plain text. HTML (also HTML inside a JavaScript string literal, with \"
// escapes) is reduced to its text: block elements end lines, table rows end lines and every
// table cell ends with " |", so that a table reads like a pipe-separated one; entities are
// decoded. Input without markup is returned unchanged except for entities.
std::string FlattenMarkup(absl::string_view input);

// Drops the lines a printed or PDF page leaves between two pages of a table: "第 3 页 共 5 页",
// "第3页/共5页", "共5页 第3页", "- 3 -". The whole line goes (with its line end), so a table
// split by a page break reads as one table.
std::string DropPageMarks(absl::string_view text);

// Decodes UTF-8; every invalid byte becomes U+FFFD.
std::u32string DecodeUtf8(absl::string_view bytes);
void AppendUtf8(char32_t c, std::string* out);
std::string EncodeUtf8(std::u32string_view text);

// Maps one code point to the form used for matching: full-width ASCII to ASCII, every kind of
// space to ' ', '\r' to ' ', dashes to '—', hyphens and minus signs to '-', box bars to '|'.
// Always one code point for one, so positions in the normalised text are positions in the
// original.
char32_t NormalizeChar(char32_t c);

// Separators between table cells: ' ', '\n', '\t', '|'.
inline bool IsSeparator(char32_t c) { return c == ' ' || c == '\n' || c == '\t' || c == '|'; }
inline bool IsDigit(char32_t c) { return c >= '0' && c <= '9'; }
bool IsCjk(char32_t c);
// Chinese numerals used in numbering (一 … 十).
bool IsCjkNumeral(char32_t c);
// Characters left out of the key: whitespace and punctuation ('\t' and '|' stay, so that no
// label is matched across a table cell boundary).
bool IsIgnorable(char32_t c);

// The key of a label or heading: normalised, without ignorable characters.
std::u32string KeyOf(std::u32string_view text);
std::u32string KeyOf(absl::string_view utf8);

// A document's text in aligned forms.
struct Text {
  std::u32string original;     // decoded, after markup flattening
  std::u32string norm;         // NormalizeChar of each code point of `original`
  std::u32string key;          // `norm` without ignorable characters
  std::vector<int> key_pos;    // key[i] is norm[key_pos[i]]
  std::vector<int> key_index;  // for each norm position (and end): first key index at or after it

  int size() const { return static_cast<int>(norm.size()); }
  // The original text of [begin, end) as UTF-8.
  std::string Slice(int begin, int end) const;
};

Text MakeText(absl::string_view plain_utf8);

}  // namespace gongkai::importer

#endif  // GONGKAI_IMPORTER_TEXT_H_
