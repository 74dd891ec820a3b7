// Exact money: int64 millionths of 万元 (one unit is 0.01 元). Never floating point.
#ifndef GONGKAI_PROTO_MONEY_H_
#define GONGKAI_PROTO_MONEY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gongkai {

inline constexpr int64_t kMicroPerWan = 1'000'000;

enum class MoneyUnit { kWanYuan, kYuan };

// Formats millionths of 万元 as a plain decimal in 万元 with trailing zeros trimmed
// (93860500 -> "93.8605", 25100000 -> "25.1", 0 -> "0").
std::string FormatWanYuan(int64_t micro_wan);

// Parses a plain decimal ("93.8605", "251000", "-3") in the given unit. Returns
// INVALID_ARGUMENT for anything else, or for more precision than 0.01 元.
absl::StatusOr<int64_t> ParseMoney(absl::string_view text, MoneyUnit unit);

}  // namespace gongkai

#endif  // GONGKAI_PROTO_MONEY_H_
