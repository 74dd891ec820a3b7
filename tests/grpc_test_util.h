// A raw unary gRPC call for tests that send bytes no generated stub would (malformed requests,
// unknown methods).
#ifndef GONGKAI_TESTS_GRPC_TEST_UTIL_H_
#define GONGKAI_TESTS_GRPC_TEST_UTIL_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"

namespace gongkai::testing {

// Sends `bytes` as the request of the method at `path` and waits for the status.
inline grpc::Status RawUnaryCall(const std::shared_ptr<grpc::Channel>& channel,
                                 const std::string& path, const std::string& bytes) {
  grpc::GenericStub generic(channel);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer reply;
  grpc::ClientContext context;
  grpc::Status status;
  std::mutex mu;
  std::condition_variable done;
  bool finished = false;
  generic.UnaryCall(&context, path, grpc::StubOptions(), &request, &reply, [&](grpc::Status s) {
    std::lock_guard<std::mutex> lock(mu);
    status = std::move(s);
    finished = true;
    done.notify_one();
  });
  std::unique_lock<std::mutex> lock(mu);
  done.wait(lock, [&] { return finished; });
  return status;
}

}  // namespace gongkai::testing

#endif  // GONGKAI_TESTS_GRPC_TEST_UTIL_H_
