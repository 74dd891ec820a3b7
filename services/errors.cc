#include "services/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "validation/validator.h"

namespace gongkai::error {

absl::Status MissingField(absl::string_view field_path) {
  return absl::InvalidArgumentError(absl::StrCat(field_path, " is required"));
}

absl::Status InvalidField(absl::string_view field_path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field_path, ": ", why));
}

absl::Status ReportRejected(const v1::Verdict& verdict) {
  // Both the message and the details travel in response headers, which clients cap (8 KiB
  // by default): keep each small and say where the rest is.
  constexpr size_t kMessageBudget = 1024;
  constexpr size_t kDetailsBudget = 2048;
  constexpr int kCellsPerViolation = 3;
  int errors = 0;
  for (const v1::Violation& violation : verdict.violations()) {
    if (violation.severity() == v1::SEVERITY_ERROR) ++errors;
  }
  std::string message = absl::StrCat("report rejected: ", errors, " error(s)");
  v1::Verdict details = verdict;
  details.clear_violations();
  int listed = 0;
  for (const v1::Violation& violation : verdict.violations()) {
    const std::string line = absl::StrCat("\n", validation::DescribeViolation(violation));
    if (message.size() + line.size() <= kMessageBudget) {
      message += line;
      ++listed;
    }
    v1::Violation* kept = details.add_violations();
    *kept = violation;
    if (kept->cells_size() > kCellsPerViolation) {
      kept->mutable_cells()->DeleteSubrange(kCellsPerViolation,
                                            kept->cells_size() - kCellsPerViolation);
      details.set_truncated(true);
    }
    if (details.ByteSizeLong() > kDetailsBudget) {
      details.mutable_violations()->RemoveLast();
      details.set_truncated(true);
      break;
    }
  }
  if (listed < verdict.violations_size()) {
    absl::StrAppend(&message, "\n… ", verdict.violations_size() - listed,
                    " more; ValidateReport lists them all");
  }
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kVerdictTypeUrl, absl::Cord(details.SerializeAsString()));
  return status;
}

absl::Status RegionNotFound(absl::string_view code) {
  return absl::NotFoundError(absl::StrCat("region ", code, " is not in the registry"));
}

absl::Status RegionNotFound(absl::string_view code, int year, absl::string_view life) {
  return absl::NotFoundError(absl::StrCat("region ", code, " is not in the registry of ", year,
                                          life.empty() ? "" : absl::StrCat(" (", life, ")")));
}

}  // namespace gongkai::error
