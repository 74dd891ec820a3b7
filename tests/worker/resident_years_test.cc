// The years a worker keeps in memory (RunnerOptions::resident_years), end to end (the fixture:
// history_fixture.h): which stay after a restart and a scheduled recompute, which are loaded for
// a change and let go once idle.
#include <atomic>
#include <map>
#include <random>
#include <thread>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/worker/history_fixture.h"

namespace gongkai {
namespace {

// The years a worker keeps in memory (RunnerOptions::resident_years): tests that stop the
// fixture's worker and run their own, which writes to the store as WriteResults' handler does.
class ResidentYearsTest : public HistoryTest {
 protected:
  // 宁波市 alone: every year these tests keep or let go is rolled up and written whole, often,
  // and the national map would make each such write ~250 times larger for nothing they check.
  const std::vector<v1::RegionHistory>& Histories() const override { return Ningbo(); }

  // Every township of 宁海县 files for 2023–2026, with random counts (carry-over mismatches).
  void FileFourYears() {
    for (const v1::Region* r : store_->registry()->Tree(2026)->ChildrenOf("330226000000")) {
      towns_.push_back(r->code());
    }
    ASSERT_GT(towns_.size(), 10u);
    std::mt19937 rng(2023);
    for (int year = 2023; year <= 2026; ++year) {
      for (const std::string& town : towns_) {
        Submit(town, year, [&](v1::Report* r) {
          r->mutable_table3()->mutable_carried_forward()->set_natural_person(
              static_cast<int>(rng() % 4));
        });
      }
    }
    AwaitWorker();
    StopWorker();
  }

  // A new revision of the town's report of `year` with another 上年结转 count.
  void CorrectCarriedForward(const std::string& town, int year, int natural_person) {
    Submit(town, year, [natural_person](v1::Report* r) {
      r->mutable_table3()->mutable_carried_forward()->set_natural_person(natural_person);
    });
  }

  void StopWorker() {
    runner_->Stop();
    runner_thread_.join();
    runner_ = nullptr;
  }

  // A worker of its own on the test's clock (now_): its log lines and what it writes are kept.
  void StartWorker() {
    worker::RunnerOptions options;
    options.clock = [this] { return Now(); };
    options.log = [this](const std::string& line) {
      absl::MutexLock lock(&mu_);
      log_.push_back(line);
    };
    options.full_recompute_interval = absl::Hours(24);
    options.max_extra_years = max_extra_years_;
    if (on_year_listed_) {
      // The year's digests straight from the store, and on_year_listed_ once a whole listing
      // of listed_year_ is done.
      options.list_digests = [this](const v1::ListReportDigestsRequest& request,
                                    v1::ListReportDigestsResponse* response) {
        absl::StatusOr<std::string> next = store_->ListDigests(
            request.year(), request.page_size(), request.page_token(), response->mutable_digests());
        if (!next.ok()) return next.status();
        response->set_next_page_token(*next);
        if (next->empty() && request.year() == listed_year_.load()) {
          listed_year_ = 0;
          on_year_listed_();
        }
        return absl::OkStatus();
      };
    }
    options.write_results = [this](const SerializedResults& results) {
      if (failing_writes_ > 0) {
        --failing_writes_;
        return absl::UnavailableError("the server is restarting");
      }
      {
        absl::MutexLock lock(&mu_);
        written_[results.year].Apply(results);
      }
      return store_->WriteResults(results, storage::WriteSync::kSynced);
    };
    runner_ = std::make_unique<worker::Runner>(
        server_->InProcessChannel(worker::WorkerChannelArguments()), options);
    runner_thread_ = std::thread([this] { (void)runner_->Run(); });
  }

  // Waits up to a minute for `done`; returns whether it came.
  static bool Await(const std::function<bool()>& done) {
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (!done() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(10));
    return done();
  }

  void AwaitApplied() { HistoryTest::AwaitApplied(*runner_); }

  bool Logged(absl::string_view text) {
    absl::MutexLock lock(&mu_);
    return std::any_of(log_.begin(), log_.end(),
                       [&](const std::string& line) { return absl::StrContains(line, text); });
  }

  // Four years filed and rolled up by a running worker, then the registry reloaded under it as
  // `gongkaid --reload_registry` does: every result and the checkpoint dropped, with no
  // change-log entry. Returns the checkpoint the worker had written.
  int64_t ReloadUnderARunningWorker() {
    FileFourYears();
    StartWorker();
    AwaitApplied();
    const int64_t written = *store_->WorkerCheckpoint();
    const std::shared_ptr<const registry::TimedRegistry> registry = store_->registry();
    EXPECT_TRUE(store_->LoadRegistry(registry->histories()).ok());
    EXPECT_EQ(*store_->WorkerCheckpoint(), 0);
    return written;
  }

  // Every region's stored rollup (without sequence and time) and non-empty flag set for the
  // year, against what a fresh worker's whole write of the year leaves.
  void ExpectStoredAsAFullRecompute(int year) {
    worker::RunnerOptions options;
    const absl::Time now = Now();
    options.clock = [now] { return now; };
    options.log = [](const std::string&) {};
    const Written whole = FreshWholeWrite(options, year);
    ASSERT_EQ(whole.rollups.size(), store_->registry()->Tree(year)->size());
    Written stored;
    for (const auto& [region, unused] : whole.rollups) {
      absl::StatusOr<v1::Rollup> rollup = store_->GetRollup(region, year);
      ASSERT_TRUE(rollup.ok()) << region << "/" << year << ": " << rollup.status();
      rollup->clear_sequence();
      rollup->clear_compute_time();
      ClearCellLabels(&*rollup);  // as the worker writes it: the store's read put them back
      stored.rollups[region] = rollup->SerializeAsString();
      absl::StatusOr<v1::AnomalySet> set = store_->AnomaliesAt(region, year);
      ASSERT_TRUE(set.ok()) << set.status();
      ClearCellLabels(&*set);  // likewise
      if (!set->anomalies().empty()) stored.flags[region] = set->SerializeAsString();
    }
    EXPECT_TRUE(stored.rollups == whole.rollups) << year << ": the rollups differ";
    EXPECT_TRUE(stored.flags == whole.flags) << year << ": the flags differ";
    EXPECT_GT(whole.flags.size(), 0u);
  }

  absl::Time Now() const { return absl::FromUnixSeconds(now_.load()); }

  std::atomic<int64_t> now_{absl::ToUnixSeconds(kNow)};  // what the test's worker takes for now
  int max_extra_years_ = 3;
  std::atomic<int> failing_writes_{0};    // the worker's next writes that fail
  std::function<void()> on_year_listed_;  // set before StartWorker
  std::atomic<int> listed_year_{0};       // RunnerOptions' default
  std::vector<std::string> towns_;
  absl::Mutex mu_;
  std::vector<std::string> log_ ABSL_GUARDED_BY(mu_);
  std::map<int, Written> written_ ABSL_GUARDED_BY(mu_);
};

TEST_F(ResidentYearsTest, AStoredRollupCarriesTheSequenceAndTimeItWasComputedAt) {
  // The worker hands the store each result serialized once, the sequence and time appended to
  // the content it fingerprints: what is read back is one message with all of them.
  FileFourYears();
  StartWorker();
  AwaitApplied();
  const int64_t started = store_->HeadSequence();
  now_ += 3600;
  CorrectCarriedForward(towns_[0], 2026, 11);
  AwaitApplied();
  StopWorker();
  const int64_t head = store_->HeadSequence();
  ASSERT_GT(head, started);
  for (const std::string& region : {towns_[0], std::string("330226000000")}) {
    absl::StatusOr<v1::Rollup> rollup = store_->GetRollup(region, 2026);
    ASSERT_TRUE(rollup.ok()) << region << ": " << rollup.status();
    EXPECT_EQ(rollup->region_code(), region);
    EXPECT_EQ(rollup->sequence(), head) << region;
    EXPECT_EQ(rollup->compute_time().seconds(), absl::ToUnixSeconds(Now())) << region;
    EXPECT_GT(rollup->reports(), 0) << region;
  }
  // A sibling township's rollup is as the start-up wrote it.
  absl::StatusOr<v1::Rollup> sibling = store_->GetRollup(towns_[1], 2026);
  ASSERT_TRUE(sibling.ok()) << sibling.status();
  EXPECT_EQ(sibling->sequence(), started);
  EXPECT_EQ(sibling->compute_time().seconds(), absl::ToUnixSeconds(Now()) - 3600);
  ExpectStoredAsAFullRecompute(2026);
}

TEST_F(ResidentYearsTest, ARestartRollsUpTheLatestYearAndChangesSinceTheCheckpointReachTheOthers) {
  FileFourYears();
  // While no worker runs, a 2023 report and a 2025 report change.
  CorrectCarriedForward(towns_[0], 2023, 9);
  CorrectCarriedForward(towns_[1], 2025, 7);
  const int64_t checkpoint = *store_->WorkerCheckpoint();
  ASSERT_LT(checkpoint, store_->HeadSequence());
  StartWorker();
  AwaitApplied();
  // Only 2026 was rolled up at the start, with 2025 in memory to compare with; the change to
  // 2023 loaded 2023 and wrote it whole, and 2024 (whose carry-over compares with 2023).
  EXPECT_TRUE(
      Logged("rolled up 1 of 4 year(s) with reports (2 in memory); following the "
             "change log from " +
             std::to_string(checkpoint + 1)));
  EXPECT_EQ(runner_->GetStats().years_loaded, 4);
  {
    absl::MutexLock lock(&mu_);
    const int regions = static_cast<int>(store_->registry()->Tree(2026)->size());
    EXPECT_EQ(written_[2026].rollups_sent, regions);
    EXPECT_GE(written_[2023].rollups_sent, regions);
    EXPECT_GE(written_[2024].rollups_sent, regions);
    EXPECT_LT(written_[2025].rollups_sent, 10);  // the town and its ancestors
  }
  for (int year = 2023; year <= 2026; ++year) ExpectStoredAsAFullRecompute(year);
}

TEST_F(ResidentYearsTest, TheScheduledRecomputeRefreshesTheOtherYearsOneAtATimeAndLetsThemGo) {
  FileFourYears();
  StartWorker();
  AwaitApplied();
  EXPECT_EQ(runner_->GetStats().years_loaded, 2);
  // Results of 2023 and 2024 damaged behind the worker's back: one town's flags deleted, one
  // rollup replaced by another's.
  v1::AnomalySet none;
  none.set_region_code(towns_[0]);
  google::protobuf::RepeatedPtrField<v1::AnomalySet> sets;
  *sets.Add() = none;
  ASSERT_TRUE(store_->WriteResults(2023, {}, sets, std::nullopt).ok());
  google::protobuf::RepeatedPtrField<v1::Rollup> rollups;
  *rollups.Add() = *store_->GetRollup(towns_[1], 2024);
  rollups[0].set_region_code(towns_[2]);
  ASSERT_TRUE(store_->WriteResults(2024, rollups, {}, std::nullopt).ok());
  // A day later the scheduled recompute rolls up 2025 and 2026 again, refreshes 2023 and 2024,
  // and keeps only 2025 and 2026.
  now_ += 24 * 3600 + 1;
  EXPECT_TRUE(
      Await([&] { return Logged("refreshed 2 year(s) not in memory; 2 year(s) stay in memory"); }));
  EXPECT_EQ(runner_->GetStats().years_loaded, 2);
  StopWorker();
  for (int year = 2023; year <= 2026; ++year) {
    ExpectStoredAsAFullRecompute(year);
  }
}

TEST_F(ResidentYearsTest, AYearLoadedForAChangeIsLetGoOnceIdleAndLoadedAgainForTheNext) {
  FileFourYears();
  StartWorker();
  AwaitApplied();
  EXPECT_EQ(runner_->GetStats().years_loaded, 2);
  // A late correction of 2023 loads 2023, and 2024 whose carry-over compares with it.
  CorrectCarriedForward(towns_[3], 2023, 5);
  AwaitApplied();
  EXPECT_EQ(runner_->GetStats().years_loaded, 4);
  // Ten minutes later, with nothing more for them, both are let go.
  now_ += 10 * 60;
  EXPECT_TRUE(Await([&] { return runner_->GetStats().years_loaded == 2; }));
  EXPECT_TRUE(Logged("let go of 2023: idle for 10m"));
  // The next correction loads them again, and every year's results are those of a whole write.
  CorrectCarriedForward(towns_[4], 2023, 6);
  AwaitApplied();
  EXPECT_EQ(runner_->GetStats().years_loaded, 4);
  StopWorker();
  for (int year = 2023; year <= 2026; ++year) {
    ExpectStoredAsAFullRecompute(year);
  }
}

TEST_F(ResidentYearsTest, AYearLoadedAgainWritesOnlyTheResultsThatChanged) {
  FileFourYears();
  StartWorker();
  AwaitApplied();
  const int regions = static_cast<int>(store_->registry()->Tree(2023)->size());
  // The first correction of 2023 since the start writes 2023 and 2024 whole.
  CorrectCarriedForward(towns_[3], 2023, 5);
  AwaitApplied();
  {
    absl::MutexLock lock(&mu_);
    EXPECT_GE(written_[2023].rollups_sent, regions);
    EXPECT_GE(written_[2024].rollups_sent, regions);
    written_[2023].rollups_sent = written_[2024].rollups_sent = 0;
  }
  // Let go once idle, both are loaded again for the next correction; what the worker wrote of
  // them is still known (their trees are the same), so only what changed is written.
  now_ += 10 * 60;
  ASSERT_TRUE(Await([&] { return runner_->GetStats().years_loaded == 2; }));
  CorrectCarriedForward(towns_[4], 2023, 6);
  AwaitApplied();
  EXPECT_EQ(runner_->GetStats().years_loaded, 4);
  {
    absl::MutexLock lock(&mu_);
    EXPECT_LT(written_[2023].rollups_sent, 10);  // the town and its ancestors
    EXPECT_LT(written_[2024].rollups_sent, 10);
  }
  StopWorker();
  for (int year = 2023; year <= 2026; ++year) {
    ExpectStoredAsAFullRecompute(year);
  }
}

TEST_F(ResidentYearsTest, AYearBeyondTheResidentOnesForgetsItsNarrativePairsOnceCaughtUp) {
  FileFourYears();
  StartWorker();
  AwaitApplied();
  // Pairs remembered by year (the towns' narratives are alike: the seed's), once caught up.
  auto remembered = [&](int year) -> int64_t {
    const auto stats = runner_->GetStats().remembered_similarities;
    auto it = stats.find(year);
    return it == stats.end() ? -1 : it->second;
  };
  // Flagging 2026 compared its towns' narratives; 2025 is loaded for its carry-over only.
  ASSERT_TRUE(Await([&] { return remembered(2026) > 0; }));
  const int64_t latest = remembered(2026);
  // A correction of 2023 loads 2023 and 2024 and writes both whole, comparing their towns'
  // narratives; once caught up the two keep their models (ten minutes) but not the pairs.
  CorrectCarriedForward(towns_[3], 2023, 5);
  AwaitApplied();
  EXPECT_TRUE(Await([&] { return remembered(2023) == 0 && remembered(2024) == 0; }))
      << "2023: " << remembered(2023) << ", 2024: " << remembered(2024);
  EXPECT_EQ(runner_->GetStats().years_loaded, 4);
  EXPECT_EQ(remembered(2026), latest);
  // The next correction compares them afresh, with the same results as a full recompute.
  CorrectCarriedForward(towns_[4], 2023, 6);
  AwaitApplied();
  StopWorker();
  for (int year = 2023; year <= 2026; ++year) {
    ExpectStoredAsAFullRecompute(year);
  }
}

TEST_F(ResidentYearsTest, BeyondTheCapTheLeastRecentlyUsedOlderYearIsLetGoOnceIdle) {
  FileFourYears();
  max_extra_years_ = 1;
  StartWorker();
  AwaitApplied();
  EXPECT_EQ(runner_->GetStats().years_loaded, 2);
  // A correction of 2023 uses 2023 and 2024, both at once: once idle, well within the ten
  // minutes, the older of the two goes (the cap is one year beyond 2025 and 2026).
  CorrectCarriedForward(towns_[3], 2023, 5);
  AwaitApplied();
  EXPECT_TRUE(Await([&] { return runner_->GetStats().years_loaded == 3; }));
  EXPECT_TRUE(Logged("let go of 2023: more than 1 year(s) beyond the resident ones in memory"));
  EXPECT_FALSE(Logged("let go of 2024"));
  // A minute later a correction of 2024 uses 2024 and loads 2023 again (2024's flags compare
  // with it): the same two years, and again 2023 goes.
  now_ += 60;
  CorrectCarriedForward(towns_[4], 2024, 6);
  AwaitApplied();
  EXPECT_TRUE(Await([&] { return runner_->GetStats().years_loaded == 3; }));
  // Ten minutes on, 2024 is let go as idle; every year's results are those of a whole write.
  now_ += 10 * 60;
  EXPECT_TRUE(Await([&] { return runner_->GetStats().years_loaded == 2; }));
  EXPECT_TRUE(Logged("let go of 2024: idle for 10m"));
  StopWorker();
  for (int year = 2023; year <= 2026; ++year) {
    ExpectStoredAsAFullRecompute(year);
  }
}

TEST_F(ResidentYearsTest, AWorkerWhoseResultsTheServerDroppedStartsOverAfterItsNextFailure) {
  // `gongkaid --reload_registry` drops every result and the checkpoint, with no change-log
  // entry, and a separate worker sees its calls fail while the server restarts. Its
  // fingerprints still say which flag sets are stored: a change's write would skip them. Here
  // the store reloads under a running worker, and the next write fails.
  const int64_t written = ReloadUnderARunningWorker();
  failing_writes_ = 1;
  CorrectCarriedForward(towns_[0], 2026, 11);
  EXPECT_TRUE(Await([&] { return Logged("behind the " + std::to_string(written)); }));
  AwaitApplied();
  StopWorker();
  EXPECT_EQ(failing_writes_.load(), 0);
  for (int year = 2023; year <= 2026; ++year) ExpectStoredAsAFullRecompute(year);
}

TEST_F(ResidentYearsTest, AWorkerWhoseResultsTheServerDroppedStartsOverAtItsNextWrite) {
  // The same reload with no call failing (a restart wholly inside a step that makes none): the
  // next change's write builds on the checkpoint this worker wrote, and the server, whose
  // checkpoint went back to 0, refuses it. Taken, it would have hidden the drop for good: it
  // moves the checkpoint past the one the worker wrote, with only the change's regions written.
  const int64_t written = ReloadUnderARunningWorker();
  CorrectCarriedForward(towns_[0], 2026, 11);
  EXPECT_TRUE(Await([&] { return Logged("behind " + std::to_string(written)); }));
  EXPECT_TRUE(Await([&] { return Logged("behind the " + std::to_string(written)); }));
  AwaitApplied();
  StopWorker();
  for (int year = 2023; year <= 2026; ++year) ExpectStoredAsAFullRecompute(year);
}

TEST_F(ResidentYearsTest, ARegistryChangeMetByARecomputeRollsTheYearUpOnItsNewTree) {
  FileFourYears();
  // A township of 象山县, without reports, joins 宁海县 from 2026 the moment the scheduled
  // recompute has read 2026's reports: the change reaches the worker while the year's fresh
  // model, on the old tree, catches up.
  const std::string joining =
      store_->registry()->Tree(2026)->ChildrenOf("330225000000").front()->code();
  on_year_listed_ = [&] {
    v1::ChangeRegionRequest move;
    move.set_action(v1::ChangeRegionRequest::ACTION_MOVE);
    move.set_code(joining);
    move.set_parent_code("330226000000");
    move.set_new_code("330226198000");
    move.set_effective_year(2026);
    move.set_note("测试");
    v1::RegistryChangeResult result;
    const grpc::Status status = Change(move, &result);
    EXPECT_TRUE(status.ok() && result.applied()) << status.error_message();
  };
  StartWorker();
  AwaitApplied();
  listed_year_ = 2026;
  now_ += 24 * 3600 + 1;
  EXPECT_TRUE(Await([&] { return Logged("year(s) stay in memory"); }));
  EXPECT_EQ(listed_year_.load(), 0);  // the change was made
  EXPECT_TRUE(Logged("the registry changed from 2026"));
  // (Installing the fresh model, on the old tree, made every write of 2026 fail: "region … is
  // not in the registry of 2026", retried until the worker started over.)
  EXPECT_FALSE(Logged("will retry"));
  AwaitApplied();
  StopWorker();
  ASSERT_NE(store_->registry()->Tree(2026)->Find("330226198000"), nullptr);
  // Every region of 2026's new tree has the results a whole write on it gives, the township
  // that joined among them (the county's completeness counts it).
  ExpectStoredAsAFullRecompute(2026);
}

}  // namespace
}  // namespace gongkai
