// What the time-valid registry costs at start-up and in memory (issue 12): reading
// data/regions, building every year's tree, and the resident memory that adds, against the
// same for one edition (the 2023 tree alone, as the registry was before). Each measurement in
// a fresh child process so that the heap of one does not flatter the other.
//
//   build/bin/registry_cost [--repeat N]      one JSON line per figure (medians of N)
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/memory.h"
#include "registry/registry.h"

namespace {

using gongkai::registry::TimedRegistry;

struct Figures {
  double read_ms = 0;
  double build_ms = 0;
  double rss_mib = 0;
  long trees = 0;
};

// One measurement: `history` the whole 2019–2023 registry, else the 2023 tree as one edition.
// Reading the files is timed for the whole registry only; the one-edition registry is made
// from it (the 2023 tree, valid in every year) before the measurement starts. Resident memory
// is what the built registry holds (its histories, one Region per version, every year's tree).
Figures Measure(bool history) {
  const std::string dir = std::string(GONGKAI_SOURCE_DIR) + "/data/regions";
  absl::Time start = absl::Now();
  auto histories = gongkai::registry::ReadRegistryDir(dir);
  if (!histories.ok()) std::abort();
  Figures f;
  f.read_ms = absl::ToDoubleMilliseconds(absl::Now() - start);
  if (!history) {
    auto full = TimedRegistry::Build(*histories);
    std::vector<gongkai::v1::Region> regions;
    for (const auto* r : (*full)->Tree(2023)->regions()) regions.push_back(*r);
    histories = gongkai::registry::HistoriesOf(regions, 2019);
    f.read_ms = 0;
  }
  gongkai::ReleaseFreeMemory();  // glibc's malloc_trim: this program links no TCMalloc
  const int64_t before = gongkai::CurrentMemoryUsage().resident;
  start = absl::Now();
  auto registry = TimedRegistry::Build(*std::move(histories));
  if (!registry.ok()) std::abort();
  f.build_ms = absl::ToDoubleMilliseconds(absl::Now() - start);
  gongkai::ReleaseFreeMemory();
  f.rss_mib = static_cast<double>(gongkai::CurrentMemoryUsage().resident - before) / (1 << 20);
  f.trees = (*registry)->last_change_year() - (*registry)->first_year() + 1;
  return f;
}

// Runs Measure in a child process and reads its figures back through a pipe.
Figures InChild(bool history) {
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const Figures f = Measure(history);
    if (write(fds[1], &f, sizeof f) != sizeof f) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  Figures f;
  if (read(fds[0], &f, sizeof f) != sizeof f) std::abort();
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return f;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 5;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--repeat") == 0) repeat = std::atoi(argv[i + 1]);
  }
  for (bool history : {false, true}) {
    std::vector<double> read, build, rss;
    long trees = 0;
    for (int r = 0; r < repeat; ++r) {
      const Figures f = InChild(history);
      read.push_back(f.read_ms);
      build.push_back(f.build_ms);
      rss.push_back(f.rss_mib);
      trees = f.trees;
    }
    std::printf("%s\n", absl::StrFormat("{\"registry\":\"%s\",\"trees\":%d,\"read_ms\":%.1f,"
                                        "\"build_ms\":%.1f,\"rss_mib\":%.1f,\"runs\":%d}",
                                        history ? "2019-2023" : "2023 only", trees, Median(read),
                                        Median(build), Median(rss), repeat)
                            .c_str());
  }
  return 0;
}
