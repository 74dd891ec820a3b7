// gongkai-worker: the aggregation worker as its own process. Follows gongkaid's change log
// and keeps rollups and anomaly flags up to date; with --once --year Y it recomputes one
// year in full and exits 0 only if that completed (for cron / CronJob use).
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "client/credentials.h"
#include "common/status_macros.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "observability/http.h"
#include "observability/log.h"
#include "observability/metrics.h"
#include "worker/runner/runner.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "gongkaid address (host:port).");
ABSL_FLAG(std::string, token_file, "",
          "File holding the bearer token of a principal with the worker role over the whole "
          "nation (else $GONGKAI_TOKEN; neither: none, for a server running open).");
ABSL_FLAG(std::string, tls_ca, "", "PEM CA of gongkaid's certificate: connect with TLS.");
ABSL_FLAG(std::string, tls_cert, "", "PEM client certificate for mutual TLS.");
ABSL_FLAG(std::string, tls_key, "", "PEM key of --tls_cert.");
ABSL_FLAG(std::string, metrics_listen, "",
          "Address to serve Prometheus metrics on (GET /metrics); empty: none.");
ABSL_FLAG(std::string, log_format, "json", "Logs on stderr: json (one object a line) or text.");
ABSL_FLAG(bool, once, false, "Recompute --year in full, write it, and exit.");
ABSL_FLAG(int, year, 0, "The year for --once.");
ABSL_FLAG(absl::Duration, poll_interval, absl::Milliseconds(100),
          "How often to look for rollup jobs when no change arrives (changes come as a stream "
          "and are applied at once).");
ABSL_FLAG(std::string, deadlines, "township=01-31,department=01-31,county=03-31",
          "Reporting deadlines in the year after the reporting year, per level (county: "
          "governments of counties and above).");
ABSL_FLAG(absl::Duration, full_recompute_interval, absl::Hours(6),
          "How often to recompute every year from scratch and report drift.");
ABSL_FLAG(int, threads, 0, "Threads to build rollups and flags on; 0: one per CPU.");
ABSL_FLAG(absl::Duration, flush_interval, absl::Milliseconds(2),
          "While changes keep coming, write rollups and flags at most this often, each write "
          "covering every change since the last (a change after a quiet spell is written at "
          "once); 0: after every step (each batch of changes taken).");
ABSL_FLAG(int, max_extra_years, 3,
          "At most this many years beyond the resident ones stay in memory once the worker is "
          "idle (a change to a year uses it and the years either side); the least recently "
          "used are let go first.");
ABSL_FLAG(absl::Duration, idle_year_ttl, absl::Minutes(10),
          "A year beyond the resident ones, loaded for a change, leaves memory once nothing of "
          "it (or of the next year) was written for this long.");
ABSL_FLAG(int, resident_years, 1,
          "The latest years with reports kept in memory (with the year before each); older ones "
          "are loaded when a change reaches them or the scheduled recompute refreshes them. 0: "
          "every year.");

namespace {

// The channel to gongkaid with the credentials of the flags; a usage error (exit 2) when a
// token or TLS file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(gongkai::client::Security* security) {
  *security = {absl::GetFlag(FLAGS_tls_ca), absl::GetFlag(FLAGS_tls_cert),
               absl::GetFlag(FLAGS_tls_key), ""};
  if (const std::string path = absl::GetFlag(FLAGS_token_file); !path.empty()) {
    GONGKAI_ASSIGN_OR_RETURN(security->token, gongkai::client::ReadTokenFile(path));
  } else if (const char* env = std::getenv("GONGKAI_TOKEN"); env != nullptr) {
    security->token = env;
  }
  GONGKAI_ASSIGN_OR_RETURN(auto credentials, gongkai::client::ChannelCredentials(*security));
  return grpc::CreateCustomChannel(absl::GetFlag(FLAGS_server), credentials,
                                   gongkai::worker::WorkerChannelArguments());
}

// Serves the runner's progress as Prometheus metrics on --metrics_listen (none when empty).
absl::StatusOr<std::unique_ptr<gongkai::MetricsEndpoint>> ServeMetrics(
    gongkai::worker::Runner* runner, gongkai::Metrics* metrics) {
  const std::string listen = absl::GetFlag(FLAGS_metrics_listen);
  if (listen.empty()) return nullptr;
  return gongkai::MetricsEndpoint::Start(listen, [runner, metrics] {
    const gongkai::worker::Runner::Stats stats = runner->GetStats();
    std::vector<gongkai::Metrics::Gauge> gauges = {
        {"gongkai_worker_applied_sequence",
         "Every change up to this sequence is applied and written.", "",
         static_cast<double>(stats.applied_sequence)}};
    for (auto& gauge : gongkai::worker::RunnerGauges(stats)) gauges.push_back(std::move(gauge));
    for (auto& gauge : gongkai::MemoryGauges()) gauges.push_back(std::move(gauge));
    return metrics->Render(gauges);
  });
}

int Usage(absl::string_view message) {
  std::cerr << "gongkai-worker: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Block the shutdown signals before any thread exists, so that only the waiter sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  absl::ParseCommandLine(argc, argv);
  gongkai::Logger::Format format;
  if (!gongkai::Logger::ParseFormat(absl::GetFlag(FLAGS_log_format), &format)) {
    return Usage("--log_format must be json or text");
  }
  gongkai::Logger logger("gongkai-worker", format, &std::cerr);
  gongkai::client::Security security;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = Connect(&security);
  if (!channel.ok()) return Usage(channel.status().message());
  gongkai::worker::RunnerOptions options;
  options.network_channel = true;
  options.token = security.token;
  options.poll_interval = absl::GetFlag(FLAGS_poll_interval);
  options.full_recompute_interval = absl::GetFlag(FLAGS_full_recompute_interval);
  if (absl::GetFlag(FLAGS_threads) > 0) options.threads = absl::GetFlag(FLAGS_threads);
  options.flush_interval = absl::GetFlag(FLAGS_flush_interval);
  if (options.flush_interval < absl::ZeroDuration()) {
    return Usage("--flush_interval must not be negative");
  }
  options.resident_years = absl::GetFlag(FLAGS_resident_years);
  if (options.resident_years < 0) return Usage("--resident_years must be 0 or more");
  options.max_extra_years = absl::GetFlag(FLAGS_max_extra_years);
  if (options.max_extra_years < 0) return Usage("--max_extra_years must be 0 or more");
  options.idle_year_ttl = absl::GetFlag(FLAGS_idle_year_ttl);
  if (options.idle_year_ttl < absl::ZeroDuration()) {
    return Usage("--idle_year_ttl must not be negative");
  }
  options.log = [&](const std::string& line) { logger.Info(line); };
  options.error_log = [&](const std::string& line) { logger.Error(line); };
  if (absl::Status s =
          gongkai::worker::ParseDeadlines(absl::GetFlag(FLAGS_deadlines), &options.settings);
      !s.ok()) {
    return Usage(absl::StrCat("--deadlines: ", s.message()));
  }
  gongkai::worker::Runner runner(*channel, options);

  if (absl::GetFlag(FLAGS_once)) {
    if (absl::GetFlag(FLAGS_year) == 0) return Usage("--once needs --year");
    absl::Status status = runner.RecomputeOnce(absl::GetFlag(FLAGS_year));
    if (!status.ok()) logger.Error("recompute failed", {{"error", status.ToString()}});
    return status.ok() ? 0 : 1;
  }
  gongkai::Metrics metrics;
  absl::StatusOr<std::unique_ptr<gongkai::MetricsEndpoint>> endpoint =
      ServeMetrics(&runner, &metrics);
  if (!endpoint.ok()) {
    logger.Error("cannot serve metrics", {{"error", endpoint.status().ToString()}});
    return 1;
  }
  if (*endpoint != nullptr) {
    logger.Info("serving metrics", {{"address", absl::GetFlag(FLAGS_metrics_listen)},
                                    {"port", absl::StrCat((*endpoint)->port())}});
  }
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    runner.Stop();
  });
  absl::Status status = runner.Run();
  waiter.join();
  return status.ok() ? 0 : 1;
}
