// gongkaid: the submission service. Opens (or creates) the store in --data_dir, loads the
// region registry on first start, serves gRPC on --listen (and Prometheus metrics on
// --metrics_listen), runs the aggregation worker in-process unless --worker=false, and on
// SIGINT/SIGTERM stops accepting calls, finishes the ones in flight and closes the database.
// The steps are in daemon.h; this file holds the flags.
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "binaries/gongkaid/daemon.h"
#include "common/memory.h"
#include "google/protobuf/stubs/logging.h"
#include "observability/log.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "Address to serve gRPC on (host:port).");
ABSL_FLAG(std::string, data_dir, "gongkai-data", "Directory of the RocksDB database.");
ABSL_FLAG(int, store_memory_mb, 128,
          "Memory (MiB) RocksDB may hold for its memtables and its cache of decoded blocks "
          "together, half each. Larger: more of the stored reports and rollups read from memory, "
          "and the worker keeps up better with a bulk load (fewer flushes).");
ABSL_FLAG(int, heap_thread_cache_mb, 16,
          "Memory (MiB) the allocator's per-thread caches may keep together: what each thread "
          "freed, kept for its own next allocations (TCMalloc's own default is 32; each thread "
          "may keep 0.5 MiB whatever the cap). Smaller: less resident memory; larger: fewer trips "
          "to the shared free lists when many calls run at once. "
          "TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES in the environment overrides it.");
ABSL_FLAG(std::string, registry_dir, "",
          "Directory of the region registry: regions.csv and lineage.csv (every year's tree), or "
          "provinces.csv, cities.csv, areas.csv and streets.csv (one edition), loaded into "
          "the store when it has no registry yet (or with --reload_registry). Default: "
          "../share/gongkai/regions beside the binary when installed, else the source tree's "
          "data/regions.");
ABSL_FLAG(bool, reload_registry, false, "Replace the stored registry with --registry_dir's.");
ABSL_FLAG(bool, worker, true,
          "Run the aggregation worker in-process (turn off when gongkai-worker runs apart).");
ABSL_FLAG(std::string, deadlines, "township=01-31,department=01-31,county=03-31",
          "Reporting deadlines in the year after the reporting year, per level (county: "
          "governments of counties and above).");
ABSL_FLAG(absl::Duration, full_recompute_interval, absl::Hours(6),
          "How often the in-process worker recomputes every year from scratch.");
ABSL_FLAG(int, worker_resident_years, 1,
          "The latest years with reports the in-process worker keeps in memory (with the year "
          "before each); older ones are loaded when a change reaches them or the scheduled "
          "recompute refreshes them. 0: every year.");
ABSL_FLAG(int, worker_max_extra_years, 3,
          "At most this many years beyond the resident ones stay in the in-process worker's "
          "memory once it is idle (a change to a year uses it and the years either side); the "
          "least recently used are let go first.");
ABSL_FLAG(absl::Duration, worker_idle_year_ttl, absl::Minutes(10),
          "A year beyond the resident ones, loaded for a change, leaves the in-process worker's "
          "memory once nothing of it (or of the next year) was written for this long.");
ABSL_FLAG(int, worker_threads, 0,
          "Threads the in-process worker builds rollups and flags on; 0: one per CPU.");
ABSL_FLAG(absl::Duration, worker_flush_interval, absl::Milliseconds(2),
          "While changes keep coming, the in-process worker writes rollups and flags at most "
          "this often, each write covering every change since the last (a change after a quiet "
          "spell is written at once); 0: after every step (each batch of changes taken).");
ABSL_FLAG(int, worker_nice, 0,
          "How much lower the in-process worker's CPU priority is than the RPCs' (a nice "
          "increment, 0-19): when the CPUs are busy, submissions and reads come first and the "
          "rollups fall behind.");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464",
          "Address to serve Prometheus metrics on (GET /metrics); empty: none.");
ABSL_FLAG(std::string, log_format, "json", "Logs on stderr: json (one object a line) or text.");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain: serve gRPC over TLS.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA for client certificates (mutual TLS): a verified certificate whose subject is "
          "a principal's certificate_subject authenticates as that principal.");
ABSL_FLAG(bool, allow_insecure, false,
          "Serve a non-loopback address without TLS or without credentials (only behind a "
          "proxy that provides both). Without it gongkaid refuses to start there.");
ABSL_FLAG(std::string, bootstrap_admin_token_file, "",
          "When no principal exists yet: create the principal \"admin\" (every role, the whole "
          "nation) and write its token to this new file (mode 0600).");
ABSL_FLAG(double, rate_limit, 0,
          "Requests per second per principal, for principals without their own limit; 0: none.");
ABSL_FLAG(int, max_message_bytes, 4 << 20, "The largest request accepted, in bytes.");
ABSL_FLAG(int, max_threads, 256,
          "Calls in progress at once (each holds a thread); beyond it calls are refused with "
          "RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, max_concurrent_streams, 100, "Calls one connection may have open at once.");
ABSL_FLAG(int, waiting_threads, 32,
          "Threads kept waiting for the next call (at most --max_threads); a thread that "
          "finishes a call while this many wait ends. Too few, and calls in progress at once "
          "start and end threads.");
ABSL_FLAG(absl::Duration, handshake_timeout, absl::Seconds(10),
          "A connection that has not finished its handshake (HTTP/2 preface, TLS) by then is "
          "closed.");
ABSL_FLAG(absl::Duration, max_connection_idle, absl::Minutes(5),
          "A connection without calls for this long is closed.");
ABSL_FLAG(int, max_concurrent_parses, 2,
          "ParseReport calls run at once (each may take ~20 bytes per character of its text "
          "for up to a second); more wait up to 5 s, then RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, max_concurrent_restatements, 2,
          "Restated rollups (GetRollup, ListChildRollups with on_tree) computed at once (each "
          "reads its subtree's reports: up to ~100 MB and seconds for the nation); more wait up "
          "to 5 s, then RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, max_watch_streams, 32,
          "WatchChanges streams open at once (each holds a server thread while it waits for a "
          "commit); more are refused with RESOURCE_EXHAUSTED");
ABSL_FLAG(int, failed_call_log_lines, 10,
          "Access log lines of failed calls per second, for each method and code; the rest are "
          "counted in the next line's left_out. 0: log every failed call.");
ABSL_FLAG(std::string, port_file, "",
          "If set, the bound port is written to this file once serving (for --listen=...:0).");

namespace {

// libprotobuf's own log lines (e.g. a request with invalid UTF-8) go through our logger, so
// that the log stays one JSON object a line.
gongkai::Logger* protobuf_logger = nullptr;

void LogProtobuf(google::protobuf::LogLevel level, const char* file, int line,
                 const std::string& message) {
  if (protobuf_logger == nullptr) return;
  protobuf_logger->Log(level >= google::protobuf::LOGLEVEL_ERROR ? "warning" : "info", message,
                       {{"component", "protobuf"}, {"source", absl::StrCat(file, ":", line)}});
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  gongkai::Logger::Format format;
  if (!gongkai::Logger::ParseFormat(absl::GetFlag(FLAGS_log_format), &format)) {
    std::cerr << "gongkaid: --log_format must be json or text\n";
    return 2;
  }
  gongkai::Logger logger("gongkaid", format, &std::cerr);
  protobuf_logger = &logger;
  google::protobuf::SetLogHandler(&LogProtobuf);
  gongkai::daemon::Config config;
  config.listen = absl::GetFlag(FLAGS_listen);
  config.data_dir = absl::GetFlag(FLAGS_data_dir);
  config.store_memory_mb = absl::GetFlag(FLAGS_store_memory_mb);
  if (config.store_memory_mb < 8) {
    std::cerr << "gongkaid: --store_memory_mb must be 8 or more\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_heap_thread_cache_mb) < 1) {
    std::cerr << "gongkaid: --heap_thread_cache_mb must be 1 or more\n";
    return 2;
  }
  gongkai::CapThreadCaches(int64_t{absl::GetFlag(FLAGS_heap_thread_cache_mb)} << 20);
  config.registry_dir = absl::GetFlag(FLAGS_registry_dir);
  config.reload_registry = absl::GetFlag(FLAGS_reload_registry);
  config.worker = absl::GetFlag(FLAGS_worker);
  config.deadlines = absl::GetFlag(FLAGS_deadlines);
  config.full_recompute_interval = absl::GetFlag(FLAGS_full_recompute_interval);
  config.worker_threads = absl::GetFlag(FLAGS_worker_threads);
  config.worker_flush_interval = absl::GetFlag(FLAGS_worker_flush_interval);
  if (config.worker_flush_interval < absl::ZeroDuration()) {
    std::cerr << "gongkaid: --worker_flush_interval must not be negative\n";
    return 2;
  }
  config.worker_resident_years = absl::GetFlag(FLAGS_worker_resident_years);
  config.worker_max_extra_years = absl::GetFlag(FLAGS_worker_max_extra_years);
  if (config.worker_resident_years < 0 || config.worker_max_extra_years < 0) {
    std::cerr << "gongkaid: --worker_resident_years and --worker_max_extra_years must be 0 or "
                 "more\n";
    return 2;
  }
  config.worker_idle_year_ttl = absl::GetFlag(FLAGS_worker_idle_year_ttl);
  if (config.worker_idle_year_ttl < absl::ZeroDuration()) {
    std::cerr << "gongkaid: --worker_idle_year_ttl must not be negative\n";
    return 2;
  }
  config.worker_nice = absl::GetFlag(FLAGS_worker_nice);
  if (config.worker_nice < 0 || config.worker_nice > 19) {
    std::cerr << "gongkaid: --worker_nice must be 0 to 19\n";
    return 2;
  }
  config.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  config.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  config.tls_key = absl::GetFlag(FLAGS_tls_key);
  config.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  config.allow_insecure = absl::GetFlag(FLAGS_allow_insecure);
  config.bootstrap_admin_token_file = absl::GetFlag(FLAGS_bootstrap_admin_token_file);
  config.rate_limit = absl::GetFlag(FLAGS_rate_limit);
  config.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  config.max_concurrent_parses = absl::GetFlag(FLAGS_max_concurrent_parses);
  config.max_watch_streams = absl::GetFlag(FLAGS_max_watch_streams);
  config.max_concurrent_restatements = absl::GetFlag(FLAGS_max_concurrent_restatements);
  config.max_threads = absl::GetFlag(FLAGS_max_threads);
  config.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  config.waiting_threads = absl::GetFlag(FLAGS_waiting_threads);
  config.handshake_timeout = absl::GetFlag(FLAGS_handshake_timeout);
  config.max_connection_idle = absl::GetFlag(FLAGS_max_connection_idle);
  config.failed_call_log_lines = absl::GetFlag(FLAGS_failed_call_log_lines);
  config.port_file = absl::GetFlag(FLAGS_port_file);
  gongkai::daemon::Daemon daemon(std::move(config), &logger);
  return daemon.Run();
}
