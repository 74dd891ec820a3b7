// What the worker's calls to gongkaid share: its channel's arguments, and gRPC statuses in
// absl's terms. Used by the runner and by its change feed.
#ifndef GONGKAI_WORKER_RUNNER_RPC_H_
#define GONGKAI_WORKER_RUNNER_RPC_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/channel_arguments.h"
#include "grpcpp/support/status.h"

namespace gongkai::worker {

// Channel arguments for a worker's channel: reads of whole years come in large messages, and
// a lost connection is tried again at least every second (gRPC's own backoff grows to two
// minutes, so that a worker could sit idle that long after a long outage of gongkaid ended).
grpc::ChannelArguments WorkerChannelArguments();

// A gRPC status as absl's, its message prefixed with what was being done.
absl::Status FromGrpc(const grpc::Status& status, absl::string_view what);

}  // namespace gongkai::worker

#endif  // GONGKAI_WORKER_RUNNER_RPC_H_
