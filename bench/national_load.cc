// Loads a deterministic national year into a running gongkaid over gRPC and measures durable
// submit throughput: one government report for every region of the registry (placeholders
// and the nation excepted), both editions, sparse zero-inflated counts consistent with R1–R4,
// and a small share submitted leniently with a rule broken.
//
//   build/bin/national_load --server 127.0.0.1:50051 --year 2022 --threads 4 [--limit N]
//
// Then `time build/bin/gongkai recompute 2022` measures a full national recompute end to end.
#include <atomic>
#include <iostream>
#include <random>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "gongkai/v1/region_service.grpc.pb.h"
#include "gongkai/v1/report_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "proto/cells.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "gongkaid address.");
ABSL_FLAG(int, year, 2022, "Reporting year (2021 edition mostly, a tenth on the 2019 tables).");
ABSL_FLAG(int, threads, 4, "Concurrent submitting clients.");
ABSL_FLAG(int, limit, 0, "Submit only the first N regions (0: all).");

namespace gongkai {
namespace {

// A report whose table 三 satisfies R1–R3 (new requests all granted) and table 四 R4.
v1::Report MakeReport(const v1::Region& region, int year, std::mt19937& rng, bool break_rule) {
  v1::Report report;
  report.mutable_key()->set_region_code(region.code());
  report.mutable_key()->set_year(year);
  report.mutable_key()->set_scope(v1::SCOPE_OWN);
  const bool old_tables = rng() % 10 == 0;
  report.set_edition(old_tables ? v1::EDITION_2019 : v1::EDITION_2021);
  report.set_publication_date(absl::StrFormat("%d-01-%02d", year + 1, 1 + rng() % 28));
  report.mutable_narrative()->set_problems(
      "一是政务公开工作人员业务水平有待提高；二是公开内容不够丰富，部分信息更新不够及时。");
  auto zero_inflated = [&](int max) { return rng() % 3 == 0 ? static_cast<int>(rng() % max) : 0; };
  v1::ApplicantCounts* fresh = report.mutable_table3()->mutable_new_requests();
  v1::ApplicantCounts* granted = report.mutable_table3()->mutable_results()->mutable_granted();
  v1::ApplicantCounts* total = report.mutable_table3()->mutable_results()->mutable_total();
  const int natural = zero_inflated(30), business = zero_inflated(5);
  for (v1::ApplicantCounts* row : {fresh, granted, total}) {
    row->set_natural_person(natural);
    row->set_commercial_enterprise(business);
    row->set_total(natural + business);
  }
  if (break_rule) fresh->set_total(natural + business + 1);
  for (v1::CaseOutcomes* row : {report.mutable_table4()->mutable_reconsideration(),
                                report.mutable_table4()->mutable_litigation()->mutable_direct()}) {
    const int upheld = zero_inflated(3), corrected = zero_inflated(2);
    row->set_upheld(upheld);
    row->set_corrected(corrected);
    row->set_total(upheld + corrected);
  }
  for (const CellSpec& cell : CellsOf(report.edition())) {
    if (cell.table != "二" || rng() % 2 == 0) continue;
    SetCell(&report, cell, cell.kind == CellKind::kMoney ? rng() % 5'000'000 : zero_inflated(20));
  }
  return report;
}

int Main() {
  auto channel = grpc::CreateChannel(absl::GetFlag(FLAGS_server), grpc::InsecureChannelCredentials());
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
  if (int limit = absl::GetFlag(FLAGS_limit); limit > 0 && limit < static_cast<int>(regions.size())) {
    regions.resize(limit);
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
      for (size_t i = next++; i < regions.size(); i = next++) {
        std::mt19937 rng(static_cast<uint32_t>(i * 7919 + year));  // deterministic per region
        const bool break_rule = i % 50 == 0;
        v1::SubmitReportRequest request;
        *request.mutable_report() = MakeReport(regions[i], year, rng, break_rule);
        // Rule breaks and 2019 tables in a later year are kept only leniently (as flags).
        const bool lenient = break_rule || (request.report().edition() == v1::EDITION_2019 &&
                                            year >= 2021);
        request.set_mode(lenient ? v1::VALIDATION_MODE_LENIENT : v1::VALIDATION_MODE_STRICT);
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
  auto pct = [&](double p) { return all.empty() ? 0 : all[static_cast<size_t>(p * (all.size() - 1))]; };
  std::cout << absl::StrFormat(
      "%zu reports in %.1f s with %d clients: %.0f/s; stored %d, stored with flags %d, failed "
      "%d; latency p50 %.2f ms, p99 %.2f ms\n",
      regions.size(), seconds, threads, regions.size() / seconds, stored.load(), flagged.load(),
      failed.load(), pct(0.5), pct(0.99));
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace gongkai

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return gongkai::Main();
}
