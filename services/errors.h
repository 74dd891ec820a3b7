// The error catalogue: every status the services return is decided here, so its code and
// message are consistent everywhere. Storage errors (NOT_FOUND, UNAVAILABLE, DATA_LOSS, ...)
// pass through unchanged.
#ifndef GONGKAI_SERVICES_ERRORS_H_
#define GONGKAI_SERVICES_ERRORS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gongkai/v1/validation.pb.h"

namespace gongkai::error {

// The type URL under which a rejected report's Verdict travels (google.rpc.Status details).
inline constexpr absl::string_view kVerdictTypeUrl = "type.googleapis.com/gongkai.v1.Verdict";

// INVALID_ARGUMENT: a required request field is missing.
absl::Status MissingField(absl::string_view field_path);
// INVALID_ARGUMENT: a request field has a bad value.
absl::Status InvalidField(absl::string_view field_path, absl::string_view why);
// INVALID_ARGUMENT: the report breaks rules; lists them and carries the Verdict as a payload,
// both cut to fit response headers (Verdict.truncated says so).
absl::Status ReportRejected(const v1::Verdict& verdict);
// NOT_FOUND: the region is not in the registry.
absl::Status RegionNotFound(absl::string_view code);
// NOT_FOUND: the region is not in that year's tree; `life` says when it was in use (and what
// continued it), if ever (registry::DescribeLife).
absl::Status RegionNotFound(absl::string_view code, int year, absl::string_view life);

}  // namespace gongkai::error

#endif  // GONGKAI_SERVICES_ERRORS_H_
