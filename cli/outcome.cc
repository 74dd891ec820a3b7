#include "cli/outcome.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/types/optional.h"

namespace gongkai::cli {
namespace {

constexpr char kUsage[] = "usage";
constexpr char kRefused[] = "refused";
constexpr char kFailed[] = "failed";

absl::Status WithKind(absl::Status status, absl::string_view kind) {
  status.SetPayload(kOutcomeKindUrl, absl::Cord(kind));
  return status;
}

bool IsKind(const absl::Status& status, absl::string_view kind) {
  const absl::optional<absl::Cord> payload = status.GetPayload(kOutcomeKindUrl);
  return payload.has_value() && *payload == kind;
}

}  // namespace

absl::Status UsageError(absl::string_view message) {
  return WithKind(absl::InvalidArgumentError(message), kUsage);
}

absl::Status RefusedError(absl::StatusCode code, absl::string_view message) {
  return WithKind(absl::Status(code, message), kRefused);
}

absl::Status Failed(absl::string_view message) {
  return WithKind(absl::AbortedError(message), kFailed);
}

int ExitCode(const absl::Status& status, std::ostream& err) {
  if (status.ok()) return kExitOk;
  const bool failed = IsKind(status, kFailed);
  if (!failed || !status.message().empty()) err << "gongkai: " << status.message() << "\n";
  return failed || IsKind(status, kRefused) ? kExitRefused : kExitUsage;
}

}  // namespace gongkai::cli
