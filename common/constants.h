// The domain's constants, in one place.
#ifndef GONGKAI_COMMON_CONSTANTS_H_
#define GONGKAI_COMMON_CONSTANTS_H_

#include "absl/strings/string_view.h"

namespace gongkai {

// The nation's region code: the root of every region tree.
inline constexpr absl::string_view kNationCode = "000000000000";

// The first year of reports in the national format (the 2019 revision of the regulations).
inline constexpr int kFirstReportingYear = 2019;

// The largest page any listing returns; larger page sizes are capped to it.
inline constexpr int kMaxPageSize = 1000;

}  // namespace gongkai

#endif  // GONGKAI_COMMON_CONSTANTS_H_
