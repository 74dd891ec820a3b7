// Reading small files named on the command line (certificates, keys, tokens).
#ifndef GONGKAI_COMMON_FILES_H_
#define GONGKAI_COMMON_FILES_H_

#include <string>

#include "absl/status/statusor.h"

namespace gongkai {

// The contents of a credentials file (PEM, token); INVALID_ARGUMENT naming `flag` when it is
// unreadable or empty. Used by the clients and by the server for its own certificate and key.
absl::StatusOr<std::string> ReadCredentialFile(const std::string& path, const char* flag);

}  // namespace gongkai

#endif  // GONGKAI_COMMON_FILES_H_
