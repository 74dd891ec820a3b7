#include "services/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "services/validation/validator.h"

namespace gongkai::error {

absl::Status MissingField(absl::string_view field_path) {
  return absl::InvalidArgumentError(absl::StrCat(field_path, " is required"));
}

absl::Status InvalidField(absl::string_view field_path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field_path, ": ", why));
}

absl::Status ReportRejected(const v1::Verdict& verdict) {
  int errors = 0;
  std::string lines;
  for (const v1::Violation& violation : verdict.violations()) {
    if (violation.severity() == v1::SEVERITY_ERROR) ++errors;
    absl::StrAppend(&lines, "\n", validation::DescribeViolation(violation));
  }
  absl::Status status = absl::InvalidArgumentError(
      absl::StrCat("report rejected: ", errors, " error(s)", lines));
  status.SetPayload(kVerdictTypeUrl, absl::Cord(verdict.SerializeAsString()));
  return status;
}

absl::Status RegionNotFound(absl::string_view code) {
  return absl::NotFoundError(absl::StrCat("region ", code, " is not in the registry"));
}

}  // namespace gongkai::error
