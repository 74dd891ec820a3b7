// load_client's reads mode (bench/load_client.cc): GetRollup, GetReport, ListAnomalies or the
// floor (RegionService.GetRegion) in an open loop at a fixed rate, beside an optional background
// load; latency from each call's scheduled time, so a stall counts in full.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "bench/generator.h"
#include "bench/load_common.h"
#include "gongkai/v1/region_service.grpc.pb.h"
#include "gongkai/v1/report_service.grpc.pb.h"
#include "gongkai/v1/rollup_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(std::string, rpc, "GetRollup",
          "reads mode: GetRollup, GetReport, ListAnomalies or floor (RegionService.GetRegion: "
          "an in-memory lookup).");
ABSL_FLAG(double, rate, 1000, "reads mode: calls per second (open loop).");
ABSL_FLAG(double, seconds, 5, "reads mode: duration.");
ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(int, year);
ABSL_DECLARE_FLAG(int, background_concurrency);
ABSL_DECLARE_FLAG(int, background_year);
ABSL_DECLARE_FLAG(double, background_rate);

namespace gongkai::bench {

int Reads(const Generator& gen) {
  const std::string server = absl::GetFlag(FLAGS_server);
  auto channel = Channel(server);
  auto reports = v1::ReportService::NewStub(channel);
  auto rollups = v1::RollupService::NewStub(channel);
  const std::string rpc = absl::GetFlag(FLAGS_rpc);
  const int year = absl::GetFlag(FLAGS_year);
  const double rate = absl::GetFlag(FLAGS_rate);
  const size_t total = static_cast<size_t>(rate * absl::GetFlag(FLAGS_seconds));
  if (rpc != "GetRollup" && rpc != "GetReport" && rpc != "ListAnomalies" && rpc != "floor") {
    std::cerr << "load_client: --rpc must be GetRollup, GetReport, ListAnomalies or floor\n";
    return 2;
  }
  auto regions = v1::RegionService::NewStub(channel);
  // Counties and above for anomalies (a page of a township's set is trivially small).
  std::vector<std::string> anomaly_regions;
  for (const v1::Region& r : gen.regions()) {
    if (r.level() != v1::LEVEL_TOWNSHIP) anomaly_regions.push_back(r.code());
  }
  // A key for each call, drawn before any timing, as pg_bench's (making a report to take its
  // key costs the sending thread tens of microseconds, which counted in the latency from the
  // schedule).
  std::mt19937 rng(11);
  std::vector<v1::ReportKey> report_keys;
  if (rpc == "GetReport") {
    report_keys.reserve(total);
    for (size_t k = 0; k < total; ++k) {
      report_keys.push_back(gen.Make(rng() % gen.size(), year).report().key());
    }
  }
  Background background(server, gen, absl::GetFlag(FLAGS_background_concurrency),
                        absl::GetFlag(FLAGS_background_year), absl::GetFlag(FLAGS_background_rate));
  struct Call {
    grpc::ClientContext context;
    v1::GetRollupRequest rollup_request;
    v1::Rollup rollup;
    v1::GetReportRequest report_request;
    v1::Revision report;
    v1::ListAnomaliesRequest anomalies_request;
    v1::ListAnomaliesResponse anomalies;
    v1::GetRegionRequest region_request;
    v1::Region region;
    Clock::time_point scheduled;
  };
  std::mutex mu;
  Summary s;
  std::atomic<size_t> outstanding{0};
  const Clock::time_point begin = Clock::now();
  for (size_t k = 0; k < total; ++k) {
    const Clock::time_point scheduled =
        begin + std::chrono::nanoseconds(static_cast<int64_t>(k * 1e9 / rate));
    std::this_thread::sleep_until(scheduled);
    auto* call = new Call();
    call->scheduled = scheduled;
    ++outstanding;
    auto done = [&, call](grpc::Status status) {
      const double ms = Ms(Clock::now() - call->scheduled);
      {
        std::lock_guard<std::mutex> lock(mu);
        ++s.calls;
        s.latencies_ms.push_back(ms);
        if (!status.ok() && s.failed++ == 0) s.first_error = status.error_message();
      }
      delete call;
      --outstanding;
    };
    if (rpc == "floor") {
      call->region_request.set_code(gen.regions()[rng() % gen.regions().size()].code());
      call->region_request.set_year(year);
      regions->async()->GetRegion(&call->context, &call->region_request, &call->region, done);
    } else if (rpc == "GetRollup") {
      const size_t r = rng() % (gen.regions().size() + 1);
      call->rollup_request.set_region_code(r == gen.regions().size() ? "000000000000"
                                                                     : gen.regions()[r].code());
      call->rollup_request.set_year(year);
      rollups->async()->GetRollup(&call->context, &call->rollup_request, &call->rollup, done);
    } else if (rpc == "GetReport") {
      *call->report_request.mutable_key() = report_keys[k];
      call->report_request.set_view(v1::REPORT_VIEW_FULL);
      reports->async()->GetReport(&call->context, &call->report_request, &call->report, done);
    } else {
      call->anomalies_request.set_region_code(anomaly_regions[rng() % anomaly_regions.size()]);
      call->anomalies_request.set_year(year);
      call->anomalies_request.set_page_size(50);
      rollups->async()->ListAnomalies(&call->context, &call->anomalies_request, &call->anomalies,
                                      done);
    }
  }
  while (outstanding > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  s.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  const std::string extra = background.Finish();
  std::sort(s.latencies_ms.begin(), s.latencies_ms.end());
  return Finish("reads", s, absl::StrFormat(",\"rpc\":\"%s\",\"rate\":%.0f%s", rpc, rate, extra));
}

// Every flag of the year in the nation, counted by kind (a check that incremental and full
// flags agree: run it before and after a recompute).

}  // namespace gongkai::bench
