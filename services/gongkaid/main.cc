// gongkaid: the submission service. Opens (or creates) the store in --data_dir, loads the
// national region registry on first start, and serves gRPC on --listen until SIGINT/SIGTERM,
// when it stops accepting calls, finishes the ones in flight and closes the database.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "services/server.h"
#include "storage/registry.h"
#include "storage/store.h"
#include "worker/runner/runner.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "Address to serve gRPC on (host:port).");
ABSL_FLAG(std::string, data_dir, "gongkai-data", "Directory of the RocksDB database.");
ABSL_FLAG(std::string, registry_dir, GONGKAI_DEFAULT_REGISTRY_DIR,
          "Directory with provinces.csv, cities.csv, areas.csv and streets.csv, loaded into "
          "the store when it has no registry yet (or with --reload_registry).");
ABSL_FLAG(bool, reload_registry, false, "Replace the stored registry with --registry_dir's.");
ABSL_FLAG(bool, worker, true,
          "Run the aggregation worker in-process (turn off when gongkai-worker runs apart).");
ABSL_FLAG(std::string, deadlines, "township=01-31,department=01-31,county=03-31",
          "Reporting deadlines in the year after the reporting year, per level (county: "
          "governments of counties and above).");
ABSL_FLAG(absl::Duration, full_recompute_interval, absl::Hours(6),
          "How often the in-process worker recomputes every year from scratch.");
ABSL_FLAG(std::string, port_file, "",
          "If set, the bound port is written to this file once serving (for --listen=...:0).");

namespace {

void Log(const std::string& line) { std::cerr << "gongkaid: " << line << std::endl; }

int Fail(const absl::Status& status) {
  Log(absl::StrCat("fatal: ", status.ToString()));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);

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
    return Fail(s);
  }

  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  auto store = gongkai::storage::Store::Open(data_dir);
  if (!store.ok()) return Fail(store.status());

  if ((*store)->registry()->empty() || absl::GetFlag(FLAGS_reload_registry)) {
    const std::string registry_dir = absl::GetFlag(FLAGS_registry_dir);
    auto regions = gongkai::storage::ReadRegistryCsv(registry_dir);
    if (!regions.ok()) return Fail(regions.status());
    if (absl::Status s = (*store)->LoadRegistry(*std::move(regions)); !s.ok()) return Fail(s);
    Log(absl::StrCat("loaded the region registry from ", registry_dir));
  }
  Log(absl::StrCat("store ", data_dir, ": ", (*store)->registry()->size(), " regions, change log at ",
                   (*store)->HeadSequence()));

  gongkai::Env env;
  env.store = store->get();
  auto server = gongkai::Server::Start(&env, absl::GetFlag(FLAGS_listen));
  if (!server.ok()) return Fail(server.status());

  const std::string listen = absl::GetFlag(FLAGS_listen);
  const std::string host = listen.substr(0, listen.rfind(':'));
  Log(absl::StrCat("listening on ", host, ":", (*server)->port()));
  if (const std::string port_file = absl::GetFlag(FLAGS_port_file); !port_file.empty()) {
    const std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << (*server)->port() << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  }

  std::unique_ptr<gongkai::worker::Runner> worker;
  std::thread worker_thread;
  if (absl::GetFlag(FLAGS_worker)) {
    gongkai::worker::RunnerOptions options;
    options.full_recompute_interval = absl::GetFlag(FLAGS_full_recompute_interval);
    options.settings = worker_settings;
    worker = std::make_unique<gongkai::worker::Runner>(
        (*server)->InProcessChannel(gongkai::worker::WorkerChannelArguments()), options);
    worker_thread = std::thread([&] { (void)worker->Run(); });
    Log("aggregation worker running in-process");
  }

  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    Log(absl::StrCat("received signal ", signal, ", shutting down"));
    if (worker != nullptr) {
      worker->Stop();
      worker_thread.join();
    }
    (*server)->Shutdown();
  });
  (*server)->Wait();
  waiter.join();
  server->reset();
  store->reset();  // Closes the database.
  Log("stopped");
  return 0;
}
