// What the worker writes, end to end (the fixture: history_fixture.h): the same results on
// one thread or four, in pieces, paced while changes keep coming, and only what changed in a
// full recompute. The years it keeps in memory: resident_years_test.cc.
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/worker/history_fixture.h"

namespace gongkai {
namespace {

TEST_F(HistoryTest, ResultsAreTheSameBuiltOnOneThreadOrOnFour) {
  // Every township of 宁海县 and 象山县 files for 2024 and 2025, with random counts (peer outliers,
  // carry-over mismatches) and one of three narratives (copied ones); a full recompute of 2025
  // on one thread and on four writes the same rollup and the same flags for every region.
  std::vector<std::string> towns;
  for (const char* county : {"330226000000", "330225000000"}) {
    for (const v1::Region* r : store_->registry()->Tree(2025)->ChildrenOf(county)) {
      towns.push_back(r->code());
    }
  }
  ASSERT_GT(towns.size(), 30u);
  const std::string narratives[] = {
      "本年度政府信息公开工作仍存在一些不足：一是主动公开的深度和广度有待加强，二是政策解读的形式较"
      "为单一。",
      "工作人员业务水平有待提高，信息发布的及时性仍需加强，下一步将加强培训，完善工作机制。",
      "个别栏目更新不及时，公开内容不够全面。今后将进一步规范公开流程，提升公开质量和实效。"};
  std::mt19937 rng(2025);
  for (int year : {2024, 2025}) {
    for (const std::string& town : towns) {
      Submit(town, year, [&](v1::Report* r) {
        r->mutable_table3()->mutable_carried_forward()->set_natural_person(
            static_cast<int>(rng() % 40));
        const std::string& narrative = narratives[rng() % 3];
        r->mutable_narrative()->set_problems(narrative + narrative);  // long enough to compare
      });
    }
  }
  AwaitWorker();
  // What a full recompute of 2025 writes, by region (taken from the requests, not the store, so
  // that nothing written before shows through).
  auto results = [&](int threads) {
    std::map<std::string, std::string> rollups, flags;
    int copied = 0;
    worker::RunnerOptions options;
    options.clock = [] { return kNow; };
    options.log = [](const std::string&) {};
    options.threads = threads;
    options.write_results = [&](const SerializedResults& written) {
      for (const auto& [region, value] : written.rollups) rollups[region] += value;
      for (const auto& [region, value] : written.anomaly_sets) {
        flags[region] += value;
        v1::AnomalySet set;
        EXPECT_TRUE(set.ParseFromString(value));
        for (const v1::Anomaly& anomaly : set.anomalies()) {
          copied += anomaly.kind() == v1::ANOMALY_KIND_COPIED_NARRATIVE;
        }
      }
      return absl::OkStatus();
    };
    worker::Runner runner(server_->InProcessChannel(worker::WorkerChannelArguments()), options);
    EXPECT_TRUE(runner.RecomputeOnce(2025).ok());
    EXPECT_EQ(rollups.size(), store_->registry()->Tree(2025)->size());
    EXPECT_EQ(flags.size(), rollups.size());
    EXPECT_GT(copied, 0);
    return std::make_pair(rollups, flags);
  };
  const auto one = results(1);
  const auto four = results(4);
  EXPECT_TRUE(one.first == four.first) << "the rollups differ";
  EXPECT_TRUE(one.second == four.second) << "the flags differ";
}

TEST_F(HistoryTest, ResultsAreHandedToTheStoreInPiecesReplacingTheYearFirstAndCheckpointedLast) {
  // A worker of its own hands its results over in pieces of about 4 KiB (a rollup is larger):
  // its first whole write of 2026 replaces the year's flags in the first piece only and holds
  // every region once; a change's write carries the checkpoint in its last piece only.
  Submit("330226001000", 2026);
  Submit("330226002000", 2026);
  AwaitWorker();
  struct Piece {
    bool replace_year = false;
    std::optional<int64_t> checkpoint;
    size_t results = 0;
  };
  absl::Mutex mu;
  std::vector<Piece> pieces;
  std::set<std::string> rollups, sets;
  worker::RunnerOptions options;
  options.clock = [] { return kNow; };
  options.log = [](const std::string&) {};
  options.write_chunk_bytes = 4 << 10;
  options.write_results = [&](const SerializedResults& results) {
    absl::MutexLock lock(&mu);
    if (results.year != 2026) return absl::OkStatus();  // the checkpoint alone, under 2019
    pieces.push_back({results.replace_year, results.checkpoint,
                      results.rollups.size() + results.anomaly_sets.size()});
    for (const auto& item : results.rollups) EXPECT_TRUE(rollups.insert(item.region_code).second);
    for (const auto& item : results.anomaly_sets) EXPECT_TRUE(sets.insert(item.region_code).second);
    return absl::OkStatus();
  };
  worker::Runner runner(server_->InProcessChannel(worker::WorkerChannelArguments()), options);
  std::thread thread([&] { (void)runner.Run(); });
  AwaitApplied(runner);
  size_t whole = 0;
  {
    absl::MutexLock lock(&mu);
    whole = pieces.size();
    ASSERT_GT(whole, 2u);
    EXPECT_TRUE(pieces.front().replace_year);
    for (size_t i = 1; i < whole; ++i) EXPECT_FALSE(pieces[i].replace_year) << i;
    for (size_t i = 0; i + 1 < whole; ++i) EXPECT_FALSE(pieces[i].checkpoint.has_value()) << i;
    const size_t regions = store_->registry()->Tree(2026)->size();
    EXPECT_EQ(rollups.size(), regions);
    EXPECT_EQ(sets.size(), regions);
    rollups.clear();
    sets.clear();
  }
  Submit("330226003000", 2026);
  AwaitApplied(runner);
  runner.Stop();
  thread.join();
  absl::MutexLock lock(&mu);
  ASSERT_GT(pieces.size(), whole + 1);  // the township's and its ancestors' rollups, and flags
  for (size_t i = whole; i < pieces.size(); ++i) {
    EXPECT_FALSE(pieces[i].replace_year) << i;
    // (The last may carry the checkpoint alone: the flag sets after the last full piece are
    // written only if they changed.)
    if (i + 1 < pieces.size()) {
      EXPECT_GT(pieces[i].results, 0u) << i;
    }
    EXPECT_EQ(pieces[i].checkpoint.has_value(), i + 1 == pieces.size()) << i;
  }
  EXPECT_EQ(pieces.back().checkpoint, store_->HeadSequence());
  EXPECT_TRUE(rollups.contains("330226003000"));
}

TEST_F(HistoryTest, AChangesWriteHoldsTheFlagSetsThatChangedAndEveryRollupItMoves) {
  // A township's report is written with the rollups of it and its ancestors (their sequence
  // moves to the change), and with the flag sets of its peers only where they changed: the
  // other townships of 宁海县 have their sets evaluated again, the same as stored. What is then
  // stored is what writing every region's results leaves.
  Submit("330226001000", 2026);
  Submit("330226002000", 2026);
  AwaitWorker();
  absl::Mutex mu;
  Written written;
  std::map<std::string, std::string> change_sets;  // what the change's write handed over
  std::set<std::string> change_rollups;
  bool in_change = false;
  worker::RunnerOptions options;
  options.clock = [] { return kNow; };
  options.log = [](const std::string&) {};
  options.write_results = [&](const SerializedResults& results) {
    absl::MutexLock lock(&mu);
    if (results.year != 2026) return absl::OkStatus();
    if (in_change) {
      for (const auto& item : results.rollups) change_rollups.insert(item.region_code);
      for (const auto& item : results.anomaly_sets) {
        // As Written keeps them: an empty value is a set without flags, stored as none.
        std::string value;
        if (!item.value.empty()) {
          v1::AnomalySet set;
          EXPECT_TRUE(set.ParseFromString(item.value));
          value = set.SerializeAsString();
        }
        const auto it = written.flags.find(item.region_code);
        EXPECT_NE(it == written.flags.end() ? std::string() : it->second, value)
            << item.region_code << " was written unchanged";
        change_sets[item.region_code] = value;
      }
    }
    written.Apply(results);
    return absl::OkStatus();
  };
  worker::Runner runner(server_->InProcessChannel(worker::WorkerChannelArguments()), options);
  std::thread thread([&] { (void)runner.Run(); });
  AwaitApplied(runner);
  {
    absl::MutexLock lock(&mu);
    in_change = true;
  }
  Submit("330226003000", 2026, [](v1::Report* r) {
    r->mutable_table3()->mutable_carried_forward()->set_natural_person(7);
  });
  AwaitApplied(runner);
  runner.Stop();
  thread.join();
  absl::MutexLock lock(&mu);
  for (const char* region :
       {"330226003000", "330226000000", "330200000000", "330000000000", "000000000000"}) {
    EXPECT_TRUE(change_rollups.contains(region)) << region;
  }
  const size_t towns = store_->registry()->Tree(2026)->ChildrenOf("330226000000").size();
  EXPECT_LT(change_sets.size(), towns) << "the peers' unchanged sets were written";
  const Written whole = FreshWholeWrite(options, 2026);
  EXPECT_TRUE(written.rollups == whole.rollups) << "the rollups differ";
  EXPECT_TRUE(written.flags == whole.flags) << "the flags differ";
}

TEST_F(HistoryTest, AWholeWriteThatFailsAfterReplacingTheFlagsWritesEveryFlagSetAgain) {
  // 2025 is loaded beside the resident 2026 to compare with, and a change's write stores the
  // flag set of 一六五团 (the last region in code order; missing: its deadline has passed). A job
  // then writes 2025 whole, replacing the year's flags: every result goes in a piece of its
  // own, and the piece with 一六五团's set fails. The retry must write that set again — the
  // store no longer holds it, although it is what the worker last wrote there.
  Submit("330226001000", 2025);
  Submit("330226001000", 2026);
  AwaitWorker();  // a checkpoint stored: the next worker starts from it, 2026 alone resident
  runner_->Stop();
  runner_thread_.join();
  runner_.reset();
  const std::string last = "659012505000";
  absl::Mutex mu;
  Written written;
  bool fail_last = false;
  worker::RunnerOptions options;
  options.clock = [] { return kNow; };
  options.log = [](const std::string&) {};
  options.write_chunk_bytes = 1;  // a piece for each result
  options.write_results = [&](const SerializedResults& results) {
    absl::MutexLock lock(&mu);
    if (results.year != 2025) return absl::OkStatus();
    for (const auto& item : results.anomaly_sets) {
      if (fail_last && item.region_code == last) {
        fail_last = false;
        return absl::UnavailableError("the store went away");
      }
    }
    written.Apply(results);
    return absl::OkStatus();
  };
  worker::Runner runner(server_->InProcessChannel(worker::WorkerChannelArguments()), options);
  std::thread thread([&] { (void)runner.Run(); });
  AwaitApplied(runner);
  Submit("659012503000", 2025);  // its siblings' flags are evaluated: 一六五团's is written
  AwaitApplied(runner);
  {
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(written.flags.contains(last));
    fail_last = true;
  }
  EXPECT_EQ(RunRollupJob(2025).state(), v1::JOB_STATE_FAILED);
  Submit("330226002000", 2026);  // the next step writes what the job left first
  AwaitApplied(runner);
  runner.Stop();
  thread.join();
  absl::MutexLock lock(&mu);
  EXPECT_FALSE(fail_last);
  EXPECT_TRUE(written.flags.contains(last)) << "a flag set replaced was never written again";
  options.write_chunk_bytes = 2 << 20;
  EXPECT_TRUE(written.flags == FreshWholeWrite(options, 2025).flags) << "the flags differ";
}

TEST_F(HistoryTest, WhileChangesKeepComingResultsAreWrittenAtMostEveryFlushInterval) {
  // A worker of its own with a flush interval of 1 s: after a quiet spell longer than that, the
  // first of four quick submissions is written at once; the others, arriving within the
  // interval, wait for it and are written together. Without the pacing each would be written
  // on its own (four writes within milliseconds).
  Submit("330226001000", 2026);
  AwaitWorker();
  constexpr absl::Duration kInterval = absl::Seconds(1);
  absl::Mutex mu;
  std::vector<std::pair<absl::Time, int64_t>> writes;  // when each write ended, its checkpoint
  worker::RunnerOptions options;
  options.clock = [] { return kNow; };
  options.log = [](const std::string&) {};
  options.flush_interval = kInterval;
  options.write_results = [&](const SerializedResults& results) {
    absl::MutexLock lock(&mu);
    if (results.checkpoint.has_value()) writes.emplace_back(absl::Now(), *results.checkpoint);
    return absl::OkStatus();
  };
  worker::Runner runner(server_->InProcessChannel(worker::WorkerChannelArguments()), options);
  std::thread thread([&] { (void)runner.Run(); });
  AwaitApplied(runner);
  size_t before = 0;
  {
    absl::MutexLock lock(&mu);
    before = writes.size();
  }
  absl::SleepFor(kInterval + absl::Milliseconds(200));  // a quiet spell
  const absl::Time quiet_end = absl::Now();
  const int64_t first = Submit("330226002000", 2026).change_sequence();
  int64_t last = 0;
  for (const char* town : {"330226003000", "330226004000", "330226101000"}) {
    last = Submit(town, 2026).change_sequence();
  }
  AwaitApplied(runner);
  runner.Stop();
  thread.join();
  absl::MutexLock lock(&mu);
  const std::vector<std::pair<absl::Time, int64_t>> after(writes.begin() + before, writes.end());
  // Two writes (one, should the worker have taken all four at once; three, should the last
  // submissions have taken longer than the interval), the last checkpointed at the last
  // submission, the first at once, the others at least the interval apart.
  ASSERT_GE(after.size(), 1u);
  ASSERT_LT(after.size(), 4u);
  EXPECT_EQ(after.back().second, last);
  EXPECT_GE(after.front().second, first);
  EXPECT_LT(after.front().first - quiet_end, kInterval) << "the first was not written at once";
  for (size_t i = 1; i < after.size(); ++i) {
    EXPECT_GE(after[i].first - after[i - 1].first, kInterval) << i;
  }
}

TEST_F(HistoryTest, AJobWritesWhatAPacedStepLeftUnwrittenBeforeItsOwnResults) {
  // A worker paced by an hour (the fixture's stops, so that this one claims the job): a
  // submission after its first write waits; a full recompute started meanwhile writes it first
  // — the recompute rebuilds only what differs from its incremental model, and the stored
  // checkpoint would otherwise claim a rollup that was never written.
  runner_->Stop();
  runner_thread_.join();
  runner_.reset();
  Submit("330226001000", 2026);
  absl::Mutex mu;
  std::set<std::string> written;
  worker::RunnerOptions options;
  options.clock = [] { return kNow; };
  options.log = [](const std::string&) {};
  options.flush_interval = absl::Hours(1);
  options.write_results = [&](const SerializedResults& results) {
    absl::MutexLock lock(&mu);
    for (const auto& item : results.rollups) written.insert(item.region_code);
    return absl::OkStatus();
  };
  worker::Runner runner(server_->InProcessChannel(worker::WorkerChannelArguments()), options);
  std::thread thread([&] { (void)runner.Run(); });
  AwaitApplied(runner);
  Submit("330226002000", 2026);  // written at once: the first change since the start
  AwaitApplied(runner);
  {
    absl::MutexLock lock(&mu);
    EXPECT_TRUE(written.contains("330226002000"));
    written.clear();  // (the start wrote every region's rollup)
  }
  const int64_t waiting = Submit("330226003000", 2026).change_sequence();
  absl::SleepFor(absl::Milliseconds(300));
  {
    absl::MutexLock lock(&mu);
    EXPECT_TRUE(written.empty()) << "not paced";
  }
  const v1::RollupJob job = RunRollupJob(2026);
  EXPECT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.error();
  EXPECT_GE(runner.GetStats().applied_sequence, waiting);
  runner.Stop();
  thread.join();
  absl::MutexLock lock(&mu);
  EXPECT_TRUE(written.contains("330226003000"));
}

TEST_F(HistoryTest, AFullRecomputeWritesOnlyTheResultsThatChangedAndLeavesTheSameState) {
  // Two townships of 宁海县 file for 2026 on 2026-06-01, long before their deadline.
  Submit("330226001000", 2026);
  Submit("330226002000", 2026);
  AwaitWorker();
  std::atomic<int64_t> now{absl::ToUnixSeconds(kNow)};
  absl::Mutex mu;
  Written written;
  worker::RunnerOptions options;
  options.clock = [&] { return absl::FromUnixSeconds(now.load()); };
  options.log = [](const std::string&) {};
  options.full_recompute_interval = absl::Hours(24);
  options.write_results = [&](const SerializedResults& results) {
    absl::MutexLock lock(&mu);
    if (results.year == 2026) written.Apply(results);
    return absl::OkStatus();
  };
  worker::Runner runner(server_->InProcessChannel(worker::WorkerChannelArguments()), options);
  std::thread thread([&] { (void)runner.Run(); });
  auto await_recomputes = [&](int64_t n) {
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (runner.GetStats().full_recomputes < n && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_GE(runner.GetStats().full_recomputes, n);
  };
  AwaitApplied(runner);
  // Start-up writes every region of the year's tree.
  const int regions = static_cast<int>(store_->registry()->Tree(2026)->size());
  {
    absl::MutexLock lock(&mu);
    EXPECT_EQ(written.rollups_sent, regions);
    EXPECT_EQ(written.sets_sent, regions);
    written.rollups_sent = written.sets_sent = 0;
  }
  // A day later nothing has changed: the scheduled recompute writes nothing, and builds no
  // rollup (the fresh model's sums equal the incremental one's everywhere).
  now += 24 * 3600 + 1;
  await_recomputes(1);
  EXPECT_EQ(runner.GetStats().last_whole_write_rollups, 0);
  {
    absl::MutexLock lock(&mu);
    EXPECT_EQ(written.rollups_sent, 0);
    EXPECT_EQ(written.sets_sent, 0);
  }
  // On 2027-02-15 the townships' deadline (01-31) has passed, not the counties' (03-31): the
  // recompute writes the results that changed (every township that did not file is missing),
  // not every region's.
  now = absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(2027, 2, 15), absl::UTCTimeZone()));
  await_recomputes(2);
  runner.Stop();
  thread.join();
  absl::MutexLock lock(&mu);
  EXPECT_GT(written.sets_sent, 0);
  EXPECT_LT(written.sets_sent, regions);
  EXPECT_LT(written.rollups_sent, regions);
  EXPECT_THAT(written.flags, ::testing::Contains(::testing::Key("330226003000")));
  // And what is stored is what writing every region's results would leave.
  int64_t rollups_built = 0;
  const Written whole = FreshWholeWrite(options, 2026, &rollups_built);
  EXPECT_EQ(whole.rollups_sent, regions);
  EXPECT_EQ(rollups_built, regions);
  EXPECT_TRUE(written.rollups == whole.rollups) << "the rollups differ";
  EXPECT_TRUE(written.flags == whole.flags) << "the flags differ";
}

}  // namespace
}  // namespace gongkai
