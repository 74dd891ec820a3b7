// gongkaid's start-up and shutdown, step by step: open the store, load the registry on first
// start, load the principals (and bootstrap the first admin), decide how to listen (TLS,
// loopback policy), serve gRPC and metrics, run the in-process worker, write the port file,
// then wait for SIGINT/SIGTERM (or a database that must be reopened) and stop in order.
#ifndef GONGKAI_BINARIES_GONGKAID_DAEMON_H_
#define GONGKAI_BINARIES_GONGKAID_DAEMON_H_

#include <csignal>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "observability/http.h"
#include "observability/log.h"
#include "observability/metrics.h"
#include "services/authenticator.h"
#include "services/env.h"
#include "services/server.h"
#include "storage/store.h"
#include "worker/runner/runner.h"
#include "worker/settings.h"

namespace gongkai::daemon {

// gongkaid's flags, read once in main.
struct Config {
  std::string listen;
  std::string data_dir;
  int store_memory_mb = 128;  // storage::StoreOptions::memory_bytes, in MiB
  std::string registry_dir;   // empty: the installed or source tree's data/regions
  bool reload_registry = false;
  bool worker = true;
  std::string deadlines;
  absl::Duration full_recompute_interval;
  int worker_threads = 0;  // 0: RunnerOptions' default (one per CPU)
  absl::Duration worker_flush_interval = absl::Milliseconds(2);  // RunnerOptions::flush_interval
  int worker_resident_years = 1;                                 // RunnerOptions::resident_years
  int worker_max_extra_years = 3;                                // RunnerOptions::max_extra_years
  absl::Duration worker_idle_year_ttl = absl::Minutes(10);       // RunnerOptions::idle_year_ttl
  int worker_nice = 0;  // the worker's threads' nice increment
  std::string metrics_listen;
  std::string tls_cert, tls_key, tls_client_ca;
  bool allow_insecure = false;
  std::string bootstrap_admin_token_file;
  double rate_limit = 0;
  int max_message_bytes = 0;
  int max_concurrent_parses = 2;
  int max_watch_streams = 32;
  int max_concurrent_restatements = 2;
  int max_threads = 256;
  int max_concurrent_streams = 100;
  int waiting_threads = 32;  // ServerOptions::waiting_threads
  absl::Duration handshake_timeout = absl::Seconds(10);
  absl::Duration max_connection_idle = absl::Minutes(5);
  int failed_call_log_lines = 10;  // ServerOptions::failed_call_log_lines_per_second
  std::string port_file;
};

// Not thread-safe: main calls Run once.
class Daemon {
 public:
  Daemon(Config config, Logger* logger) : config_(std::move(config)), logger_(logger) {}
  ~Daemon();

  // Starts everything, serves until a shutdown signal, stops. Returns the process's exit code:
  // 0 after a signal, 1 when a step failed or the database must be reopened.
  int Run();

 private:
  absl::Status OpenStore();
  absl::Status LoadRegistry();
  absl::Status LoadPrincipals();
  absl::StatusOr<ServerOptions> ListenOptions();
  absl::Status StartServer(const ServerOptions& options);
  absl::Status StartMetrics();
  absl::Status StartWorker();
  absl::Status WritePortFile();
  // Waits for SIGINT/SIGTERM or a database that must be reopened; returns the exit code.
  int ServeUntilStopped();
  // Stops in the reverse order of starting: worker, server, metrics, principals, store.
  void Stop();

  const Config config_;
  Logger* const logger_;
  sigset_t signals_;
  worker::Settings worker_settings_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Authenticator> auth_;
  Metrics metrics_;
  std::unique_ptr<Limiter> parse_limiter_;
  std::unique_ptr<Limiter> watch_limiter_;
  std::unique_ptr<Limiter> restate_limiter_;
  Env env_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<MetricsEndpoint> metrics_endpoint_;
  // The in-process worker; /metrics reads its figures under worker_mu_ (it starts after the
  // metrics endpoint and stops before it).
  absl::Mutex worker_mu_;
  std::unique_ptr<worker::Runner> worker_ ABSL_GUARDED_BY(worker_mu_);
  std::thread worker_thread_;
};

}  // namespace gongkai::daemon

#endif  // GONGKAI_BINARIES_GONGKAID_DAEMON_H_
