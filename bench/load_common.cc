#include "bench/load_common.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <limits>

#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/grpcpp.h"

namespace gongkai::bench {

// The requests [offset, offset+count) of the year, made before any timing.
std::vector<v1::SubmitReportRequest> Requests(const Generator& gen, int year, int64_t first,
                                              int64_t how_many) {
  const size_t offset = std::min<size_t>(first, gen.size());
  size_t count = how_many;
  if (count == 0 || offset + count > gen.size()) count = gen.size() - offset;
  std::vector<v1::SubmitReportRequest> out(count);
  for (size_t i = 0; i < count; ++i) out[i] = gen.Make(offset + i, year);
  return out;
}

std::shared_ptr<grpc::Channel> Channel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

std::string Json(const std::string& mode, const Summary& s, const std::string& extra) {
  return absl::StrFormat(
      "{\"mode\":\"%s\",\"calls\":%d,\"failed\":%d,\"seconds\":%.3f,\"per_second\":%.1f,"
      "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f%s}",
      mode, s.calls, s.failed, s.seconds, s.seconds > 0 ? s.calls / s.seconds : 0,
      Percentile(s.latencies_ms, 0.5), Percentile(s.latencies_ms, 0.99),
      s.latencies_ms.empty() ? 0 : s.latencies_ms.back(), extra);
}

// Closed loop: `concurrency` SubmitReport calls in flight until every request is sent.
// `stop` (optional) ends it early (background load).
Summary SubmitAll(v1::ReportService::Stub* stub,
                  const std::vector<v1::SubmitReportRequest>& requests, int concurrency,
                  const std::atomic<bool>* stop) {
  struct Call {
    grpc::ClientContext context;
    v1::SubmitReportResponse response;
    Clock::time_point start;
  };
  std::atomic<size_t> next{0};
  std::atomic<int> active{0};
  std::mutex mu;
  Summary summary;
  absl::Notification done;
  std::function<void()> start_one = [&] {
    const size_t i = next++;
    if (i >= requests.size() || (stop != nullptr && stop->load())) {
      if (--active == 0) done.Notify();
      return;
    }
    auto* call = new Call();
    call->start = Clock::now();
    stub->async()->SubmitReport(&call->context, &requests[i], &call->response,
                                [&, call](grpc::Status status) {
                                  const double ms = Ms(Clock::now() - call->start);
                                  {
                                    std::lock_guard<std::mutex> lock(mu);
                                    ++summary.calls;
                                    summary.latencies_ms.push_back(ms);
                                    if (!status.ok()) {
                                      if (summary.failed++ == 0) {
                                        summary.first_error = status.error_message();
                                      }
                                    }
                                  }
                                  delete call;
                                  start_one();
                                });
  };
  const Clock::time_point begin = Clock::now();
  active = concurrency;
  for (int c = 0; c < concurrency; ++c) start_one();
  done.WaitForNotification();
  summary.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  std::sort(summary.latencies_ms.begin(), summary.latencies_ms.end());
  return summary;
}

Background::Background(const std::string& server, const Generator& gen, int concurrency, int year,
                       double rate) {
  if (concurrency <= 0) return;
  // Salted per process: every background submit is a real new revision, never a repeat.
  const uint32_t salt = static_cast<uint32_t>(getpid());
  for (size_t i = 0; i < gen.size(); ++i) requests_.push_back(gen.Make(i, year, salt));
  stub_ = v1::ReportService::NewStub(Channel(server));
  thread_ = std::thread([this, concurrency, rate] {
    if (rate > 0) {
      summary_ = SubmitAtRate(rate);
    } else {
      summary_ = SubmitAll(stub_.get(), requests_, concurrency, &stop_);
    }
  });
}
Summary Background::SubmitAtRate(double rate) {
  struct Call {
    grpc::ClientContext context;
    v1::SubmitReportResponse response;
  };
  std::atomic<size_t> outstanding{0}, failed{0};
  const Clock::time_point begin = Clock::now();
  size_t k = 0;
  for (; !stop_ && k < requests_.size(); ++k) {
    std::this_thread::sleep_until(begin +
                                  std::chrono::nanoseconds(static_cast<int64_t>(k * 1e9 / rate)));
    auto* call = new Call();
    ++outstanding;
    stub_->async()->SubmitReport(&call->context, &requests_[k], &call->response,
                                 [&, call](grpc::Status status) {
                                   if (!status.ok()) ++failed;
                                   delete call;
                                   --outstanding;
                                 });
  }
  while (outstanding > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  Summary s;
  s.calls = k;
  s.failed = failed;
  s.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  return s;
}

std::string Background::Finish() {
  if (!thread_.joinable()) return "";
  stop_ = true;
  thread_.join();
  return absl::StrFormat(",\"background_per_second\":%.1f,\"background_failed\":%d",
                         summary_.seconds > 0 ? summary_.calls / summary_.seconds : 0,
                         summary_.failed);
}

int Finish(const std::string& mode, const Summary& s, const std::string& extra) {
  std::cout << Json(mode, s, extra) << std::endl;
  if (s.failed > 0)
    std::cerr << "load_client: " << s.failed << " failed: " << s.first_error << "\n";
  return s.failed == 0 ? 0 : 1;
}

bool ReadPositions(v1::ReportService::Stub* reports, v1::WorkerService::Stub* worker,
                   Positions* out) {
  v1::ListChangesRequest request;
  request.set_start_sequence(std::numeric_limits<int64_t>::max());
  request.set_page_size(1);
  v1::ListChangesResponse changes;
  grpc::ClientContext c1;
  if (!reports->ListChanges(&c1, request, &changes).ok()) return false;
  v1::Checkpoint checkpoint;
  grpc::ClientContext c2;
  if (!worker->GetCheckpoint(&c2, v1::GetCheckpointRequest(), &checkpoint).ok()) return false;
  out->head = changes.head_sequence();
  out->checkpoint = checkpoint.sequence();
  return true;
}

}  // namespace gongkai::bench
