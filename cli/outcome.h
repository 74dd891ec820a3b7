// How a gongkai command ends, and the exit code that follows from it.
//
// Commands and their argument helpers return absl::Status; a non-OK status carries its kind
// as a payload under kOutcomeKindUrl, which decides the exit code and what is printed:
//
//   kind       made by          exit  stderr
//   "usage"    UsageError(m)    2     "gongkai: m"   (bad arguments or local input)
//   "refused"  Cli::Refused(s)  1     "gongkai: m"   (m: the server's code, first line of its
//                                                    message, a rejected report's violations)
//   "failed"   Failed(m)        1     "gongkai: m", nothing when m is empty (the command ran
//                                    and says so on stdout: validate's "rejected", a health
//                                    status other than SERVING, a recompute with drift, an
//                                    import with failures)
//   none       any other error  2     "gongkai: m"   (a local problem: a file that cannot be
//                                                    read or written, an export that fails)
//
// The status code is informational (a refusal keeps the server's code); only the kind
// decides the exit code.
#ifndef GONGKAI_CLI_OUTCOME_H_
#define GONGKAI_CLI_OUTCOME_H_

#include <ostream>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace gongkai::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;

inline constexpr char kOutcomeKindUrl[] = "gongkai.cli/outcome_kind";

// A usage or local input error: INVALID_ARGUMENT of kind "usage" (exit 2).
absl::Status UsageError(absl::string_view message);

// A refusal by the server whose printed form is `message`: `code` of kind "refused" (exit 1).
// Cli::Refused builds it from a grpc::Status.
absl::Status RefusedError(absl::StatusCode code, absl::string_view message);

// A command that ran to a failed outcome: ABORTED of kind "failed" (exit 1). An empty message
// prints nothing (the command has already said so on stdout).
absl::Status Failed(absl::string_view message = "");

// The exit code for `status` (0 for OK); prints the error line(s) to `err` as the table above.
int ExitCode(const absl::Status& status, std::ostream& err);

}  // namespace gongkai::cli

#endif  // GONGKAI_CLI_OUTCOME_H_
