// gongkaid: the submission service. Opens (or creates) the store in --data_dir, loads the
// national region registry on first start, serves gRPC on --listen (and Prometheus metrics on
// --metrics_listen), runs the aggregation worker in-process unless --worker=false, and on
// SIGINT/SIGTERM stops accepting calls, finishes the ones in flight and closes the database.
#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/constants.h"
#include "gongkai/v1/rollup.pb.h"
#include "observability/http.h"
#include "observability/log.h"
#include "observability/metrics.h"
#include "proto/anomaly_kind.h"
#include "services/server.h"
#include "registry/registry.h"
#include "storage/store.h"
#include "worker/runner/runner.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "Address to serve gRPC on (host:port).");
ABSL_FLAG(std::string, data_dir, "gongkai-data", "Directory of the RocksDB database.");
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
ABSL_FLAG(std::string, port_file, "",
          "If set, the bound port is written to this file once serving (for --listen=...:0).");

namespace {

// "localhost", an IPv4 address in 127.0.0.0/8, or ::1 (names are not resolved).
bool IsLoopback(const std::string& host) {
  if (host == "localhost" || host == "[::1]" || host == "::1") return true;
  in_addr address;
  return inet_pton(AF_INET, host.c_str(), &address) == 1 && (ntohl(address.s_addr) >> 24) == 127;
}

// Creates the first admin and writes its token to a new file only the owner can read.
absl::Status Bootstrap(gongkai::Authenticator* auth, const std::string& path,
                       gongkai::Logger* logger) {
  if (auth->enforced()) {
    logger->Info("principals exist; --bootstrap_admin_token_file ignored");
    return absl::OkStatus();
  }
  gongkai::v1::Principal admin;
  admin.set_name("admin");
  for (auto role : {gongkai::v1::ROLE_ADMIN, gongkai::v1::ROLE_SUBMITTER, gongkai::v1::ROLE_READER,
                    gongkai::v1::ROLE_WORKER}) {
    admin.add_roles(role);
  }
  admin.add_region_codes(std::string(gongkai::kNationCode));
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--bootstrap_admin_token_file: cannot create ", path, " (it must not exist yet)"));
  }
  auto created = auth->Create(gongkai::Caller::Open(), admin, absl::Now());
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
  explicit ScrapeGauges(gongkai::storage::Store* store) : store_(store) {}

  std::vector<gongkai::Metrics::Gauge> Collect() {
    std::vector<gongkai::Metrics::Gauge> gauges;
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
    absl::MutexLock lock(&mu_);
    if (absl::Now() - counted_ > absl::Minutes(1)) {
      if (auto counts = store_->CountAnomalies(); counts.ok()) anomalies_ = *std::move(counts);
      counted_ = absl::Now();
    }
    for (const auto& [key, count] : anomalies_) {
      gauges.push_back(
          {"gongkai_anomalies", "Stored anomaly flags, by year and kind.",
           absl::StrCat("year=\"", key.first, "\",kind=\"",
                        gongkai::AnomalyKindName(static_cast<gongkai::v1::AnomalyKind>(key.second)),
                        "\""),
           static_cast<double>(count)});
    }
    return gauges;
  }

 private:
  gongkai::storage::Store* store_;
  absl::Mutex mu_;
  absl::Time counted_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::map<std::pair<int, int>, int64_t> anomalies_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  gongkai::Logger::Format format;
  if (!gongkai::Logger::ParseFormat(absl::GetFlag(FLAGS_log_format), &format)) {
    std::cerr << "gongkaid: --log_format must be json or text\n";
    return 2;
  }
  gongkai::Logger logger("gongkaid", format, &std::cerr);
  auto fail = [&](const absl::Status& status) {
    logger.Error("fatal", {{"error", status.ToString()}});
    return 1;
  };

  // Block the shutdown signals in every thread; one thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  gongkai::worker::Settings worker_settings;
  if (absl::Status s =
          gongkai::worker::ParseDeadlines(absl::GetFlag(FLAGS_deadlines), &worker_settings);
      !s.ok()) {
    return fail(s);
  }

  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  auto store = gongkai::storage::Store::Open(data_dir);
  if (!store.ok()) return fail(store.status());

  if ((*store)->registry()->empty() || absl::GetFlag(FLAGS_reload_registry)) {
    std::string registry_dir = absl::GetFlag(FLAGS_registry_dir);
    if (registry_dir.empty()) registry_dir = DefaultRegistryDir();
    auto histories = gongkai::registry::ReadRegistryDir(registry_dir);
    if (!histories.ok()) return fail(histories.status());
    if (absl::Status s = (*store)->LoadRegistry(*std::move(histories)); !s.ok()) return fail(s);
    logger.Info("loaded the region registry", {{"registry_dir", registry_dir}});
  }
  logger.Info("store opened", {{"data_dir", data_dir},
                               {"regions", absl::StrCat((*store)->registry()->size())},
                               {"registry_years",
                                absl::StrCat((*store)->registry()->first_year(), "–",
                                             (*store)->registry()->last_change_year())},
                               {"change_log_head", absl::StrCat((*store)->HeadSequence())}});

  gongkai::AuthOptions auth_options;
  auth_options.default_rate_limit = absl::GetFlag(FLAGS_rate_limit);
  auto auth = gongkai::Authenticator::Load(store->get(), auth_options);
  if (!auth.ok()) return fail(auth.status());
  if (const std::string path = absl::GetFlag(FLAGS_bootstrap_admin_token_file); !path.empty()) {
    if (absl::Status s = Bootstrap(auth->get(), path, &logger); !s.ok()) return fail(s);
  }

  // Plaintext or open only on loopback, unless explicitly allowed.
  const std::string listen = absl::GetFlag(FLAGS_listen);
  const std::string host = listen.substr(0, listen.rfind(':'));
  gongkai::ServerOptions server_options;
  server_options.listen = listen;
  server_options.max_receive_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  if (server_options.max_receive_message_bytes < 64 << 10) {
    return fail(absl::InvalidArgumentError("--max_message_bytes must be at least 65536"));
  }
  const bool tls = !absl::GetFlag(FLAGS_tls_cert).empty() || !absl::GetFlag(FLAGS_tls_key).empty();
  if (tls) {
    auto credentials =
        gongkai::TlsCredentials(absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key),
                                absl::GetFlag(FLAGS_tls_client_ca));
    if (!credentials.ok()) return fail(credentials.status());
    server_options.credentials = *credentials;
  } else if (!absl::GetFlag(FLAGS_tls_client_ca).empty()) {
    return fail(absl::InvalidArgumentError("--tls_client_ca needs --tls_cert and --tls_key"));
  }
  if (!IsLoopback(host) && !(tls && (*auth)->enforced())) {
    if (!absl::GetFlag(FLAGS_allow_insecure)) {
      return fail(absl::FailedPreconditionError(absl::StrCat(
          "refusing to serve ", listen, " ", !tls ? "without TLS" : "without credentials",
          ": give --tls_cert and --tls_key, create principals (--bootstrap_admin_token_file, "
          "then gongkai principal create), or pass --allow_insecure behind a proxy that "
          "provides both (docs/SECURITY.md)")));
    }
    logger.Warning("serving a non-loopback address without TLS or credentials (--allow_insecure)",
                   {{"listen", listen}});
  }
  if (!(*auth)->enforced()) {
    logger.Warning(
        "RUNNING OPEN: no principal exists, so every caller is \"anonymous\" with every role "
        "over the whole nation. Create one (gongkai principal create, or "
        "--bootstrap_admin_token_file) to require credentials.");
  }

  gongkai::Metrics metrics;
  gongkai::Env env;
  env.store = store->get();
  env.metrics = &metrics;
  env.logger = &logger;
  env.auth = auth->get();
  env.worker_settings = &worker_settings;
  auto server = gongkai::Server::Start(&env, server_options);
  if (!server.ok()) return fail(server.status());
  logger.Info(absl::StrCat("listening on ", host, ":", (*server)->port()),
              {{"tls", tls ? "on" : "off"},
               {"client_certificates", absl::GetFlag(FLAGS_tls_client_ca).empty() ? "off" : "on"}});

  ScrapeGauges gauges(store->get());
  std::unique_ptr<gongkai::MetricsEndpoint> metrics_endpoint;
  if (const std::string metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
      !metrics_listen.empty()) {
    auto endpoint = gongkai::MetricsEndpoint::Start(
        metrics_listen, [&] { return metrics.Render(gauges.Collect()); });
    if (!endpoint.ok()) return fail(endpoint.status());
    metrics_endpoint = *std::move(endpoint);
    logger.Info("serving metrics",
                {{"address", metrics_listen}, {"port", absl::StrCat(metrics_endpoint->port())}});
  }

  std::unique_ptr<gongkai::worker::Runner> worker;
  std::thread worker_thread;
  if (absl::GetFlag(FLAGS_worker)) {
    gongkai::worker::RunnerOptions options;
    options.full_recompute_interval = absl::GetFlag(FLAGS_full_recompute_interval);
    options.settings = worker_settings;
    options.log = [&](const std::string& line) { logger.Info(line, {{"component", "worker"}}); };
    // The in-process worker's own principal, held only in memory.
    gongkai::v1::Principal principal;
    principal.set_name("_worker");
    principal.add_roles(gongkai::v1::ROLE_WORKER);
    principal.add_region_codes(std::string(gongkai::kNationCode));
    auto token = (*auth)->CreateEphemeral(principal, absl::Now());
    if (!token.ok()) return fail(token.status());
    options.token = *token;
    worker = std::make_unique<gongkai::worker::Runner>(
        (*server)->InProcessChannel(gongkai::worker::WorkerChannelArguments()), options);
    worker_thread = std::thread([&] { (void)worker->Run(); });
    logger.Info("aggregation worker running in-process");
  }

  // Written last: whoever waits for it can use everything above.
  if (const std::string port_file = absl::GetFlag(FLAGS_port_file); !port_file.empty()) {
    const std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << (*server)->port() << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  }

  // A write error RocksDB cannot recover from while open: stop (exit 1) so that the
  // supervisor restarts gongkaid, whose recovery replays the log (storage/store.h).
  std::atomic<bool> stopping{false};
  std::atomic<bool> must_reopen{false};
  std::thread reopen_watch([&] {
    while (!stopping.load()) {
      if ((*store)->NeedsReopen()) {
        logger.Error(
            "the database met a write error it cannot recover from while open; "
            "stopping so that a restart reopens it");
        must_reopen = true;
        kill(getpid(), SIGTERM);
        return;
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
  });

  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    stopping = true;
    logger.Info("shutting down", {{"signal", absl::StrCat(signal)}});
    if (worker != nullptr) {
      worker->Stop();
      worker_thread.join();
    }
    (*server)->Shutdown();
  });
  (*server)->Wait();
  waiter.join();
  reopen_watch.join();
  metrics_endpoint.reset();
  server->reset();
  auth->reset();
  store->reset();  // Closes the database.
  logger.Info("stopped");
  return must_reopen ? 1 : 0;
}
