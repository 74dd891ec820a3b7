// The load client of the benchmark suite (issue 6): asynchronous gRPC (callback API) against a
// running gongkaid, with the generator's reports (bench/generator.h). One measurement per run,
// printed as one JSON line on stdout; tools/bench.sh runs them and writes docs/BENCHMARKS.md.
//
//   load_client --mode=submit --server=H:P --year=2022 --offset=0 --count=5000 --concurrency=16
//       durable submits, closed loop with `concurrency` calls in flight; throughput, p50/p99
//   load_client --mode=echo ...      the same requests to an echo server in this process
//                                    (gRPC only: no validation, no storage) — the ceiling
//   load_client --mode=rocks --dir=D ...   the same serialized requests written to a fresh
//                                    RocksDB with WriteOptions.sync, `concurrency` threads
//   load_client --mode=catchup       waits until the worker's checkpoint reaches the head
//   load_client --mode=recompute --year=Y --repeat=3   full recomputes (rollup jobs), timed
//   load_client --mode=restate --year=Y --on_tree=T --repeat=3   the nation's rollup of Y restated
//       on T's tree (GetRollup with onTree, computed on demand), timed
//   load_client --mode=freshness --probes=200 --background_concurrency=4 --background_year=Y2
//       submit → acknowledged → checkpoint (the nation's rollup) reflects it, under load
//   load_client --mode=reads --rpc=GetRollup --rate=5000 --seconds=10 [--background_...]
//       open loop at a fixed rate; latency from each call's scheduled time. --rpc=floor:
//       RegionService.GetRegion of a random region (an in-memory lookup through the same server
//       threads, interceptor and checks) — the stack's own cost, a floor for the reads' latencies
//   load_client --mode=anomalies --year=Y  the year's flags in the nation, counted by kind
//   load_client --mode=generate --count=N   generator check: sizes, rule consistency
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "bench/generator.h"
#include "bench/load_common.h"
#include "gongkai/v1/report_service.grpc.pb.h"
#include "gongkai/v1/rollup_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "proto/anomaly_kind.h"
#include "rocksdb/db.h"

ABSL_FLAG(std::string, mode, "submit",
          "submit, echo, rocks, catchup, recompute, freshness, reads or generate.");
ABSL_FLAG(std::string, server, "127.0.0.1:50051", "gongkaid address.");
ABSL_FLAG(int, year, 2022, "Reporting year of the reports submitted, read or recomputed.");
ABSL_FLAG(int64_t, offset, 0, "First report (generator index) to submit.");
ABSL_FLAG(int64_t, count, 0, "Reports to submit (0: all from --offset).");
ABSL_FLAG(int, concurrency, 4, "Calls in flight (submit, echo) or writing threads (rocks).");
ABSL_FLAG(std::string, dir, "", "RocksDB directory (rocks mode; created, must not exist).");
ABSL_FLAG(int, repeat, 1, "Full recomputes to time (recompute mode).");
ABSL_FLAG(int, on_tree, 2023, "restate mode: the year whose tree the rollup is restated on.");
ABSL_FLAG(int, probes, 100, "Freshness probes.");
ABSL_FLAG(int, background_concurrency, 0,
          "freshness and reads modes: submits in flight in the background (0: none).");
ABSL_FLAG(int, background_year, 2023, "Year of the background submits.");
ABSL_FLAG(double, background_rate, 0,
          "If > 0, the background submits go at this fixed rate (open loop, calls/s) instead of "
          "as fast as --background_concurrency calls in flight allow.");
ABSL_FLAG(double, timeout, 600, "catchup and recompute modes: give up after this many seconds.");

namespace gongkai::bench {
namespace {

// The echo ceiling's server: the same RPC and messages, nothing done.
class EchoService final : public v1::ReportService::Service {
  grpc::Status SubmitReport(grpc::ServerContext*, const v1::SubmitReportRequest* request,
                            v1::SubmitReportResponse* response) override {
    *response->mutable_revision()->mutable_key() = request->report().key();
    response->mutable_revision()->set_revision(1);
    response->set_created(true);
    return grpc::Status::OK;
  }
};

int Submit(const Generator& gen) {
  const auto requests = Requests(gen, absl::GetFlag(FLAGS_year), absl::GetFlag(FLAGS_offset),
                                 absl::GetFlag(FLAGS_count));
  auto stub = v1::ReportService::NewStub(Channel(absl::GetFlag(FLAGS_server)));
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  return Finish("submit", SubmitAll(stub.get(), requests, concurrency),
                absl::StrFormat(",\"concurrency\":%d", concurrency));
}

int Echo(const Generator& gen) {
  const auto requests = Requests(gen, absl::GetFlag(FLAGS_year), absl::GetFlag(FLAGS_offset),
                                 absl::GetFlag(FLAGS_count));
  EchoService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  auto stub = v1::ReportService::NewStub(Channel(absl::StrCat("127.0.0.1:", port)));
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const int rc = Finish("echo", SubmitAll(stub.get(), requests, concurrency),
                        absl::StrFormat(",\"concurrency\":%d", concurrency));
  server->Shutdown();
  return rc;
}

int Rocks(const Generator& gen) {
  const auto requests = Requests(gen, absl::GetFlag(FLAGS_year), absl::GetFlag(FLAGS_offset),
                                 absl::GetFlag(FLAGS_count));
  const std::string dir = absl::GetFlag(FLAGS_dir);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.error_if_exists = true;
  rocksdb::DB* raw = nullptr;
  if (rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw); !s.ok()) {
    std::cerr << "load_client: " << s.ToString() << "\n";
    return 1;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  std::vector<std::string> keys, values;
  for (const auto& r : requests) {
    const v1::ReportKey& k = r.report().key();
    keys.push_back(absl::StrCat(k.year(), "/", k.region_code(), "/", k.scope(), "/", k.body()));
    values.push_back(r.SerializeAsString());
  }
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  std::atomic<size_t> next{0};
  std::vector<std::vector<double>> latencies(concurrency);
  std::atomic<size_t> failed{0};
  const Clock::time_point begin = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      rocksdb::WriteOptions write;
      write.sync = true;
      for (size_t i = next++; i < keys.size(); i = next++) {
        const Clock::time_point start = Clock::now();
        if (!db->Put(write, keys[i], values[i]).ok()) ++failed;
        latencies[t].push_back(Ms(Clock::now() - start));
      }
    });
  }
  for (auto& t : threads) t.join();
  Summary s;
  s.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  for (const auto& l : latencies) s.latencies_ms.insert(s.latencies_ms.end(), l.begin(), l.end());
  std::sort(s.latencies_ms.begin(), s.latencies_ms.end());
  s.calls = keys.size();
  s.failed = failed;
  db.reset();
  std::filesystem::remove_all(dir);
  return Finish("rocks", s, absl::StrFormat(",\"concurrency\":%d", concurrency));
}

int Catchup() {
  auto channel = Channel(absl::GetFlag(FLAGS_server));
  auto reports = v1::ReportService::NewStub(channel);
  auto worker = v1::WorkerService::NewStub(channel);
  const Clock::time_point begin = Clock::now();
  const double timeout = absl::GetFlag(FLAGS_timeout);
  Positions p;
  for (;;) {
    const bool ok = ReadPositions(reports.get(), worker.get(), &p);
    const double waited = std::chrono::duration<double>(Clock::now() - begin).count();
    if (ok && p.checkpoint >= p.head) {
      std::cout << absl::StrFormat("{\"mode\":\"catchup\",\"seconds\":%.3f,\"head\":%d}", waited,
                                   p.head)
                << std::endl;
      return 0;
    }
    if (waited > timeout) {
      std::cerr << "load_client: the worker did not catch up (checkpoint " << p.checkpoint
                << ", head " << p.head << ")\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Timed repetitions as the JSON lines print them: the median, and every run in order.
struct Repetitions {
  double median = 0;
  std::string runs;  // "0.650,0.648,…"
};
Repetitions Summarize(const std::vector<double>& walls) {
  std::vector<double> sorted = walls;
  std::sort(sorted.begin(), sorted.end());
  Repetitions out{.median = Percentile(sorted, 0.5)};
  for (double w : walls) {
    absl::StrAppend(&out.runs, out.runs.empty() ? "" : ",", absl::StrFormat("%.3f", w));
  }
  return out;
}

int Recompute() {
  auto channel = Channel(absl::GetFlag(FLAGS_server));
  auto rollups = v1::RollupService::NewStub(channel);
  const int year = absl::GetFlag(FLAGS_year);
  std::vector<double> walls;
  int reports = 0, drifted = 0;
  for (int r = 0; r < absl::GetFlag(FLAGS_repeat); ++r) {
    const Clock::time_point begin = Clock::now();
    v1::StartRollupJobRequest start;
    start.set_year(year);
    v1::RollupJob job;
    grpc::ClientContext context;
    if (grpc::Status s = rollups->StartRollupJob(&context, start, &job); !s.ok()) {
      std::cerr << "load_client: " << s.error_message() << "\n";
      return 1;
    }
    while (job.state() != v1::JOB_STATE_SUCCEEDED && job.state() != v1::JOB_STATE_FAILED) {
      if (std::chrono::duration<double>(Clock::now() - begin).count() >
          absl::GetFlag(FLAGS_timeout)) {
        std::cerr << "load_client: the job did not finish\n";
        return 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      v1::GetRollupJobRequest get;
      get.set_id(job.id());
      grpc::ClientContext c;
      if (!rollups->GetRollupJob(&c, get, &job).ok()) return 1;
    }
    if (job.state() != v1::JOB_STATE_SUCCEEDED) {
      std::cerr << "load_client: the job failed: " << job.error() << "\n";
      return 1;
    }
    walls.push_back(std::chrono::duration<double>(Clock::now() - begin).count());
    reports = job.reports();
    drifted = std::max(drifted, job.drifted_regions());
  }
  const auto [median, runs] = Summarize(walls);
  std::cout << absl::StrFormat(
                   "{\"mode\":\"recompute\",\"year\":%d,\"reports\":%d,\"median_seconds\":%.3f,"
                   "\"reports_per_second\":%.0f,\"drifted_regions\":%d,\"runs\":[%s]}",
                   year, reports, median, median > 0 ? reports / median : 0, drifted, runs)
            << std::endl;
  return drifted == 0 ? 0 : 1;
}

int Restate() {
  auto rollups = v1::RollupService::NewStub(Channel(absl::GetFlag(FLAGS_server)));
  v1::GetRollupRequest request;
  request.set_region_code("000000000000");
  request.set_year(absl::GetFlag(FLAGS_year));
  request.set_on_tree(absl::GetFlag(FLAGS_on_tree));
  std::vector<double> walls;
  v1::Rollup rollup;
  for (int r = 0; r < absl::GetFlag(FLAGS_repeat); ++r) {
    const Clock::time_point begin = Clock::now();
    grpc::ClientContext context;
    if (grpc::Status s = rollups->GetRollup(&context, request, &rollup); !s.ok()) {
      std::cerr << "load_client: " << s.error_message() << "\n";
      return 1;
    }
    walls.push_back(std::chrono::duration<double>(Clock::now() - begin).count());
  }
  const auto [median, runs] = Summarize(walls);
  std::cout << absl::StrFormat(
                   "{\"mode\":\"restate\",\"year\":%d,\"on_tree\":%d,\"reports\":%d,"
                   "\"unmapped_reports\":%d,\"median_seconds\":%.3f,\"runs\":[%s]}",
                   request.year(), request.on_tree(), rollup.reports(), rollup.unmapped_reports(),
                   median, runs)
            << std::endl;
  return 0;
}

int Freshness(const Generator& gen) {
  const std::string server = absl::GetFlag(FLAGS_server);
  auto channel = Channel(server);
  auto reports = v1::ReportService::NewStub(channel);
  auto worker = v1::WorkerService::NewStub(channel);
  auto rollups = v1::RollupService::NewStub(channel);
  const int year = absl::GetFlag(FLAGS_year);
  Background background(server, gen, absl::GetFlag(FLAGS_background_concurrency),
                        absl::GetFlag(FLAGS_background_year), absl::GetFlag(FLAGS_background_rate));
  std::mt19937 rng(7);
  Summary s;
  int64_t last_sequence = 0;
  for (int probe = 0; probe < absl::GetFlag(FLAGS_probes); ++probe) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10 + rng() % 20));
    // Salted per process and probe: always a new revision (an unchanged resubmission would
    // be acknowledged with the old sequence, already rolled up).
    v1::SubmitReportRequest request =
        gen.Make(rng() % gen.size(), year, (static_cast<uint32_t>(getpid()) << 10) + probe + 1);
    request.set_mode(v1::VALIDATION_MODE_LENIENT);
    v1::SubmitReportResponse response;
    grpc::ClientContext context;
    if (grpc::Status st = reports->SubmitReport(&context, request, &response); !st.ok()) {
      if (s.failed++ == 0) s.first_error = st.error_message();
      continue;
    }
    const Clock::time_point acknowledged = Clock::now();
    if (!response.created()) {
      if (s.failed++ == 0) s.first_error = "a probe was not a new revision";
      continue;
    }
    const int64_t sequence = response.revision().change_sequence();
    last_sequence = sequence;
    for (;;) {
      v1::Checkpoint checkpoint;
      grpc::ClientContext c;
      if (worker->GetCheckpoint(&c, v1::GetCheckpointRequest(), &checkpoint).ok() &&
          checkpoint.sequence() >= sequence) {
        break;
      }
      if (Ms(Clock::now() - acknowledged) > 60'000) {
        ++s.failed;
        s.first_error = "not reflected within 60 s";
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    s.latencies_ms.push_back(Ms(Clock::now() - acknowledged));
    ++s.calls;
  }
  const std::string extra = background.Finish();
  // The nation's rollup says so too.
  v1::GetRollupRequest get;
  get.set_region_code("000000000000");
  get.set_year(year);
  v1::Rollup nation;
  grpc::ClientContext context;
  if (grpc::Status st = rollups->GetRollup(&context, get, &nation);
      !st.ok() || nation.sequence() < last_sequence) {
    ++s.failed;
    s.first_error = "the nation's rollup does not reflect the last probe";
  }
  std::sort(s.latencies_ms.begin(), s.latencies_ms.end());
  return Finish("freshness", s, extra);
}

int Anomalies() {
  auto rollups = v1::RollupService::NewStub(Channel(absl::GetFlag(FLAGS_server)));
  v1::ListAnomaliesRequest request;
  request.set_region_code("000000000000");
  request.set_year(absl::GetFlag(FLAGS_year));
  request.set_page_size(1000);
  std::map<std::string, int> kinds;
  int total = 0;
  do {
    v1::ListAnomaliesResponse page;
    grpc::ClientContext context;
    if (grpc::Status s = rollups->ListAnomalies(&context, request, &page); !s.ok()) {
      std::cerr << "load_client: " << s.error_message() << "\n";
      return 1;
    }
    for (const v1::Anomaly& a : page.anomalies()) ++kinds[AnomalyKindName(a.kind())], ++total;
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  std::string fields;
  for (const auto& [kind, n] : kinds) absl::StrAppend(&fields, ",\"", kind, "\":", n);
  std::cout << "{\"mode\":\"anomalies\",\"total\":" << total << fields << "}" << std::endl;
  return 0;
}

int Generate(const Generator& gen) {
  const int year = absl::GetFlag(FLAGS_year);
  size_t count = absl::GetFlag(FLAGS_count);
  if (count == 0 || count > gen.size()) count = gen.size();
  size_t bytes = 0, broken = 0, inconsistent = 0, narrative = 0, departments = 0;
  for (size_t i = 0; i < count; ++i) {
    const v1::SubmitReportRequest a = gen.Make(i, year);
    if (a.SerializeAsString() != gen.Make(i, year).SerializeAsString()) {
      std::cerr << "load_client: report " << i << " is not deterministic\n";
      return 1;
    }
    bytes += a.ByteSizeLong();
    narrative += a.report().narrative().ByteSizeLong();
    departments += !a.report().key().body().empty();
    const bool breaks = gen.BreaksRule(i, year);
    broken += breaks;
    if (!breaks && !SatisfiesRules(a.report())) ++inconsistent;
    if (breaks && SatisfiesRules(a.report())) ++inconsistent;
  }
  std::cout << absl::StrFormat(
                   "{\"mode\":\"generate\",\"reports_per_year\":%d,\"departments_per_year\":%d,"
                   "\"checked\":%d,\"departments\":%d,\"mean_bytes\":%.0f,"
                   "\"mean_narrative_bytes\":%.0f,\"breaking_rules\":%d,\"inconsistent\":%d}",
                   gen.size(), gen.departments(), count, departments,
                   count ? double(bytes) / count : 0, count ? double(narrative) / count : 0, broken,
                   inconsistent)
            << std::endl;
  return inconsistent == 0 ? 0 : 1;
}

}  // namespace
}  // namespace gongkai::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace gongkai::bench;
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "catchup") return Catchup();
  if (mode == "recompute") return Recompute();
  if (mode == "anomalies") return Anomalies();
  if (mode == "restate") return Restate();
  const Generator gen = GeneratorFromFlags("load_client", absl::GetFlag(FLAGS_year));
  if (mode == "submit") return Submit(gen);
  if (mode == "echo") return Echo(gen);
  if (mode == "rocks") return Rocks(gen);
  if (mode == "freshness") return Freshness(gen);
  if (mode == "reads") return Reads(gen);
  if (mode == "generate") return Generate(gen);
  std::cerr << "load_client: unknown --mode " << mode << "\n";
  return 2;
}
