// Each year on its own map, end to end (the fixture: history_fixture.h). Real changes from the
// editions: 邢台 (130521 abolished, 130502/130503 renamed with new territory, 2019→2020), 公主岭市
// (220381 under 四平 → 220184 under 长春), 杭州 2020→2021 (下城区, 江干区 abolished; 临平区, 钱塘区
// new), 丰台's swapped 卢沟桥 names; an office's move from 2025 and a change refused because it
// would strand reports; and a random mix of submissions and registry changes after which the
// incremental rollups equal a full recompute.
#include <atomic>
#include <random>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/worker/history_fixture.h"

namespace gongkai {
namespace {

using ::testing::HasSubstr;

TEST_F(HistoryTest, XingtaiReportsAreFiledOnTheirYearsCodesAndCarryOverFollowsTheRecoding) {
  // 晏家屯镇 of 邢台县 in 2019; of 襄都区, re-coded, from 2020.
  Submit("130521103000", 2019);
  Submit("130502103000", 2020, [](v1::Report* r) {
    auto* t3 = r->mutable_table3();
    t3->mutable_new_requests()->set_natural_person(0);
    t3->mutable_new_requests()->set_total(0);
    t3->mutable_carried_over()->set_natural_person(2);  // last year carried 1 forward
    t3->mutable_carried_over()->set_total(2);
  });
  // The old code is refused in 2020, the new one in 2019 — saying when each was in use.
  grpc::Status old_code = SubmitStatus("130521103000", 2020);
  EXPECT_EQ(old_code.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(old_code.error_message(), HasSubstr("not in the registry of 2020"));
  EXPECT_THAT(old_code.error_message(), HasSubstr("continued by 130502103000 from 2020"));
  EXPECT_EQ(SubmitStatus("130502103000", 2019).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  AwaitWorker();

  // Each year rolls up on its own tree, at every level.
  EXPECT_EQ(Rollup("130521000000", 2019).reports(), 1);  // 邢台县
  EXPECT_EQ(Rollup("130500000000", 2019).reports(), 1);  // 邢台市
  EXPECT_EQ(Rollup("130000000000", 2019).reports(), 1);  // 河北省
  EXPECT_EQ(Rollup("130502000000", 2020).reports(), 1);  // 襄都区
  EXPECT_EQ(Rollup("130500000000", 2020).reports(), 1);
  EXPECT_EQ(Rollup("000000000000", 2020).reports(), 1);
  // 邢台县 expected a report in 2019 only: it is not a region of 2020.
  v1::GetRollupRequest request;
  request.set_region_code("130521000000");
  request.set_year(2020);
  v1::Rollup none;
  grpc::ClientContext context;
  EXPECT_EQ(rollups_->GetRollup(&context, request, &none).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // R6 compares the 2020 report with the 2019 one under the old code, and says so.
  const auto flags = Flags("130502000000", 2020, v1::ANOMALY_KIND_CARRYOVER_MISMATCH);
  ASSERT_EQ(flags.size(), 2u);  // natural_person and total
  EXPECT_THAT(flags[0].explanation(), HasSubstr("应为1，实为2"));
  EXPECT_THAT(flags[0].explanation(), HasSubstr("与上一年度代码130521103000的报告对照"));
}

TEST_F(HistoryTest, GongzhulingRollsUpUnderSipingIn2019AndChangchunFrom2020) {
  Submit("220381000000", 2019);
  Submit("220381001000", 2019);
  Submit("220184000000", 2021);
  AwaitWorker();
  EXPECT_EQ(Rollup("220300000000", 2019).reports(), 2);  // 四平市
  EXPECT_EQ(Rollup("220100000000", 2019).reports(), 0);  // 长春市: not yet
  EXPECT_EQ(Rollup("220100000000", 2021).reports(), 1);
  EXPECT_EQ(Rollup("220300000000", 2021).reports(), 0);
  // Restated on the 2023 tree, 2019's figures of 公主岭 count under 长春 (one-to-one links).
  const v1::Rollup restated = Rollup("220100000000", 2019, 2023);
  EXPECT_EQ(restated.tree_year(), 2023);
  EXPECT_EQ(restated.reports(), 2);
  EXPECT_EQ(restated.year(), 2019);
  EXPECT_EQ(Rollup("220184000000", 2019, 2023).reports(), 2);
  EXPECT_EQ(Rollup("220300000000", 2019, 2023).reports(), 0);
  // ... and 2021's back on the 2019 tree count under 四平.
  EXPECT_EQ(Rollup("220300000000", 2021, 2019).reports(), 1);
}

TEST_F(HistoryTest, ARestatementOnAnUnchangedTreeSumsAsTheWorkersRollup) {
  // 宁海县's tree is the same in 2025 and 2026: 2025 restated on 2026's tree takes the same
  // reports (their current revisions, their reviews as they are now, the withdrawn left out)
  // and sums them as the worker did. Town i (from 1) states i new requests; the first then
  // corrects its report to 100, the second's is approved, the third's withdrawn.
  const auto towns = store_->registry()->Tree(2025)->ChildrenOf("330226000000");
  ASSERT_GT(towns.size(), 3u);
  auto requests = [](int n) {
    return [n](v1::Report* r) {
      r->mutable_table3()->mutable_new_requests()->set_natural_person(n);
      r->mutable_table3()->mutable_new_requests()->set_total(n);
    };
  };
  for (size_t i = 0; i < towns.size(); ++i) {
    Submit(towns[i]->code(), 2025, requests(static_cast<int>(i + 1)));
  }
  Submit(towns[0]->code(), 2025, requests(100));
  storage::ReviewRequest decision;
  decision.key.set_region_code(towns[1]->code());
  decision.key.set_year(2025);
  decision.action = v1::REVIEW_ACTION_APPROVE;
  decision.principal = "reviewer";
  decision.time = kNow;
  ASSERT_TRUE(store_->Review(decision).ok());
  decision.key.set_region_code(towns[2]->code());
  decision.action = v1::REVIEW_ACTION_WITHDRAW;
  decision.reasons = {"重复提交"};
  ASSERT_TRUE(store_->Review(decision).ok());
  AwaitWorker();

  v1::Rollup stored = Rollup("330226000000", 2025);
  v1::Rollup restated = Rollup("330226000000", 2025, 2026);
  EXPECT_EQ(restated.tree_year(), 2026);
  EXPECT_EQ(restated.unmapped_reports(), 0);
  const int n = static_cast<int>(towns.size());
  EXPECT_EQ(restated.reports(), n - 1);
  int64_t total = -1;
  for (const v1::SharedCell& cell : restated.shared()) {
    if (cell.field_path() == "table3.new_requests.total") total = cell.sum();
  }
  EXPECT_EQ(total, n * (n + 1) / 2 - 1 + 100 - 3);
  EXPECT_EQ(restated.completeness().pending_review(), n - 2);  // neither approved nor withdrawn
  for (v1::Rollup* rollup : {&stored, &restated}) {
    rollup->clear_sequence();
    rollup->clear_compute_time();
    rollup->clear_tree_year();
  }
  EXPECT_EQ(restated.SerializeAsString(), stored.SerializeAsString())
      << "restated:\n"
      << restated.DebugString() << "stored:\n"
      << stored.DebugString();
}

TEST_F(HistoryTest, RestatementsBeyondTheirSlotsAreRefusedUntilOneFrees) {
  // Each restatement holds its subtree's reports while it runs (the nation's: ~100 MB), so
  // gongkaid computes at most --max_concurrent_restatements at once.
  Submit("220381000000", 2019);
  AwaitWorker();
  v1::GetRollupRequest restated;
  restated.set_region_code("220100000000");
  restated.set_year(2019);
  restated.set_on_tree(2023);
  // The server reads env_ only inside calls, and this test makes its calls one at a time
  // after each change of the bound (the pointer is reset before the limiters go).
  Limiter refusing("restated rollups", 1, absl::Milliseconds(50));
  Limiter waiting("restated rollups", 1, absl::Seconds(30));
  absl::Cleanup unbound = [this] { env_.restate_limiter = nullptr; };

  env_.restate_limiter = &refusing;
  ASSERT_TRUE(refusing.Acquire(absl::InfiniteFuture()).ok());  // one running elsewhere
  v1::Rollup rollup;
  grpc::ClientContext refused_context;
  grpc::Status refused = rollups_->GetRollup(&refused_context, restated, &rollup);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("1 restated rollups are running at once"));
  v1::ListChildRollupsRequest children;
  children.set_region_code("220100000000");
  children.set_year(2019);
  children.set_on_tree(2023);
  v1::ListChildRollupsResponse listed;
  grpc::ClientContext list_context;
  EXPECT_EQ(rollups_->ListChildRollups(&list_context, children, &listed).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  // The stored rollup of the year's own tree is one read, not a restatement: never refused.
  EXPECT_EQ(Rollup("220300000000", 2019).reports(), 1);
  refusing.Release();
  EXPECT_EQ(Rollup("220100000000", 2019, 2023).reports(), 1);
  EXPECT_EQ(Rollup("220100000000", 2019, 2023).reports(), 1);  // the slot was given back

  // A restatement that finds no slot waits for one, and runs as soon as one frees.
  env_.restate_limiter = &waiting;
  ASSERT_TRUE(waiting.Acquire(absl::InfiniteFuture()).ok());
  std::atomic<bool> answered{false};
  std::thread caller([&] {
    EXPECT_EQ(Rollup("220100000000", 2019, 2023).reports(), 1);
    answered = true;
  });
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_FALSE(answered);
  waiting.Release();
  caller.join();
  EXPECT_TRUE(answered);
  EXPECT_EQ(Rollup("220100000000", 2019, 2023).reports(), 1);  // and it gave the slot back
}

TEST_F(HistoryTest, HangzhouDistrictsAbolishedIn2021AreListedUnmappedNeverGuessed) {
  Submit("330103000000", 2020);  // 下城区
  Submit("330103001000", 2020);  // 下城区's 武林街道, re-coded under 拱墅区 in 2021
  Submit("330113000000", 2021);  // 临平区, new in 2021
  AwaitWorker();
  EXPECT_EQ(Rollup("330100000000", 2020).reports(), 2);
  EXPECT_EQ(Rollup("330103000000", 2020).reports(), 2);
  EXPECT_EQ(Rollup("330100000000", 2021).reports(), 1);
  const v1::Rollup restated = Rollup("330100000000", 2020, 2023);
  EXPECT_EQ(restated.reports(), 1);  // the street, followed to 330105014000
  EXPECT_EQ(restated.unmapped_reports(), 1);
  std::vector<std::string> unmapped;
  for (const auto& u : restated.unmapped_regions()) unmapped.push_back(u.code());
  EXPECT_THAT(unmapped, ::testing::IsSupersetOf({"330103000000", "330104000000"}));
  EXPECT_THAT(unmapped, ::testing::Not(::testing::Contains("330103001000")));
  EXPECT_EQ(Rollup("330105000000", 2020, 2023).reports(), 1);  // 拱墅区
}

TEST_F(HistoryTest, FengtaiKeepsEachCodesUnitAcrossTheSwappedNames) {
  Submit("110106008000", 2020);  // 卢沟桥街道 in 2020
  Submit("110106008000", 2021);  // the same unit, 六里桥街道 from 2021
  Submit("110106017000", 2021);  // 卢沟桥街道 from 2021 (卢沟桥地区 before)
  AwaitWorker();
  // The 2021 report of 110106008 compares with its own 2020 report (R6 holds: 1 → blank
  // carried_over is uncheckable), never with 110106017's.
  EXPECT_TRUE(Flags("110106017000", 2021, v1::ANOMALY_KIND_CARRYOVER_MISMATCH).empty());
  EXPECT_EQ(Flags("110106008000", 2021, v1::ANOMALY_KIND_UNCHECKABLE_RULE).size(), 1u);
  EXPECT_TRUE(Flags("110106017000", 2021, v1::ANOMALY_KIND_UNCHECKABLE_RULE).empty());
}

TEST_F(HistoryTest, AnOfficesMoveFrom2025RecomputesTheAffectedRollups) {
  // 一市镇 moves from 宁海县 to 象山县 (330225) with a new code from 2025.
  Submit("330226104000", 2024);
  Submit("330226104000", 2025);
  AwaitWorker();
  EXPECT_EQ(Rollup("330226000000", 2025).reports(), 1);

  v1::ChangeRegionRequest move;
  move.set_action(v1::ChangeRegionRequest::ACTION_MOVE);
  move.set_code("330226104000");
  move.set_parent_code("330225000000");
  move.set_new_code("330225199000");
  move.set_effective_year(2025);
  move.set_note("浙政函〔2025〕1号");
  v1::RegistryChangeResult result;
  // Refused: the 2025 report would lose its region.
  grpc::Status refused = Change(move, &result);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("330226104000/2025"));
  EXPECT_EQ(store_->registry()->Tree(2025)->Find("330225199000"), nullptr);
  // A dry run says exactly which report.
  move.set_dry_run(true);
  ASSERT_TRUE(Change(move, &result).ok());
  EXPECT_FALSE(result.applied());
  ASSERT_EQ(result.stranded_reports_size(), 1);
  EXPECT_EQ(result.stranded_reports(0).year(), 2025);

  // From 2026 instead: applied, 2026 and later roll up on the new tree.
  move.set_dry_run(false);
  move.set_effective_year(2026);
  ASSERT_TRUE(Change(move, &result).ok()) << result.DebugString();
  EXPECT_TRUE(result.applied());
  EXPECT_THAT(result.affected_years(), ::testing::ElementsAre(2026));
  Submit("330225199000", 2026);
  AwaitWorker();
  EXPECT_EQ(Rollup("330225000000", 2026).reports(), 1);
  EXPECT_EQ(Rollup("330226000000", 2026).reports(), 0);
  EXPECT_EQ(Rollup("330226000000", 2025).reports(), 1);  // 2025 untouched
  // The new code continues the old one, one-to-one, as entered.
  auto history = store_->registry()->History("330225199000");
  ASSERT_NE(history, nullptr);
  ASSERT_EQ(history->predecessors_size(), 1);
  EXPECT_EQ(history->predecessors(0).code(), "330226104000");
  EXPECT_EQ(history->predecessors(0).source(), v1::REGISTRY_SOURCE_ENTERED);
  EXPECT_TRUE(history->predecessors(0).one_to_one());
  // The change is in the change log, with who made it.
  auto changes = store_->ReadChanges(result.change_sequence(), 1);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_TRUE(changes->front().has_registry_change());
  EXPECT_EQ(changes->front().registry_change().principal(), "anonymous");
  EXPECT_EQ(changes->front().registry_change().from_year(), 2026);
  EXPECT_THAT(changes->front().registry_change().summary(),
              HasSubstr("move 330226104000 一市镇 → 330225199000 under 330225000000 from 2026"));
  EXPECT_EQ(history->versions(0).note(), "浙政函〔2025〕1号");
  EXPECT_EQ(history->versions(0).source(), v1::REGISTRY_SOURCE_ENTERED);
}

TEST_F(HistoryTest, ARetirementThatWouldStrandReportsIsRefusedNamingThem) {
  Submit("330226104000", 2024);
  v1::ChangeRegionRequest retire;
  retire.set_action(v1::ChangeRegionRequest::ACTION_RETIRE);
  retire.set_code("330226104000");
  retire.add_successor_codes("330226001000");
  retire.set_effective_year(2024);
  v1::RegistryChangeResult result;
  grpc::Status status = Change(retire, &result);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("330226104000/2024"));
  // Nothing changed: the report is still listed and the code still in use in 2024.
  EXPECT_NE(store_->registry()->Tree(2024)->Find("330226104000"), nullptr);
  auto reports = store_->ListReports("330226000000", 2024, 10, "", false);
  ASSERT_TRUE(reports.ok());
  EXPECT_EQ(reports->items.size(), 1u);
  // A region with regions below it cannot be retired at all.
  retire.set_code("330226000000");
  EXPECT_EQ(Change(retire, &result).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(HistoryTest, ANewNationalEditionIsLoadedForAYearAfterADryRunDiff) {
  // A 2025 edition: the 2023 tree with 一市镇 renamed and 跃龙街道 gone.
  v1::LoadRegistryEditionRequest request;
  request.set_year(2025);
  for (const v1::Region* region : store_->registry()->Tree(2023)->regions()) {
    if (region->code() == "330226001000") continue;
    v1::Region* copy = request.add_regions();
    *copy = *region;
    if (region->code() == "330226104000") copy->set_name("一市镇（新）");
  }
  request.set_dry_run(true);
  v1::RegistryChangeResult result;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(admin_->LoadRegistryEdition(&context, request, &result).ok());
  }
  EXPECT_FALSE(result.applied());
  ASSERT_EQ(result.diffs_size(), 2);
  EXPECT_EQ(result.diffs(0).code(), "330226001000");
  EXPECT_EQ(result.diffs(0).change(), "retired");
  EXPECT_EQ(result.diffs(1).change(), "renamed");
  EXPECT_EQ(store_->registry()->Tree(2025)->Find("330226104000")->name(), "一市镇");
  request.set_dry_run(false);
  {
    grpc::ClientContext context;
    ASSERT_TRUE(admin_->LoadRegistryEdition(&context, request, &result).ok());
  }
  EXPECT_TRUE(result.applied());
  EXPECT_EQ(store_->registry()->Tree(2025)->Find("330226104000")->name(), "一市镇（新）");
  EXPECT_EQ(store_->registry()->Tree(2025)->Find("330226001000"), nullptr);
  EXPECT_NE(store_->registry()->Tree(2024)->Find("330226001000"), nullptr);
  EXPECT_EQ(store_->registry()->History("330226001000")->versions().rbegin()->source(),
            v1::REGISTRY_SOURCE_EDITION);
}

TEST_F(HistoryTest, IncrementalEqualsFullWithRegistryChangesMixedIn) {
  // Townships of 宁海县 and 象山县; random reports for 2024–2026 and random renames, moves and
  // additions from random years; then every year's full recompute finds no drift.
  std::mt19937 rng(12);
  std::vector<std::string> towns = {"330226001000", "330226002000", "330226104000", "330225100000",
                                    "330225101000"};
  int added = 0;
  for (int step = 0; step < 40; ++step) {
    const int year = 2024 + static_cast<int>(rng() % 3);
    if (rng() % 5 != 0) {
      const std::string& town = towns[rng() % towns.size()];
      if (store_->registry()->Tree(year)->Find(town) == nullptr) continue;
      Submit(town, year, [&](v1::Report* r) {
        r->set_title(absl::StrCat("report ", step));
        r->mutable_table3()->mutable_carried_forward()->set_natural_person(
            static_cast<int>(rng() % 3));
      });
      continue;
    }
    v1::ChangeRegionRequest change;
    change.set_effective_year(year);
    v1::RegistryChangeResult result;
    if (rng() % 2 == 0) {
      change.set_action(v1::ChangeRegionRequest::ACTION_ADD);
      change.set_code(absl::StrFormat("330226%03d000", 300 + added++));
      change.set_name(absl::StrCat("新乡", added));
      change.set_parent_code(rng() % 2 == 0 ? "330226000000" : "330225000000");
      if (Change(change, &result).ok()) towns.push_back(change.code());
    } else {
      change.set_action(v1::ChangeRegionRequest::ACTION_RENAME);
      change.set_code(towns[rng() % towns.size()]);
      change.set_name(absl::StrCat("改名", step));
      (void)Change(change, &result);  // refused when a later change exists: fine
    }
  }
  AwaitWorker();
  for (int year = 2024; year <= 2026; ++year) {
    const v1::RollupJob job = RunRollupJob(year);
    EXPECT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED) << job.error();
    EXPECT_EQ(job.drifted_regions(), 0) << year << ": " << absl::StrJoin(job.drift(), ",");
  }
}

}  // namespace
}  // namespace gongkai
