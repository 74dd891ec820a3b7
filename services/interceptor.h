// The observing interceptor: gives every RPC a request id (the caller's `x-request-id`, or a
// new one) that comes back in the response headers and trailers, counts it and times it in
// Metrics, and writes an access log line for every state-changing RPC and for failed ones: of
// these at most `failed_call_log_lines_per_second` of each method and code (LogBudget), each
// with how many like it were left out before it. Metrics count every call.
#ifndef GONGKAI_SERVICES_INTERCEPTOR_H_
#define GONGKAI_SERVICES_INTERCEPTOR_H_

#include <functional>
#include <utility>

#include "absl/time/time.h"
#include "grpcpp/support/server_interceptor.h"
#include "observability/log.h"
#include "observability/metrics.h"

namespace gongkai {

inline constexpr char kRequestIdHeader[] = "x-request-id";

class ObservingInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `metrics` and `logger` may be null (then nothing is recorded, or nothing logged). `clock`
  // times the budget's seconds; `failed_call_log_lines_per_second` 0 logs every failed call.
  ObservingInterceptorFactory(Metrics* metrics, Logger* logger, std::function<absl::Time()> clock,
                              int failed_call_log_lines_per_second)
      : metrics_(metrics),
        logger_(logger),
        clock_(std::move(clock)),
        failed_lines_(failed_call_log_lines_per_second) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  Metrics* metrics_;
  Logger* logger_;
  std::function<absl::Time()> clock_;
  LogBudget failed_lines_;
};

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_INTERCEPTOR_H_
