#include "export/text_width.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"

namespace gongkai::exports {
namespace {

// Decodes one UTF-8 code point at `*i` and advances past it.
uint32_t NextCodePoint(absl::string_view s, size_t* i) {
  const unsigned char c = static_cast<unsigned char>(s[*i]);
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  uint32_t cp = extra == 0 ? c : c & (0x3F >> extra);
  ++*i;
  for (; extra > 0 && *i < s.size(); --extra, ++*i) cp = (cp << 6) | (s[*i] & 0x3F);
  return cp;
}

// East Asian Wide and Full-width ranges (the box-drawing block U+2500 is narrow).
bool IsWide(uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

}  // namespace

int DisplayWidth(absl::string_view text) {
  int width = 0;
  for (size_t i = 0; i < text.size();) width += IsWide(NextCodePoint(text, &i)) ? 2 : 1;
  return width;
}

std::string Pad(absl::string_view text, int width, Align align) {
  const int fill = std::max(0, width - DisplayWidth(text));
  const int left = align == Align::kRight ? fill : align == Align::kCenter ? fill / 2 : 0;
  return absl::StrCat(std::string(left, ' '), text, std::string(fill - left, ' '));
}

}  // namespace gongkai::exports
