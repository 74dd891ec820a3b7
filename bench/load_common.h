// What the load client's modes share (bench/load_client.cc): the requests of a year, a channel,
// timing summaries printed as one JSON line, closed-loop submits, a background load, and the
// change log head beside the worker's checkpoint.
#ifndef GONGKAI_BENCH_LOAD_COMMON_H_
#define GONGKAI_BENCH_LOAD_COMMON_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/generator.h"
#include "gongkai/v1/report_service.grpc.pb.h"
#include "gongkai/v1/rollup_service.grpc.pb.h"
#include "grpcpp/channel.h"

namespace gongkai::bench {

using Clock = std::chrono::steady_clock;

inline double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// The requests [first, first+how_many) of the year (how_many 0: to the end), made before any
// timing.
std::vector<v1::SubmitReportRequest> Requests(const Generator& gen, int year, int64_t first,
                                              int64_t how_many);

// A plaintext channel that accepts large replies.
std::shared_ptr<grpc::Channel> Channel(const std::string& address);

struct Summary {
  size_t calls = 0;
  size_t failed = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;  // sorted
  std::string first_error;
};

// One JSON line: mode, calls, failures, rate, p50/p99/max, then `extra` (",\"k\":v...").
std::string Json(const std::string& mode, const Summary& s, const std::string& extra = "");
// Prints Json() on stdout (and the first error on stderr); the exit code: 0 without failures.
int Finish(const std::string& mode, const Summary& s, const std::string& extra = "");

// load_client's reads mode (bench/load_reads.cc), its flags there.
int Reads(const Generator& gen);

// Closed loop: `concurrency` SubmitReport calls in flight until every request is sent.
// `stop` (optional) ends it early (background load).
Summary SubmitAll(v1::ReportService::Stub* stub,
                  const std::vector<v1::SubmitReportRequest>& requests, int concurrency,
                  const std::atomic<bool>* stop = nullptr);

// Background submits of `year` while something else is measured: closed loop with
// `concurrency` in flight, or open loop at `rate` calls/s when rate > 0; none when
// concurrency <= 0. Salted per process: every submit is a new revision.
class Background {
 public:
  Background(const std::string& server, const Generator& gen, int concurrency, int year,
             double rate);
  // Stops it; returns its JSON fields.
  std::string Finish();

 private:
  // Open loop: one call every 1/rate s until stopped, however many are in flight.
  Summary SubmitAtRate(double rate);

  std::vector<v1::SubmitReportRequest> requests_;
  std::unique_ptr<v1::ReportService::Stub> stub_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  Summary summary_;
};

// The change log head and the worker's checkpoint.
struct Positions {
  int64_t head = 0;
  int64_t checkpoint = 0;
};
bool ReadPositions(v1::ReportService::Stub* reports, v1::WorkerService::Stub* worker,
                   Positions* out);

}  // namespace gongkai::bench

#endif  // GONGKAI_BENCH_LOAD_COMMON_H_
