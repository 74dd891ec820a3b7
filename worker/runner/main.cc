// gongkai-worker: the aggregation worker as its own process. Follows gongkaid's change log
// and keeps rollups and anomaly flags up to date; with --once --year Y it recomputes one
// year in full and exits 0 only if that completed (for cron / CronJob use).
#include <csignal>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "worker/runner/runner.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "gongkaid address (host:port).");
ABSL_FLAG(bool, once, false, "Recompute --year in full, write it, and exit.");
ABSL_FLAG(int, year, 0, "The year for --once.");
ABSL_FLAG(absl::Duration, poll_interval, absl::Milliseconds(50),
          "How often to look for changes when idle.");
ABSL_FLAG(std::string, deadlines, "township=01-31,department=01-31,county=03-31",
          "Reporting deadlines in the year after the reporting year, per level (county: "
          "governments of counties and above).");
ABSL_FLAG(absl::Duration, full_recompute_interval, absl::Hours(6),
          "How often to recompute every year from scratch and report drift.");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto channel = grpc::CreateCustomChannel(absl::GetFlag(FLAGS_server),
                                          grpc::InsecureChannelCredentials(),
                                          gongkai::worker::WorkerChannelArguments());
  gongkai::worker::RunnerOptions options;
  options.poll_interval = absl::GetFlag(FLAGS_poll_interval);
  options.full_recompute_interval = absl::GetFlag(FLAGS_full_recompute_interval);
  if (absl::Status s = gongkai::worker::ParseDeadlines(absl::GetFlag(FLAGS_deadlines),
                                                       &options.settings);
      !s.ok()) {
    std::cerr << "gongkai-worker: --deadlines: " << s.message() << "\n";
    return 2;
  }
  gongkai::worker::Runner runner(channel, options);

  if (absl::GetFlag(FLAGS_once)) {
    if (absl::GetFlag(FLAGS_year) == 0) {
      std::cerr << "gongkai-worker: --once needs --year\n";
      return 2;
    }
    absl::Status status = runner.RecomputeOnce(absl::GetFlag(FLAGS_year));
    if (!status.ok()) {
      std::cerr << "gongkai-worker: " << status << "\n";
      return 1;
    }
    return 0;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    runner.Stop();
  });
  absl::Status status = runner.Run();
  waiter.join();
  return status.ok() ? 0 : 1;
}
