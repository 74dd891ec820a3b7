// FlattenMarkup: HTML (possibly inside a JavaScript string) to plain text.
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "importer/text.h"

namespace gongkai::importer {
namespace {

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// True when the text is HTML inside a JavaScript (or JSON) string: escaped quotes in attributes.
bool LooksLikeEscapedMarkup(absl::string_view s) {
  return absl::StrContains(s, "=\\\"") || absl::StrContains(s, "<\\/");
}

// Undoes JavaScript string escapes: \" \' \\ \/ \n \t \r \uXXXX (with surrogate pairs).
std::string UnescapeJs(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out.push_back(s[i]);
      continue;
    }
    const char e = s[++i];
    switch (e) {
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'r':
        break;
      case 'u': {
        uint32_t c = 0;
        bool ok = i + 4 < s.size();
        for (int k = 1; ok && k <= 4; ++k) {
          const int h = HexValue(s[i + k]);
          if (h < 0) ok = false;
          c = c * 16 + static_cast<uint32_t>(h);
        }
        if (!ok) {
          out.push_back('u');
          break;
        }
        i += 4;
        if (c >= 0xD800 && c <= 0xDBFF && i + 6 < s.size() && s[i + 1] == '\\' && s[i + 2] == 'u') {
          uint32_t low = 0;
          bool low_ok = true;
          for (int k = 3; low_ok && k <= 6; ++k) {
            const int h = HexValue(s[i + k]);
            if (h < 0) low_ok = false;
            low = low * 16 + static_cast<uint32_t>(h);
          }
          if (low_ok && low >= 0xDC00 && low <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
        AppendUtf8(c, &out);
        break;
      }
      default:
        out.push_back(e);
        break;
    }
  }
  return out;
}

// Decodes one entity starting at s[i] == '&'; returns the number of bytes consumed (0: none).
size_t DecodeEntity(absl::string_view s, size_t i, std::string* out) {
  const size_t semi = s.find(';', i);
  if (semi == absl::string_view::npos || semi - i > 10) return 0;
  absl::string_view name = s.substr(i + 1, semi - i - 1);
  char32_t c = 0;
  if (!name.empty() && name[0] == '#') {
    uint32_t v = 0;
    bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
    absl::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    for (char d : digits) {
      const int h =
          hex ? HexValue(d) : (absl::ascii_isdigit(static_cast<unsigned char>(d)) ? d - '0' : -1);
      if (h < 0 || v > 0x10FFFF) return 0;
      v = v * (hex ? 16 : 10) + static_cast<uint32_t>(h);
    }
    c = v;
  } else {
    static constexpr struct {
      const char* name;
      char32_t c;
    } kEntities[] = {{"nbsp", 0xA0},     {"amp", '&'},      {"lt", '<'},       {"gt", '>'},
                     {"quot", '"'},      {"apos", '\''},    {"ensp", 0x2002},  {"emsp", 0x2003},
                     {"thinsp", 0x2009}, {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"lsquo", 0x2018},
                     {"rsquo", 0x2019},  {"mdash", 0x2014}, {"ndash", 0x2013}, {"middot", 0xB7},
                     {"hellip", 0x2026}, {"times", 0xD7},   {"yen", 0xA5}};
    for (const auto& e : kEntities) {
      if (name == e.name) c = e.c;
    }
    if (c == 0) return 0;
  }
  AppendUtf8(c == 0 ? 0xFFFD : c, out);
  return semi - i + 1;
}

bool IsBlockTag(absl::string_view tag) {
  static constexpr absl::string_view kBlocks[] = {
      "p",       "div",        "li",  "ul",     "ol",    "h1",    "h2",    "h3",
      "h4",      "h5",         "h6",  "table",  "tbody", "thead", "tfoot", "section",
      "article", "blockquote", "pre", "center", "title", "hr"};
  for (absl::string_view b : kBlocks) {
    if (tag == b) return true;
  }
  return false;
}

// Counts the opening tags that make a text HTML rather than text quoting a '<'.
bool HasStructuralMarkup(absl::string_view s) {
  int tags = 0;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != '<') continue;
    size_t j = i + 1;
    if (s[j] == '/') ++j;
    size_t k = j;
    while (k < s.size() && IsAsciiAlpha(s[k])) ++k;
    if (k == j || k - j > 10) continue;
    const std::string tag = absl::AsciiStrToLower(s.substr(j, k - j));
    if (tag == "p" || tag == "td" || tag == "tr" || tag == "br" || tag == "div" || tag == "table" ||
        tag == "span" || tag == "th" || tag == "li") {
      if (++tags >= 3) return true;
    }
  }
  return false;
}

// Ends the output line unless it is empty or already ended.
void EndLine(std::string* out) {
  if (!out->empty() && out->back() != '\n') out->push_back('\n');
}

// The position of the '>' that ends the tag opened at s[i], skipping quoted attribute values;
// s.size() when the tag is not terminated.
size_t TagEnd(absl::string_view s, size_t i) {
  size_t j = i + 1;
  char quote = 0;
  while (j < s.size()) {
    if (quote != 0) {
      if (s[j] == quote) quote = 0;
    } else if (s[j] == '"' || s[j] == '\'') {
      quote = s[j];
    } else if (s[j] == '>') {
      break;
    }
    ++j;
  }
  return j;
}

// The position of the end tag of a script or style element whose content starts at s[i]
// (matched case-insensitively), or s.size() when there is none.
size_t RawTextEnd(absl::string_view s, size_t i, const std::string& tag) {
  size_t end = i;
  while ((end = s.find("</", end)) != absl::string_view::npos &&
         !absl::EqualsIgnoreCase(s.substr(end + 2, tag.size()), tag)) {
    end += 2;
  }
  return end == absl::string_view::npos ? s.size() : end;
}

// Writes the layout a tag stands for: " |" between table cells, a line break after a row, a
// <br> or a block (a space inside a cell).
void LayOutTag(const std::string& tag, bool closing, bool* in_cell, std::string* out) {
  if (tag == "td" || tag == "th") {
    if (*in_cell) *out += " |";
    if (closing) {
      *in_cell = false;
    } else {
      out->push_back(' ');
      *in_cell = true;
    }
  } else if (tag == "tr") {
    if (*in_cell) *out += " |";
    *in_cell = false;
    EndLine(out);
  } else if (tag == "br") {
    out->push_back(*in_cell ? ' ' : '\n');
  } else if (IsBlockTag(tag)) {
    if (*in_cell) {
      out->push_back(' ');
    } else {
      EndLine(out);
    }
  }
}

std::string HtmlToText(absl::string_view s) {
  std::string out;
  out.reserve(s.size() / 2);
  bool in_cell = false;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '&') {
      const size_t used = DecodeEntity(s, i, &out);
      if (used > 0) {
        i += used;
        continue;
      }
      out.push_back(c);
      ++i;
      continue;
    }
    if (c == '\n' || c == '\t' || c == '\r') {  // whitespace in markup is not layout
      out.push_back(' ');
      ++i;
      continue;
    }
    if (c != '<' || i + 1 >= s.size() ||
        !(IsAsciiAlpha(s[i + 1]) || s[i + 1] == '/' || s[i + 1] == '!')) {
      out.push_back(c);
      ++i;
      continue;
    }
    if (s.substr(i, 4) == "<!--") {
      const size_t end = s.find("-->", i + 4);
      i = end == absl::string_view::npos ? s.size() : end + 3;
      continue;
    }
    const size_t j = TagEnd(s, i);
    if (j >= s.size()) break;  // unterminated tag: the rest is markup debris
    const bool closing = s[i + 1] == '/';
    size_t n = i + (closing ? 2 : 1);
    size_t m = n;
    while (m < j && (IsAsciiAlpha(s[m]) || absl::ascii_isdigit(static_cast<unsigned char>(s[m]))))
      ++m;
    const std::string tag = absl::AsciiStrToLower(s.substr(n, m - n));
    i = j + 1;
    if (!closing && (tag == "script" || tag == "style")) {
      // Skip to the matching end tag, or to the end of the input.
      i = RawTextEnd(s, i, tag);
      continue;
    }
    LayOutTag(tag, closing, &in_cell, &out);
  }
  return out;
}

// Decodes entities only (plain text that carries an &nbsp; or two).
std::string DecodeEntities(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '&') {
      const size_t used = DecodeEntity(s, i, &out);
      if (used > 0) {
        i += used;
        continue;
      }
    }
    out.push_back(s[i++]);
  }
  return out;
}

}  // namespace

std::string FlattenMarkup(absl::string_view input) {
  std::string unescaped;
  if (LooksLikeEscapedMarkup(input)) {
    unescaped = UnescapeJs(input);
    input = unescaped;
  }
  if (HasStructuralMarkup(input)) return HtmlToText(input);
  if (input.find('&') == absl::string_view::npos) return std::string(input);
  return DecodeEntities(input);
}

}  // namespace gongkai::importer
