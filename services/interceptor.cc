#include "services/interceptor.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "grpcpp/server_context.h"

namespace gongkai {
namespace {

using grpc::experimental::InterceptionHookPoints;

// RPCs that change state are always logged; the others only when they fail (the worker polls
// ListChanges many times a second).
bool ChangesState(absl::string_view method) {
  for (absl::string_view name :
       {"/SubmitReport", "/ParseReport", "/StartRollupJob", "/CreateBackup", "/ApproveReport",
        "/ReturnReport", "/WithdrawReport", "/ExplainFlag", "/DecideFlag"}) {
    if (absl::EndsWith(method, name)) return true;
  }
  return false;
}

// A caller's id is kept when it is short and printable; otherwise a new one is made.
bool UsableRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// Methods of our services and gRPC's keep their name; any other path a client sends (an
// unimplemented method) is "unknown", so clients cannot add series or break the format.
std::string MethodLabel(absl::string_view method) {
  const bool known = absl::StartsWith(method, "/gongkai.v1.") || absl::StartsWith(method, "/grpc.");
  const bool plain = std::all_of(method.begin(), method.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '_';
  });
  return known && plain && method.size() <= 128 ? std::string(method) : "unknown";
}

std::string NewRequestId() {
  thread_local absl::BitGen bits;
  return absl::StrFormat("%016x", absl::Uniform<uint64_t>(bits));
}

class ObservingInterceptor : public grpc::experimental::Interceptor {
 public:
  ObservingInterceptor(grpc::experimental::ServerRpcInfo* info, Metrics* metrics, Logger* logger,
                       const std::function<absl::Time()>* clock, LogBudget* failed_lines)
      : info_(info),
        metrics_(metrics),
        logger_(logger),
        clock_(clock),
        failed_lines_(failed_lines),
        start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      for (const auto& [key, value] : *methods->GetRecvInitialMetadata()) {
        const absl::string_view id(value.data(), value.size());
        if (absl::string_view(key.data(), key.size()) == kRequestIdHeader && UsableRequestId(id)) {
          request_id_ = std::string(id);
        }
      }
    }
    if (request_id_.empty()) request_id_ = NewRequestId();
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kRequestIdHeader, request_id_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      methods->GetSendTrailingMetadata()->emplace(kRequestIdHeader, request_id_);
      grpc::Status status = methods->GetSendStatus();
      // gRPC answers a request it cannot decode (malformed protobuf, a string field that is not
      // UTF-8) with INTERNAL and no message, before any handler runs; no handler of ours
      // returns that. It is the client's error: say so.
      if (status.error_code() == grpc::StatusCode::INTERNAL && status.error_message().empty()) {
        status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                              absl::StrCat("the request could not be decoded as the method's "
                                           "message (malformed protobuf, or a string field "
                                           "that is not valid UTF-8)"));
        methods->ModifySendStatus(status);
      }
      Finish(status);
    }
    methods->Proceed();
  }

 private:
  void Finish(const grpc::Status& status) {
    const absl::Duration latency = absl::Now() - start_;
    // A path no service implements is not a method: one label for all of them.
    const std::string method = status.error_code() == grpc::StatusCode::UNIMPLEMENTED
                                   ? std::string("unknown")
                                   : MethodLabel(info_->method());
    const std::string code(
        absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())));
    if (metrics_ != nullptr) metrics_->RecordRpc(method, code, latency);
    if (logger_ == nullptr || (status.ok() && !ChangesState(method))) return;
    // The worker polls for jobs; "none pending" is its normal answer, not a failure.
    if (status.error_code() == grpc::StatusCode::NOT_FOUND &&
        absl::EndsWith(method, "/ClaimRollupJob")) {
      return;
    }
    int64_t left_out = 0;
    if (!status.ok() &&
        !failed_lines_->Admit(absl::StrCat(method, " ", code), (*clock_)(), &left_out)) {
      return;
    }
    const std::string message = status.error_message();
    std::vector<Logger::Field> fields = {
        {"method", method},
        {"code", code},
        {"duration_ms", absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(latency))},
        {"request_id", request_id_},
        {"peer", info_->server_context()->peer()},
        {"error", message.substr(0, message.find('\n'))}};
    if (left_out > 0) fields.push_back({"left_out", absl::StrCat(left_out)});
    logger_->Log(status.ok() ? "info" : "warning", "rpc", fields);
  }

  grpc::experimental::ServerRpcInfo* info_;
  Metrics* metrics_;
  Logger* logger_;
  const std::function<absl::Time()>* clock_;
  LogBudget* failed_lines_;
  absl::Time start_;
  std::string request_id_;
};

}  // namespace

grpc::experimental::Interceptor* ObservingInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new ObservingInterceptor(info, metrics_, logger_, &clock_, &failed_lines_);
}

}  // namespace gongkai
