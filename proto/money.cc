#include "money.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace gongkai {

std::string FormatWanYuan(int64_t micro_wan) {
  const bool negative = micro_wan < 0;
  // Work in unsigned to format INT64_MIN safely.
  uint64_t magnitude =
      negative ? 0 - static_cast<uint64_t>(micro_wan) : static_cast<uint64_t>(micro_wan);
  std::string out = absl::StrCat(negative ? "-" : "", magnitude / kMicroPerWan);
  uint64_t fraction = magnitude % kMicroPerWan;
  if (fraction != 0) {
    std::string digits = std::to_string(fraction);
    digits.insert(0, 6 - digits.size(), '0');
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    absl::StrAppend(&out, ".", digits);
  }
  return out;
}

absl::StatusOr<int64_t> ParseMoney(absl::string_view text, MoneyUnit unit) {
  text = absl::StripAsciiWhitespace(text);
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  const size_t dot = text.find('.');
  absl::string_view whole = text.substr(0, dot);
  absl::string_view fraction =
      dot == absl::string_view::npos ? absl::string_view() : text.substr(dot + 1);
  auto all_digits = [](absl::string_view s) {
    for (char c : s) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
  };
  if (whole.empty() || !all_digits(whole) || !all_digits(fraction) ||
      (dot != absl::string_view::npos && fraction.empty())) {
    return absl::InvalidArgumentError(absl::StrCat("not a decimal amount: \"", text, "\""));
  }
  // 万元 with 6 decimals and 元 with 2 (分) are both millionths of 万元.
  const int decimals = unit == MoneyUnit::kWanYuan ? 6 : 2;
  while (fraction.size() > static_cast<size_t>(decimals) && fraction.back() == '0') {
    fraction.remove_suffix(1);
  }
  if (fraction.size() > static_cast<size_t>(decimals)) {
    return absl::InvalidArgumentError(absl::StrCat("amount \"", text, "\" is finer than 0.01 元"));
  }
  // value = value * 10 + digit, refused rather than wrapped past int64 (every digit checked:
  // 9223372036854.775808 万元 is one millionth too many).
  int64_t value = 0;
  auto push = [&](int digit) {
    return !__builtin_mul_overflow(value, 10, &value) &&
           !__builtin_add_overflow(value, digit, &value);
  };
  const absl::Status out_of_range = absl::InvalidArgumentError(absl::StrCat(
      "amount \"", text, "\" is out of range (at most 9223372036854.775807 万元)"));
  for (char c : whole) {
    if (!push(c - '0')) return out_of_range;
  }
  for (int i = 0; i < decimals; ++i) {
    if (!push(i < static_cast<int>(fraction.size()) ? fraction[i] - '0' : 0)) return out_of_range;
  }
  return negative ? -value : value;
}

}  // namespace gongkai
