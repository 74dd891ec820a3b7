// Validation of a submitted report: the consistency rules R1–R4 and R10 of docs/CELLS.md for its
// edition, plus the report-level rules (key, year, edition, region, body code, date, text
// limits, UTF-8). Pure: no storage, no gRPC, no clock (the caller passes the current year).
#ifndef GONGKAI_VALIDATION_VALIDATOR_H_
#define GONGKAI_VALIDATION_VALIDATOR_H_

#include <functional>
#include <string>

#include "absl/strings/string_view.h"
#include "gongkai/v1/report.pb.h"
#include "gongkai/v1/validation.pb.h"

namespace gongkai::validation {

// Report-level rule ids (the cell rules use their docs/CELLS.md ids "R1".."R4", "R10").
inline constexpr absl::string_view kRuleKey = "KEY";
inline constexpr absl::string_view kRuleRegion = "REGION";
inline constexpr absl::string_view kRuleYear = "YEAR";
inline constexpr absl::string_view kRuleEdition = "EDITION";
inline constexpr absl::string_view kRuleEditionForYear = "EDITION_FOR_YEAR";
inline constexpr absl::string_view kRuleBody = "BODY";
inline constexpr absl::string_view kRuleDate = "DATE";
inline constexpr absl::string_view kRuleText = "TEXT";
inline constexpr absl::string_view kRuleUtf8 = "UTF8";
// A sum rule (R1–R4) that cannot be checked: every cell of one side is blank while the other
// side is filled. A warning naming the rule and the blank cells, never an "expected 0".
inline constexpr absl::string_view kRuleUncheckable = "UNCHECKABLE";
// Fields this schema does not know (a newer client's, or padding): a warning; they are not
// stored (the services drop them), so they never count against a reader's limits.
inline constexpr absl::string_view kRuleUnknownFields = "UNKNOWN_FIELDS";

// Limits on text fields, in bytes of UTF-8.
inline constexpr size_t kMaxNarrativeBytes = 200'000;  // per section (≈66,000 characters)
inline constexpr size_t kMaxShortTextBytes = 1'000;    // title, publisher
inline constexpr size_t kMaxUrlBytes = 2'048;

struct ValidationContext {
  // Reports for years after this one are rejected.
  int current_year = 0;
  // Whether a 12-digit code is in the registry's tree of `year` (the report's year). When it
  // is not, it may set `*why` to when the code was in use and what continued it.
  std::function<bool(absl::string_view code, int year, std::string* why)> region_in_use;
};

// The bytes of the report that are fields this schema does not know (at any depth).
size_t UnknownFieldBytes(const v1::Report& report);

// Returns the verdict for the report in the mode (UNSPECIFIED, or an unknown value, means
// strict). In strict mode
// any error makes it unacceptable. In lenient mode the content rules (R1–R4, R10, the 2019
// edition in a later year) are kept as flags and only report-level errors that make the
// report unstorable (key, region, year, edition, body, date, text, UTF-8) reject it.
v1::Verdict Validate(const v1::Report& report, v1::ValidationMode mode,
                     const ValidationContext& context);

// One line per violation: "error R3 总计等于各类申请人之和: 三/一、…/总计 (table3.…): expected 3,
// actual 2".
std::string DescribeViolation(const v1::Violation& violation);

}  // namespace gongkai::validation

#endif  // GONGKAI_VALIDATION_VALIDATOR_H_
