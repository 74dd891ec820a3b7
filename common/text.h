// Text measures used by the narrative flags: shingled similarity (COPIED_NARRATIVE) and the
// request count a narrative states (NARRATIVE_TABLE_MISMATCH, rule R8).
#ifndef GONGKAI_COMMON_TEXT_H_
#define GONGKAI_COMMON_TEXT_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace gongkai {

// Sorted, unique hashes of every run of `size` consecutive characters (code points) of the
// text, ignoring whitespace and ASCII/CJK punctuation. Sets *chars to the characters counted.
std::vector<uint32_t> Shingles(absl::string_view text, int size, int* chars);

// |a ∩ b| / |a ∪ b| of two sorted unique sets; 0 when both are empty.
double Jaccard(absl::Span<const uint32_t> a, absl::Span<const uint32_t> b);

// The number of requests the text says were received: the first "收到" or "受理" followed,
// within a short distance, by "申请" and then an Arabic number with "件" (e.g.
// "共收到政府信息公开申请12件", "受理依申请公开 3 件"). nullopt when none is stated.
std::optional<int64_t> StatedRequests(absl::string_view text);

}  // namespace gongkai

#endif  // GONGKAI_COMMON_TEXT_H_
