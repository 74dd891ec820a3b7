// Parse throughput of published reports: each sample, and the mix of all six, on one core.
// Target (issue 4): at least 1,000 typical reports per second per core. The same six as
// published files (tests/testdata/files): .docx at least 200 files/s, PDF with a text layer at
// least 50 files/s per core, OCR at most 3 s a page (issue 16).
//
//   build/bin/parse_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "importer/files/files.h"
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

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(GONGKAI_SOURCE_DIR) + "/tests/testdata/files/" + name,
                   std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Files per second over the six samples as files of one kind (ParseFile: read, then parse).
void ParseFiles(benchmark::State& state, const std::string& extension) {
  std::vector<std::string> files;
  for (const std::string& name : Samples()) {
    files.push_back(ReadFixture(name.substr(0, name.size() - 4) + extension));
  }
  size_t i = 0;
  for (auto _ : state) {
    auto result = gongkai::importer::ParseFile(files[i++ % files.size()], "");
    if (!result.ok()) state.SkipWithError(std::string(result.status().message()).c_str());
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_ParseDocxFiles(benchmark::State& state) { ParseFiles(state, ".docx"); }
void BM_ParsePdfFiles(benchmark::State& state) { ParseFiles(state, ".pdf"); }
BENCHMARK(BM_ParseDocxFiles);
BENCHMARK(BM_ParsePdfFiles);

// OCR: seconds per page of a picture of tables (target: at most 3 s a page). The fixtures are
// two pages each, drawn at 150 dpi: a long PNG and a scanned PDF.
void ParsePicture(benchmark::State& state, const std::string& name) {
  const std::string file = ReadFixture(name);
  for (auto _ : state) {
    auto result = gongkai::importer::ParseFile(file, "");
    if (!result.ok()) state.SkipWithError(std::string(result.status().message()).c_str());
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations() * 2);  // pages
}
void BM_OcrPng(benchmark::State& state) {
  ParsePicture(state, "2023_street_guanzhou-haizhu.png");
}
void BM_OcrScannedPdf(benchmark::State& state) {
  ParsePicture(state, "2021_pref_pingtan.scan.pdf");
}
BENCHMARK(BM_OcrPng)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_OcrScannedPdf)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
