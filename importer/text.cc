#include "importer/text.h"

#include <algorithm>

namespace gongkai::importer {

std::u32string DecodeUtf8(absl::string_view bytes) {
  std::u32string out;
  out.reserve(bytes.size());
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char b = s[i];
    int len = 0;
    char32_t c = 0;
    if (b < 0x80) {
      out.push_back(b);
      ++i;
      continue;
    } else if ((b & 0xE0) == 0xC0) {
      len = 2;
      c = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3;
      c = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4;
      c = b & 0x07;
    } else {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    if (i + len > n) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    bool ok = true;
    for (int k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) {
        ok = false;
        break;
      }
      c = (c << 6) | (s[i + k] & 0x3F);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF.
    static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (!ok || c < kMin[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(c);
    i += len;
  }
  return out;
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) c = 0xFFFD;
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string EncodeUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size() * 3);
  for (char32_t c : text) AppendUtf8(c, &out);
  return out;
}

char32_t NormalizeChar(char32_t c) {
  if (c < 0x80) {
    if (c == '\r' || c == '\f' || c == '\v') return ' ';
    return c;
  }
  if (c >= 0xFF01 && c <= 0xFF5E) return c - 0xFEE0;  // full-width ASCII
  switch (c) {
    case 0x00A0:
    case 0x3000:
    case 0x2000:
    case 0x2001:
    case 0x2002:
    case 0x2003:
    case 0x2004:
    case 0x2005:
    case 0x2006:
    case 0x2007:
    case 0x2008:
    case 0x2009:
    case 0x200A:
    case 0x200B:
    case 0x200C:
    case 0x200D:
    case 0x202F:
    case 0x205F:
    case 0xFEFF:
    case 0x2028:
    case 0x2029:
    case 0x0085:
      return ' ';
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2015:
    case 0x2500:
    case 0x2501:
    case 0x2E3A:
    case 0x2E3B:
    case 0xFE58:
    case 0x30FC:
      return 0x2014;  // dashes: the blank-cell marker
    case 0x2010:
    case 0x2011:
    case 0x2212:
    case 0xFE63:
      return '-';
    case 0x2502:
    case 0x2503:
    case 0xFFE8:
    case 0x01C0:
      return '|';
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x300C:
    case 0x300D:
    case 0x300E:
    case 0x300F:
      return '"';
    case 0x2018:
    case 0x2019:
      return '\'';
    case 0x3014:
    case 0x3010:
    case 0x3016:
      return '(';
    case 0x3015:
    case 0x3011:
    case 0x3017:
      return ')';
    case 0x2236:
      return ':';
    case 0xFF61:
      return 0x3002;
    case 0xFF64:
      return 0x3001;
    default:
      return c;
  }
}

bool IsCjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF);
}

bool IsCjkNumeral(char32_t c) {
  switch (c) {
    case U'一':
    case U'二':
    case U'三':
    case U'四':
    case U'五':
    case U'六':
    case U'七':
    case U'八':
    case U'九':
    case U'十':
      return true;
    default:
      return false;
  }
}

bool IsIgnorable(char32_t c) {
  switch (c) {
    case ' ':
    case '\n':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case '"':
    case '\'':
    case ',':
    case ':':
    case ';':
    case '.':
    case '/':
    case '<':
    case '>':
    case '?':
    case '!':
    case '*':
    case '`':
    case '~':
    case 0x3001:
    case 0x3002:
    case 0x300A:
    case 0x300B:
    case 0x3008:
    case 0x3009:
    case 0x00B7:
    case 0x2022:
    case 0x2026:
    case 0xFFFD:
      return true;
    default:
      return false;
  }
}

std::u32string KeyOf(std::u32string_view text) {
  std::u32string key;
  key.reserve(text.size());
  for (char32_t c : text) {
    c = NormalizeChar(c);
    if (!IsIgnorable(c)) key.push_back(c);
  }
  return key;
}

std::u32string KeyOf(absl::string_view utf8) { return KeyOf(DecodeUtf8(utf8)); }

namespace {

// True when the normalised line is only a page mark: 第N页, 共N页 (in any order, with spaces,
// '/' or ',' between), or a page number between dashes ("- 3 -", "—3—").
bool IsPageMark(std::u32string_view line) {
  std::u32string s;
  for (char32_t c : line) {
    c = NormalizeChar(c);
    if (c != ' ' && c != '\t') s.push_back(c);
  }
  if (s.empty()) return false;
  auto digits_at = [&](size_t i) {
    size_t j = i;
    while (j < s.size() && IsDigit(s[j])) ++j;
    return j - i;
  };
  if ((s[0] == '-' || s[0] == 0x2014) && s.back() == s[0]) {
    size_t i = 0;
    while (i < s.size() && s[i] == s[0]) ++i;
    const size_t d = digits_at(i);
    if (d == 0 || d > 3) return false;
    i += d;
    while (i < s.size() && s[i] == s[0]) ++i;
    return i == s.size();
  }
  size_t i = 0;
  int parts = 0;
  while (i < s.size()) {
    if (parts > 0 && (s[i] == '/' || s[i] == ',' || s[i] == 0x3001)) ++i;
    if (i >= s.size() || (s[i] != U'第' && s[i] != U'共')) return false;
    const size_t d = digits_at(i + 1);
    if (d == 0 || d > 4 || i + 1 + d >= s.size() || s[i + 1 + d] != U'页') return false;
    i += d + 2;
    ++parts;
  }
  return parts >= 1 && parts <= 2;
}

}  // namespace

std::string DropPageMarks(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t b = 0;
  while (b < text.size()) {
    size_t e = text.find('\n', b);
    const size_t next = e == absl::string_view::npos ? text.size() : e + 1;
    if (e == absl::string_view::npos) e = text.size();
    const absl::string_view line = text.substr(b, e - b);
    if (line.size() > 64 || !IsPageMark(DecodeUtf8(line))) out.append(text.data() + b, next - b);
    b = next;
  }
  return out;
}

std::string Text::Slice(int begin, int end) const {
  begin = std::clamp(begin, 0, size());
  end = std::clamp(end, begin, size());
  return EncodeUtf8(std::u32string_view(original).substr(begin, end - begin));
}

Text MakeText(absl::string_view plain_utf8) {
  Text text;
  text.original = DecodeUtf8(plain_utf8);
  text.norm.resize(text.original.size());
  text.key.reserve(text.original.size());
  text.key_pos.reserve(text.original.size());
  text.key_index.resize(text.original.size() + 1);
  for (size_t i = 0; i < text.original.size(); ++i) {
    const char32_t c = NormalizeChar(text.original[i]);
    text.norm[i] = c;
    text.key_index[i] = static_cast<int>(text.key.size());
    if (!IsIgnorable(c)) {
      text.key.push_back(c);
      text.key_pos.push_back(static_cast<int>(i));
    }
  }
  text.key_index[text.original.size()] = static_cast<int>(text.key.size());
  return text;
}

}  // namespace gongkai::importer
