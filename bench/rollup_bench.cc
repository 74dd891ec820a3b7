// The worker's arithmetic at national scale, without gRPC or RocksDB: one government report
// for every region of the 2023 registry (≈44,700, both editions, sparse zero-inflated
// counts), applied to an empty YearModel (the full recompute's arithmetic), one resubmission
// applied incrementally, every region's rollup built, and every region's flags evaluated.
//
//   build/bin/rollup_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// GONGKAI_BENCH_REGIONS=N limits the reports to the first N regions (the CI smoke run).
#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <random>

#include "bench/generator.h"
#include "benchmark/benchmark.h"
#include "common/memory.h"
#include "google/protobuf/util/time_util.h"
#include "proto/cells.h"
#include "proto/digest.h"
#include "registry/registry.h"
#include "worker/anomalies.h"
#include "worker/model.h"

namespace gongkai::worker {
namespace {

struct Nation {
  std::shared_ptr<const RegionTree> tree;
  std::vector<v1::Revision> reports;
};

// Deterministic: the same reports on every run.
const Nation& National() {
  static const Nation* nation = [] {
    auto* out = new Nation();
    auto regions = bench::ReadRegions(std::string(GONGKAI_SOURCE_DIR) + "/data/regions", 2021);
    out->tree = *RegionTree::Build(*regions, 2021);
    std::mt19937 rng(2021);
    const char* limit = std::getenv("GONGKAI_BENCH_REGIONS");
    const int regions_used = limit != nullptr ? std::atoi(limit) : out->tree->size();
    for (int i = 0; i < out->tree->size() && i < regions_used; ++i) {
      if (i == out->tree->root()) continue;
      v1::Revision revision;
      revision.mutable_key()->set_region_code(out->tree->region(i).code);
      revision.mutable_key()->set_year(2021);
      revision.mutable_key()->set_scope(v1::SCOPE_OWN);
      revision.set_revision(1);
      v1::Report* report = revision.mutable_report();
      report->set_edition(rng() % 10 == 0 ? v1::EDITION_2019 : v1::EDITION_2021);
      *report->mutable_key() = revision.key();
      // About a third of the cells filled, most of them zero.
      for (const CellSpec& cell : CellsOf(report->edition())) {
        if (rng() % 3 != 0) continue;
        const int64_t value = rng() % 4 == 0 ? static_cast<int64_t>(rng() % 20) : 0;
        SetCell(report, cell, value);
      }
      report->mutable_narrative()->set_problems(
          "一是政务公开工作人员业务水平有待提高；二是公开内容不够丰富，部分信息更新不够及时。");
      *revision.mutable_first_create_time() =
          google::protobuf::util::TimeUtil::SecondsToTimestamp(1640995200 + i);
      out->reports.push_back(std::move(revision));
    }
    return out;
  }();
  return *nation;
}

void BM_FullRecomputeArithmetic(benchmark::State& state) {
  const Nation& nation = National();
  Settings settings;
  for (auto _ : state) {
    YearModel model(2021, nation.tree, &settings);
    for (const v1::Revision& r : nation.reports) model.Apply(r);
    benchmark::DoNotOptimize(model.report_count());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(nation.reports.size()));
}
BENCHMARK(BM_FullRecomputeArithmetic)->Unit(benchmark::kMillisecond);

void BM_IncrementalResubmission(benchmark::State& state) {
  const Nation& nation = National();
  Settings settings;
  YearModel model(2021, nation.tree, &settings);
  for (const v1::Revision& r : nation.reports) model.Apply(r);
  v1::Revision change = nation.reports[nation.reports.size() / 2];
  for (auto _ : state) {
    change.set_revision(change.revision() + 1);
    benchmark::DoNotOptimize(model.Apply(change));
  }
}
BENCHMARK(BM_IncrementalResubmission)->Unit(benchmark::kMicrosecond);

void BM_BuildEveryRollup(benchmark::State& state) {
  const Nation& nation = National();
  Settings settings;
  YearModel model(2021, nation.tree, &settings);
  for (const v1::Revision& r : nation.reports) model.Apply(r);
  for (auto _ : state) {
    for (int i = 0; i < nation.tree->size(); ++i) {
      benchmark::DoNotOptimize(model.BuildRollup(i, 1, absl::UnixEpoch()));
    }
  }
  state.SetItemsProcessed(state.iterations() * nation.tree->size());
  // What the store keeps per rollup (cells without labels), and what GetRollup serves.
  double stored = 0, served = 0;
  for (int i = 0; i < nation.tree->size(); ++i) {
    v1::Rollup rollup = model.BuildRollup(i, 1, absl::UnixEpoch());
    stored += static_cast<double>(rollup.ByteSizeLong());
    AddCellLabels(&rollup);
    served += static_cast<double>(rollup.ByteSizeLong());
  }
  state.counters["stored_bytes"] = stored / nation.tree->size();
  state.counters["served_bytes"] = served / nation.tree->size();
}
BENCHMARK(BM_BuildEveryRollup)->Unit(benchmark::kMillisecond);

void BM_EvaluateEveryRegionsFlags(benchmark::State& state) {
  const Nation& nation = National();
  Settings settings;
  YearModel model(2021, nation.tree, &settings);
  for (const v1::Revision& r : nation.reports) model.Apply(r);
  const absl::Time now = absl::FromUnixSeconds(1656633600);  // 2022-07-01
  std::map<std::string, int> kinds;  // the last pass's flags, kind by kind: a change that
                                     // speeds the checks up must not move them
  uint64_t checksum = 0;
  for (auto _ : state) {
    kinds.clear();
    checksum = 0;
    for (int i = 0; i < nation.tree->size(); ++i) {
      const v1::AnomalySet set = EvaluateRegion(model, nullptr, i, now);
      for (const v1::Anomaly& a : set.anomalies()) {
        ++kinds[v1::AnomalyKind_Name(a.kind())];
        // Identity, facts and wording, summed exactly within a double's 53 bits.
        checksum = (checksum + (std::hash<std::string>{}(a.SerializeAsString()) >> 24)) &
                   ((uint64_t{1} << 52) - 1);
      }
    }
  }
  // Bytes of the flag sets of regions with flags, as stored (field paths) and as served
  // (labelled), averaged; measured after the timed loop.
  double stored = 0, served = 0, sets = 0;
  for (int i = 0; i < nation.tree->size(); ++i) {
    v1::AnomalySet set = EvaluateRegion(model, nullptr, i, now);
    if (set.anomalies().empty()) continue;
    ++sets;
    stored += static_cast<double>(set.ByteSizeLong());
    AddCellLabels(&set);
    served += static_cast<double>(set.ByteSizeLong());
  }
  state.counters["flag_set_stored_bytes"] = stored / std::max(1.0, sets);
  state.counters["flag_set_served_bytes"] = served / std::max(1.0, sets);
  for (const auto& [kind, n] : kinds) state.counters[kind] = n;
  state.counters["checksum"] = static_cast<double>(checksum);
  state.SetItemsProcessed(state.iterations() * nation.tree->size());
}
BENCHMARK(BM_EvaluateEveryRegionsFlags)->Unit(benchmark::kMillisecond);

// The memory a year takes in the worker (issue 13's RSS targets): its region tree, and its
// model holding every report of the load generator's national year (80,136 in 2022:
// governments and departments, narratives of realistic length), before and after every
// region's flags are evaluated once (which fills the remembered narrative similarities).
// Live heap bytes, not the resident set: the figures do not move with the machine's load.
void BM_YearModelMemory(benchmark::State& state) {
  constexpr int kYear = 2022;
  auto regions = bench::ReadRegions(std::string(GONGKAI_SOURCE_DIR) + "/data/regions", kYear);
  bench::GeneratorOptions options;
  if (const char* limit = std::getenv("GONGKAI_BENCH_REGIONS")) {
    options.region_limit = std::atoi(limit);
  }
  const bench::Generator generator(*regions, options);
  google::protobuf::RepeatedPtrField<v1::ReportDigest> digests;
  for (size_t i = 0; i < generator.size(); ++i) {
    v1::Revision revision;
    *revision.mutable_report() = generator.Make(i, kYear).report();
    *revision.mutable_key() = revision.report().key();
    revision.set_revision(1);
    *revision.mutable_first_create_time() =
        google::protobuf::util::TimeUtil::SecondsToTimestamp(1672531200 + static_cast<int64_t>(i));
    *digests.Add() = DigestOf(revision);
  }
  const Settings settings;
  const absl::Time now = absl::FromUnixSeconds(1688169600);  // 2023-07-01
  auto megabytes = [](int64_t from, int64_t to) { return static_cast<double>(to - from) / 1e6; };
  for (auto _ : state) {
    const int64_t before = CurrentMemoryUsage().heap_allocated;
    std::shared_ptr<const RegionTree> tree = *RegionTree::Build(*regions, kYear);
    const int64_t with_tree = CurrentMemoryUsage().heap_allocated;
    YearModel model(kYear, tree, &settings);
    model.ApplyAll(digests, 1);
    const int64_t with_model = CurrentMemoryUsage().heap_allocated;
    for (int i = 0; i < tree->size(); ++i) {
      benchmark::DoNotOptimize(EvaluateRegion(model, nullptr, i, now));
    }
    const int64_t with_flags = CurrentMemoryUsage().heap_allocated;
    state.counters["reports"] = model.report_count();
    state.counters["tree_MB"] = megabytes(before, with_tree);
    state.counters["model_MB"] = megabytes(with_tree, with_model);
    state.counters["remembered_similarities_MB"] = megabytes(with_model, with_flags);
  }
}
BENCHMARK(BM_YearModelMemory)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace gongkai::worker

BENCHMARK_MAIN();
