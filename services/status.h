// The one conversion from absl::Status (the project's error vocabulary) to grpc::Status.
#ifndef GONGKAI_SERVICES_STATUS_H_
#define GONGKAI_SERVICES_STATUS_H_

#include "absl/status/status.h"
#include "common/status_macros.h"  // IWYU pragma: export
#include "grpcpp/support/status.h"

namespace gongkai {

// The codes share numbers, so this is a cast, a cap on the message length, and the status's
// protobuf payloads (see errors.h) carried as google.rpc.Status details.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_STATUS_H_
