// Loads a deterministic national year (bench/generator.h: every region's government and the
// departments of counties, prefectures and provinces) into a running gongkaid over gRPC with
// a synchronous client per thread, and measures durable submit throughput. The suite's
// asynchronous client is bench/load_client.cc (tools/bench.sh).
//
//   build/bin/national_load --server 127.0.0.1:50051 --year 2022 --threads 4 [--limit N]
//
// Then `time build/bin/gongkai recompute 2022` measures a full national recompute end to end.
#include <atomic>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/generator.h"
#include "gongkai/v1/region_service.grpc.pb.h"
#include "gongkai/v1/report_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "gongkaid address.");
ABSL_FLAG(int, year, 2022, "Reporting year (2021 edition mostly, a tenth on the 2019 tables).");
ABSL_FLAG(int, threads, 4, "Concurrent submitting clients.");
ABSL_FLAG(int, limit, 0, "Submit only the first N reports (0: all).");
ABSL_FLAG(int, departments_per_county, 10,
          "Departments per county (15 per prefecture, 20 per province).");

namespace gongkai {
namespace {

int Main() {
  auto channel =
      grpc::CreateChannel(absl::GetFlag(FLAGS_server), grpc::InsecureChannelCredentials());
  auto regions_stub = v1::RegionService::NewStub(channel);
  std::vector<v1::Region> regions;
  v1::ListRegionsRequest list;
  list.set_page_size(5000);
  do {
    v1::ListRegionsResponse page;
    grpc::ClientContext context;
    grpc::Status status = regions_stub->ListRegions(&context, list, &page);
    if (!status.ok()) {
      std::cerr << "national_load: " << status.error_message() << "\n";
      return 1;
    }
    for (const v1::Region& r : page.regions()) {
      if (r.level() != v1::LEVEL_NATION && !r.placeholder()) regions.push_back(r);
    }
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  bench::GeneratorOptions options;
  options.departments_per_county = absl::GetFlag(FLAGS_departments_per_county);
  options.departments_per_prefecture = options.departments_per_county * 3 / 2;
  options.departments_per_province = options.departments_per_county * 2;
  const bench::Generator gen(regions, options);
  size_t reports = gen.size();
  if (int limit = absl::GetFlag(FLAGS_limit); limit > 0 && static_cast<size_t>(limit) < reports) {
    reports = limit;
  }
  const int year = absl::GetFlag(FLAGS_year);
  const int threads = absl::GetFlag(FLAGS_threads);
  std::atomic<size_t> next{0};
  std::atomic<int> stored{0}, flagged{0}, failed{0};
  std::vector<std::vector<double>> latencies(threads);
  const absl::Time start = absl::Now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto stub = v1::ReportService::NewStub(channel);
      for (size_t i = next++; i < reports; i = next++) {
        const v1::SubmitReportRequest request = gen.Make(i, year);
        v1::SubmitReportResponse response;
        grpc::ClientContext context;
        const absl::Time before = absl::Now();
        grpc::Status status = stub->SubmitReport(&context, request, &response);
        latencies[t].push_back(absl::ToDoubleMilliseconds(absl::Now() - before));
        if (!status.ok()) {
          if (++failed <= 3) std::cerr << "national_load: " << status.error_message() << "\n";
        } else if (response.revision().verdict().violations_size() > 0) {
          ++flagged;
        } else {
          ++stored;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0 : all[static_cast<size_t>(p * (all.size() - 1))];
  };
  std::cout << absl::StrFormat(
      "%zu reports in %.1f s with %d clients: %.0f/s; stored %d, stored with flags %d, failed "
      "%d; latency p50 %.2f ms, p99 %.2f ms\n",
      reports, seconds, threads, reports / seconds, stored.load(), flagged.load(), failed.load(),
      pct(0.5), pct(0.99));
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace gongkai

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return gongkai::Main();
}
