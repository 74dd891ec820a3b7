#include "binaries/gongkaid/daemon.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/constants.h"
#include "common/status_macros.h"
#include "common/thread_priority.h"
#include "gongkai/v1/rollup.pb.h"
#include "proto/anomaly_kind.h"
#include "registry/registry.h"
#include "services/report_service.h"
#include "services/rollup_service.h"

namespace gongkai::daemon {
namespace {

// "localhost", an IPv4 address in 127.0.0.0/8, or ::1 (names are not resolved).
bool IsLoopback(const std::string& host) {
  if (host == "localhost" || host == "[::1]" || host == "::1") return true;
  in_addr address;
  return inet_pton(AF_INET, host.c_str(), &address) == 1 && (ntohl(address.s_addr) >> 24) == 127;
}

// Creates the first admin and writes its token to a new file only the owner can read.
absl::Status Bootstrap(Authenticator* auth, const std::string& path, Logger* logger) {
  if (auth->enforced()) {
    logger->Info("principals exist; --bootstrap_admin_token_file ignored");
    return absl::OkStatus();
  }
  v1::Principal admin;
  admin.set_name("admin");
  for (auto role :
       {v1::ROLE_ADMIN, v1::ROLE_SUBMITTER, v1::ROLE_READER, v1::ROLE_WORKER, v1::ROLE_REVIEWER}) {
    admin.add_roles(role);
  }
  admin.add_region_codes(std::string(kNationCode));
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    const int error = errno;
    return absl::FailedPreconditionError(
        absl::StrCat("--bootstrap_admin_token_file: cannot create ", path, ": ",
                     error == EEXIST   ? "it exists already (the file must be new)"
                     : error == ENOENT ? "its directory does not exist"
                                       : std::strerror(error)));
  }
  auto created = auth->Create(Caller::Open(), admin, absl::Now());
  if (!created.ok()) {
    close(fd);
    unlink(path.c_str());
    return created.status();
  }
  const std::string line = created->token() + "\n";
  const bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  close(fd);
  if (!written) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  logger->Info("created the principal admin", {{"token_file", path}});
  return absl::OkStatus();
}

// The registry shipped with an installed binary, else the one in the source tree.
std::string DefaultRegistryDir() {
  std::error_code error;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    const auto installed = exe.parent_path().parent_path() / "share" / "gongkai" / "regions";
    if (std::filesystem::exists(installed / "regions.csv")) return installed.string();
  }
  return GONGKAI_SOURCE_REGISTRY_DIR;
}

// Gauges computed at scrape time; the anomaly counts (a scan of every set) at most once a
// minute.
class ScrapeGauges {
 public:
  explicit ScrapeGauges(storage::Store* store) : store_(store) {}

  std::vector<Metrics::Gauge> Collect() {
    std::vector<Metrics::Gauge> gauges;
    const int64_t head = store_->HeadSequence();
    const int64_t checkpoint = store_->WorkerCheckpoint().value_or(0);
    gauges.push_back({"gongkai_changelog_head_sequence", "The last change log sequence written.",
                      "", static_cast<double>(head)});
    gauges.push_back({"gongkai_worker_checkpoint_sequence",
                      "The last sequence whose rollups and flags are stored.", "",
                      static_cast<double>(checkpoint)});
    gauges.push_back({"gongkai_worker_lag", "Change log entries not yet rolled up.", "",
                      static_cast<double>(head - checkpoint)});
    const auto stats = store_->GetStatistics();
    gauges.push_back({"gongkai_rocksdb_estimated_keys", "RocksDB's estimate of its keys.", "",
                      static_cast<double>(stats.estimated_keys)});
    gauges.push_back({"gongkai_rocksdb_live_data_bytes", "RocksDB's estimate of live data.", "",
                      static_cast<double>(stats.live_data_bytes)});
    gauges.push_back({"gongkai_rocksdb_memtable_bytes",
                      "Bytes in RocksDB's memtables (at most half of --store_memory_mb).", "",
                      static_cast<double>(stats.memtable_bytes)});
    gauges.push_back({"gongkai_rocksdb_cache_bytes", "Bytes in RocksDB's block cache.", "",
                      static_cast<double>(stats.cache_bytes)});
    gauges.push_back({"gongkai_rocksdb_cache_capacity_bytes",
                      "The block cache's capacity (half of --store_memory_mb).", "",
                      static_cast<double>(stats.cache_capacity_bytes)});
    for (Metrics::Gauge& gauge : MemoryGauges()) gauges.push_back(std::move(gauge));
    absl::MutexLock lock(&mu_);
    if (absl::Now() - counted_ > absl::Minutes(1)) {
      if (auto counts = store_->CountAnomalies(); counts.ok()) anomalies_ = *std::move(counts);
      counted_ = absl::Now();
    }
    for (const auto& [key, count] : anomalies_) {
      gauges.push_back(
          {"gongkai_anomalies", "Stored anomaly flags, by year and kind.",
           absl::StrCat("year=\"", key.first, "\",kind=\"",
                        AnomalyKindName(static_cast<v1::AnomalyKind>(key.second)), "\""),
           static_cast<double>(count)});
    }
    return gauges;
  }

 private:
  storage::Store* store_;
  absl::Mutex mu_;
  absl::Time counted_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::map<std::pair<int, int>, int64_t> anomalies_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

Daemon::~Daemon() { Stop(); }

int Daemon::Run() {
  // Block the shutdown signals in every thread; ServeUntilStopped waits for them.
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  absl::Status started = [&]() -> absl::Status {
    GONGKAI_RETURN_IF_ERROR(worker::ParseDeadlines(config_.deadlines, &worker_settings_));
    GONGKAI_RETURN_IF_ERROR(OpenStore());
    GONGKAI_RETURN_IF_ERROR(LoadRegistry());
    GONGKAI_RETURN_IF_ERROR(LoadPrincipals());
    GONGKAI_ASSIGN_OR_RETURN(ServerOptions options, ListenOptions());
    GONGKAI_RETURN_IF_ERROR(StartServer(options));
    GONGKAI_RETURN_IF_ERROR(StartMetrics());
    GONGKAI_RETURN_IF_ERROR(StartWorker());
    return WritePortFile();  // Last: whoever waits for it can use everything above.
  }();
  if (!started.ok()) {
    logger_->Error("fatal", {{"error", started.ToString()}});
    Stop();
    return 1;
  }
  const int code = ServeUntilStopped();
  Stop();
  logger_->Info("stopped");
  return code;
}

absl::Status Daemon::OpenStore() {
  storage::StoreOptions store_options;
  store_options.memory_bytes = uint64_t{static_cast<uint32_t>(config_.store_memory_mb)} << 20;
  GONGKAI_ASSIGN_OR_RETURN(store_, storage::Store::Open(config_.data_dir, store_options));
  if (store_->read_only()) {
    logger_->Error(
        "the disk of the data directory is full: the store is open read-only (reads are "
        "served, writes refused); gongkaid restarts itself for writing once space is freed",
        {{"data_dir", config_.data_dir}});
  }
  return absl::OkStatus();
}

absl::Status Daemon::LoadRegistry() {
  if (store_->registry()->empty() || config_.reload_registry) {
    const std::string dir =
        config_.registry_dir.empty() ? DefaultRegistryDir() : config_.registry_dir;
    GONGKAI_ASSIGN_OR_RETURN(std::vector<v1::RegionHistory> histories,
                             registry::ReadRegistryDir(dir));
    GONGKAI_ASSIGN_OR_RETURN(std::vector<v1::ReportKey> stranded,
                             store_->LoadRegistry(std::move(histories)));
    logger_->Info("loaded the region registry", {{"registry_dir", dir}});
    if (!stranded.empty()) {
      // Kept stored, but out of listings and rollups until their region returns.
      logger_->Warning(
          "stored reports have no region in their year's tree after the reload",
          {{"reports", absl::StrCat(stranded.size())},
           {"first", absl::StrCat(stranded.front().region_code(), "/", stranded.front().year())}});
    }
  }
  std::shared_ptr<const registry::TimedRegistry> registry = store_->registry();
  logger_->Info(
      "store opened",
      {{"data_dir", config_.data_dir},
       {"regions", absl::StrCat(registry->size())},
       {"registry_years", absl::StrCat(registry->first_year(), "–", registry->last_change_year())},
       {"change_log_head", absl::StrCat(store_->HeadSequence())}});
  return absl::OkStatus();
}

absl::Status Daemon::LoadPrincipals() {
  AuthOptions options;
  options.default_rate_limit = config_.rate_limit;
  GONGKAI_ASSIGN_OR_RETURN(auth_, Authenticator::Load(store_.get(), options));
  if (!config_.bootstrap_admin_token_file.empty()) {
    GONGKAI_RETURN_IF_ERROR(Bootstrap(auth_.get(), config_.bootstrap_admin_token_file, logger_));
  }
  return absl::OkStatus();
}

absl::StatusOr<ServerOptions> Daemon::ListenOptions() {
  // Plaintext or open only on loopback, unless explicitly allowed.
  const std::string& listen = config_.listen;
  const std::string host = listen.substr(0, listen.rfind(':'));
  ServerOptions options;
  options.listen = listen;
  options.max_receive_message_bytes = config_.max_message_bytes;
  options.max_threads = config_.max_threads;
  options.max_concurrent_streams = config_.max_concurrent_streams;
  options.waiting_threads = config_.waiting_threads;
  options.handshake_timeout = config_.handshake_timeout;
  options.max_connection_idle = config_.max_connection_idle;
  options.failed_call_log_lines_per_second = config_.failed_call_log_lines;
  if (options.max_threads < 16 || options.max_concurrent_streams < 1) {
    return absl::InvalidArgumentError(
        "--max_threads must be at least 16 and --max_concurrent_streams at least 1");
  }
  if (options.waiting_threads < 1) {
    return absl::InvalidArgumentError("--waiting_threads must be at least 1");
  }
  if (options.failed_call_log_lines_per_second < 0) {
    return absl::InvalidArgumentError("--failed_call_log_lines must be 0 or more");
  }
  if (options.max_receive_message_bytes < 64 << 10) {
    return absl::InvalidArgumentError("--max_message_bytes must be at least 65536");
  }
  const bool tls = !config_.tls_cert.empty() || !config_.tls_key.empty();
  if (tls) {
    GONGKAI_ASSIGN_OR_RETURN(options.credentials, TlsCredentials(config_.tls_cert, config_.tls_key,
                                                                 config_.tls_client_ca));
  } else if (!config_.tls_client_ca.empty()) {
    return absl::InvalidArgumentError("--tls_client_ca needs --tls_cert and --tls_key");
  }
  if (!IsLoopback(host) && !(tls && auth_->enforced())) {
    if (!config_.allow_insecure) {
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing to serve ", listen, " ", !tls ? "without TLS" : "without credentials",
          ": give --tls_cert and --tls_key, create principals (--bootstrap_admin_token_file, "
          "then gongkai principal create), or pass --allow_insecure behind a proxy that "
          "provides both (docs/SECURITY.md)"));
    }
    logger_->Warning("serving a non-loopback address without TLS or credentials (--allow_insecure)",
                     {{"listen", listen}});
  }
  if (!auth_->enforced()) {
    logger_->Warning(
        "RUNNING OPEN: no principal exists, so every caller is \"anonymous\" with every role "
        "over the whole nation. Create one (gongkai principal create, or "
        "--bootstrap_admin_token_file) to require credentials.");
  }
  return options;
}

absl::Status Daemon::StartServer(const ServerOptions& options) {
  env_.store = store_.get();
  env_.metrics = &metrics_;
  env_.logger = logger_;
  env_.auth = auth_.get();
  env_.worker_settings = &worker_settings_;
  // The bounds of one kind of call each (services/limiter.h).
  for (const auto& [flag, slots] :
       {std::pair<const char*, int>{"--max_concurrent_parses", config_.max_concurrent_parses},
        {"--max_watch_streams", config_.max_watch_streams},
        {"--max_concurrent_restatements", config_.max_concurrent_restatements}}) {
    if (slots < 1) return absl::InvalidArgumentError(absl::StrCat(flag, " must be at least 1"));
  }
  parse_limiter_ = std::make_unique<Limiter>("ParseReport calls", config_.max_concurrent_parses);
  watch_limiter_ = std::make_unique<Limiter>("WatchChanges streams", config_.max_watch_streams,
                                             absl::ZeroDuration());
  restate_limiter_ =
      std::make_unique<Limiter>("restated rollups", config_.max_concurrent_restatements);
  env_.parse_limiter = parse_limiter_.get();
  env_.watch_limiter = watch_limiter_.get();
  env_.restate_limiter = restate_limiter_.get();
  GONGKAI_ASSIGN_OR_RETURN(server_, Server::Start(&env_, options));
  const std::string host = config_.listen.substr(0, config_.listen.rfind(':'));
  logger_->Info(absl::StrCat("listening on ", host, ":", server_->port()),
                {{"tls", options.credentials != nullptr ? "on" : "off"},
                 {"client_certificates", config_.tls_client_ca.empty() ? "off" : "on"}});
  return absl::OkStatus();
}

absl::Status Daemon::StartMetrics() {
  if (config_.metrics_listen.empty()) return absl::OkStatus();
  auto gauges = std::make_shared<ScrapeGauges>(store_.get());
  GONGKAI_ASSIGN_OR_RETURN(
      metrics_endpoint_, MetricsEndpoint::Start(config_.metrics_listen, [this, gauges] {
        std::vector<Metrics::Gauge> all = gauges->Collect();
        absl::MutexLock lock(&worker_mu_);
        if (worker_ != nullptr) {
          for (Metrics::Gauge& gauge : worker::RunnerGauges(worker_->GetStats())) {
            all.push_back(std::move(gauge));
          }
        }
        return metrics_.Render(all);
      }));
  logger_->Info("serving metrics", {{"address", config_.metrics_listen},
                                    {"port", absl::StrCat(metrics_endpoint_->port())}});
  return absl::OkStatus();
}

absl::Status Daemon::StartWorker() {
  if (!config_.worker) return absl::OkStatus();
  worker::RunnerOptions options;
  options.full_recompute_interval = config_.full_recompute_interval;
  if (config_.worker_threads > 0) options.threads = config_.worker_threads;
  options.flush_interval = config_.worker_flush_interval;
  options.resident_years = config_.worker_resident_years;
  options.max_extra_years = config_.worker_max_extra_years;
  options.idle_year_ttl = config_.worker_idle_year_ttl;
  options.settings = worker_settings_;
  options.log = [this](const std::string& line) { logger_->Info(line, {{"component", "worker"}}); };
  options.error_log = [this](const std::string& line) {
    logger_->Error(line, {{"component", "worker"}});
  };
  // Pieces well within what this server accepts.
  options.write_chunk_bytes =
      std::min<size_t>(options.write_chunk_bytes, config_.max_message_bytes / 4);
  // The in-process worker's own principal, held only in memory.
  v1::Principal principal;
  principal.set_name("_worker");
  principal.add_roles(v1::ROLE_WORKER);
  principal.add_region_codes(std::string(kNationCode));
  GONGKAI_ASSIGN_OR_RETURN(options.token, auth_->CreateEphemeral(principal, absl::Now()));
  // Results, a year's digests and the change feed straight from their handlers (their checks
  // included), not through the channel, under the worker's own principal.
  RequestContext context;
  context.caller = Caller(principal);
  context.peer = "in-process worker";
  // Not synced: the results and the checkpoint are derived from the synced change log and
  // written in one batch, and this worker dies with the process that holds the store; a crash
  // of the machine loses both together, and the worker starts again from the checkpoint that
  // survived. The submits' syncs then need not queue behind the worker's.
  options.write_results = [this, context](const SerializedResults& results) {
    return WriteResults(env_, context, results, storage::WriteSync::kBuffered);
  };
  options.list_digests = [this, context](const v1::ListReportDigestsRequest& r,
                                         v1::ListReportDigestsResponse* response) {
    return ListReportDigests(env_, context, r, response);
  };
  options.watch_changes = [this, context](
                              const v1::WatchChangesRequest& r,
                              const std::function<bool(v1::WatchChangesResponse&)>& send,
                              const std::function<bool()>& cancelled) {
    return WatchChanges(env_, context, r, send, cancelled);
  };
  options.claim_job = [this, context](v1::RollupJob* job) {
    return ClaimRollupJob(env_, context, job);
  };
  options.finish_job = [this, context](const v1::RollupJob& job) {
    v1::RollupJob ignored;
    return FinishRollupJob(env_, context, job, &ignored);
  };
  auto runner = std::make_unique<worker::Runner>(
      server_->InProcessChannel(worker::WorkerChannelArguments()), options);
  worker::Runner* const started = runner.get();
  {
    absl::MutexLock lock(&worker_mu_);
    worker_ = std::move(runner);
  }
  worker_thread_ = std::thread([this, started] {
    // Below the RPCs' threads (every thread the worker starts inherits this).
    if (absl::Status s = LowerThreadPriority(config_.worker_nice); !s.ok()) {
      logger_->Warning(absl::StrCat("the worker runs at the RPCs' priority: ", s.message()));
    }
    (void)started->Run();
  });
  logger_->Info("aggregation worker running in-process");
  return absl::OkStatus();
}

absl::Status Daemon::WritePortFile() {
  if (config_.port_file.empty()) return absl::OkStatus();
  const std::string tmp = config_.port_file + ".tmp";
  std::ofstream(tmp) << server_->port() << "\n";
  if (std::rename(tmp.c_str(), config_.port_file.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot write --port_file ", config_.port_file));
  }
  return absl::OkStatus();
}

int Daemon::ServeUntilStopped() {
  // A write error RocksDB cannot recover from while open: stop (exit 1) so that the
  // supervisor restarts gongkaid, whose recovery replays the log (storage/store.h).
  std::atomic<bool> stopping{false};
  std::atomic<bool> must_reopen{false};
  std::thread reopen_watch([&] {
    while (!stopping.load()) {
      if (store_->NeedsReopen()) {
        logger_->Error(store_->read_only()
                           ? "the disk has room again; stopping so that a restart reopens the "
                             "database for writing"
                           : "the database met a write error it cannot recover from while open; "
                             "stopping so that a restart reopens it");
        must_reopen = true;
        kill(getpid(), SIGTERM);
        return;
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
  });
  int signal = 0;
  sigwait(&signals_, &signal);
  stopping = true;
  logger_->Info("shutting down", {{"signal", absl::StrCat(signal)}});
  reopen_watch.join();
  return must_reopen ? 1 : 0;
}

void Daemon::Stop() {
  worker::Runner* running = nullptr;
  {
    absl::MutexLock lock(&worker_mu_);
    running = worker_.get();
  }
  if (running != nullptr) {
    running->Stop();
    if (worker_thread_.joinable()) worker_thread_.join();
    std::unique_ptr<worker::Runner> stopped;  // freed after the lock: /metrics need not wait
    absl::MutexLock lock(&worker_mu_);
    stopped = std::move(worker_);
  }
  if (server_ != nullptr) {
    server_->Shutdown();
    server_.reset();
  }
  metrics_endpoint_.reset();
  auth_.reset();
  store_.reset();  // Closes the database.
}

}  // namespace gongkai::daemon
