#include "common/text.h"

#include <algorithm>
#include <string>

namespace gongkai {
namespace {

// Decodes UTF-8 into code points; invalid bytes become U+FFFD.
std::vector<uint32_t> CodePoints(absl::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size() / 2);
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const int extra = c < 0x80 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : -1;
    bool valid = extra >= 0 && i + extra < s.size();
    for (int k = 1; valid && k <= extra; ++k) {
      valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (!valid) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    uint32_t cp = extra == 0 ? c : c & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    out.push_back(cp);
    i += extra + 1;
  }
  return out;
}

bool Ignored(uint32_t cp) {
  if (cp < 0x80)
    return !((cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z'));
  return (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
         (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0x2000 && cp <= 0x206F);
}

}  // namespace

std::vector<uint32_t> Shingles(absl::string_view text, int size, int* chars) {
  std::vector<uint32_t> kept;
  for (uint32_t cp : CodePoints(text)) {
    if (!Ignored(cp)) kept.push_back(cp);
  }
  *chars = static_cast<int>(kept.size());
  std::vector<uint32_t> out;
  if (static_cast<int>(kept.size()) < size) return out;
  out.reserve(kept.size());
  for (size_t i = 0; i + size <= kept.size(); ++i) {
    // FNV-1a over the shingle's code points, folded to 32 bits: stable across runs.
    uint64_t h = 1469598103934665603ull;
    for (int k = 0; k < size; ++k) h = (h ^ kept[i + k]) * 1099511628211ull;
    out.push_back(static_cast<uint32_t>(h ^ (h >> 32)));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

double Jaccard(absl::Span<const uint32_t> a, absl::Span<const uint32_t> b) {
  if (a.empty() && b.empty()) return 0;
  // A merge of the two sorted sets without branches on the values: which side moves is
  // unpredictable, and a mispredicted branch per step cost more than the comparisons.
  size_t common = 0;
  const uint32_t* x = a.data();
  const uint32_t* y = b.data();
  const uint32_t* const x_end = x + a.size();
  const uint32_t* const y_end = y + b.size();
  while (x != x_end && y != y_end) {
    const uint32_t u = *x, v = *y;
    common += u == v;
    x += u <= v;
    y += v <= u;
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

std::optional<int64_t> StatedRequests(absl::string_view text) {
  const std::vector<uint32_t> cps = CodePoints(text);
  constexpr uint32_t kShou = 0x6536, kDao = 0x5230, kShou4 = 0x53D7, kLi = 0x7406;  // 收到 受理
  constexpr uint32_t kShen = 0x7533, kQing = 0x8BF7, kJian = 0x4EF6;                // 申请 件
  constexpr size_t kToApplication = 20;  // characters between 收到 and 申请
  constexpr size_t kToNumber = 12;       // characters between 申请 and the number
  for (size_t i = 0; i + 1 < cps.size(); ++i) {
    const bool received =
        (cps[i] == kShou && cps[i + 1] == kDao) || (cps[i] == kShou4 && cps[i + 1] == kLi);
    if (!received) continue;
    for (size_t j = i + 2; j + 1 < cps.size() && j < i + 2 + kToApplication; ++j) {
      if (cps[j] != kShen || cps[j + 1] != kQing) continue;
      for (size_t k = j + 2; k < cps.size() && k < j + 2 + kToNumber; ++k) {
        if (cps[k] < '0' || cps[k] > '9') continue;
        int64_t value = 0;
        size_t end = k;
        while (end < cps.size() && cps[end] >= '0' && cps[end] <= '9' && value < 1'000'000'000) {
          value = value * 10 + (cps[end] - '0');
          ++end;
        }
        while (end < cps.size() && cps[end] == ' ') ++end;
        if (end < cps.size() && cps[end] == kJian) return value;
        break;  // A number not counting 件 (e.g. a year): look for the next statement.
      }
      break;
    }
  }
  return std::nullopt;
}

}  // namespace gongkai
