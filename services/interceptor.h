// The observing interceptor: gives every RPC a request id (the caller's `x-request-id`, or a
// new one) that comes back in the response headers and trailers, counts it and times it in
// Metrics, and writes an access log line for every failed RPC and every state-changing one.
#ifndef GONGKAI_SERVICES_INTERCEPTOR_H_
#define GONGKAI_SERVICES_INTERCEPTOR_H_

#include "grpcpp/support/server_interceptor.h"
#include "observability/log.h"
#include "observability/metrics.h"

namespace gongkai {

inline constexpr char kRequestIdHeader[] = "x-request-id";

class ObservingInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // Either may be null (then nothing is recorded, or nothing logged).
  ObservingInterceptorFactory(Metrics* metrics, Logger* logger)
      : metrics_(metrics), logger_(logger) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  Metrics* metrics_;
  Logger* logger_;
};

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_INTERCEPTOR_H_
