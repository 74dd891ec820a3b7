// Parse throughput of published reports: each sample, and the mix of all six, on one core.
// Target (issue 4): at least 1,000 typical reports per second per core.
//
//   build/bin/parse_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "importer/parser.h"

namespace {

std::string ReadSample(const std::string& name) {
  std::ifstream in(std::string(GONGKAI_SOURCE_DIR) + "/tests/testdata/samples/" + name);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

const std::vector<std::string>& Samples() {
  static const auto* samples =
      new std::vector<std::string>{"2019_town_yishi.txt",
                                   "2019_prov_shanghai-szfbgt.txt",
                                   "2020_town_liangcheng-weishan.txt",
                                   "2021_pref_pingtan.txt",
                                   "2022_dept-zone_gaoxin-shehuifazhanju.txt",
                                   "2023_street_guanzhou-haizhu.txt"};
  return *samples;
}

void BM_ParseSample(benchmark::State& state) {
  const std::string text = ReadSample(Samples()[state.range(0)]);
  for (auto _ : state) {
    benchmark::DoNotOptimize(gongkai::importer::ParseReport(text));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
  state.SetLabel(Samples()[state.range(0)]);
}
BENCHMARK(BM_ParseSample)->DenseRange(0, 5);

// Reports per second over the mix of every layout we have met.
void BM_ParseMix(benchmark::State& state) {
  std::vector<std::string> texts;
  for (const std::string& name : Samples()) texts.push_back(ReadSample(name));
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(gongkai::importer::ParseReport(texts[i++ % texts.size()]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseMix);

}  // namespace

BENCHMARK_MAIN();
