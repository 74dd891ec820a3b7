// The text of one cell as a value of its kind (ParseCellText, digit_solver.h): what the digit
// solver tries for each way of splitting a run of digits, and what the table reader reads.
#include <limits>

#include "importer/digit_solver.h"

namespace gongkai::importer {
namespace {

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::optional<int64_t> ParseCellText(absl::string_view text, CellKind kind, MoneyUnit unit) {
  if (text.empty()) return std::nullopt;
  if (kind == CellKind::kMoney) {
    const size_t dot = text.find('.');
    absl::string_view whole = text.substr(0, dot);
    if (!AllDigits(whole) || (whole.size() > 1 && whole[0] == '0')) return std::nullopt;
    if (dot != absl::string_view::npos && !AllDigits(text.substr(dot + 1))) return std::nullopt;
    auto value = ParseMoney(text, unit);
    if (!value.ok()) return std::nullopt;
    return *value;
  }
  bool negative = false;
  if (text[0] == '-') {
    if (kind != CellKind::kSignedCount) return std::nullopt;
    negative = true;
    text.remove_prefix(1);
  }
  if (!AllDigits(text) || (text.size() > 1 && text[0] == '0') || text.size() > 10) {
    return std::nullopt;
  }
  if (negative && text == "0") return std::nullopt;
  int64_t value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  if (value > std::numeric_limits<int32_t>::max()) return std::nullopt;
  return negative ? -value : value;
}

}  // namespace gongkai::importer
