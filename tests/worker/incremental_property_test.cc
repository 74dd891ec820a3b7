// Property: after any sequence of submissions, resubmissions, withdrawals and review decisions —
// delivered in order, twice, or with stale revisions and decisions replayed — the
// incrementally maintained sums equal a full recompute from each key's newest revision (with
// its review as it stands).
#include <random>

#include "gtest/gtest.h"
#include "proto/digest.h"
#include "tests/worker/worker_test_util.h"

namespace gongkai::worker {
namespace {

v1::Revision RandomRevision(std::mt19937& rng, const std::vector<std::string>& regions,
                            int64_t revision, int key) {
  const auto edition = rng() % 4 == 0 ? v1::EDITION_2019 : v1::EDITION_2021;
  testing::RevisionSpec spec;
  // Keys 0..27 are distinct (region, body, scope) triples.
  spec.region = regions[key % regions.size()];
  spec.body = (key / 7) % 2 == 1 ? "11100000000013127D" : "";
  spec.scope = (key / 14) % 2 == 1 ? v1::SCOPE_SUMMARY : v1::SCOPE_OWN;
  spec.edition = edition;
  spec.revision = revision;
  spec.filed =
      testing::Day(2022, 1 + static_cast<int>(rng() % 4), 1 + static_cast<int>(rng() % 28));
  const auto& cells = CellsOf(edition);
  const int filled = static_cast<int>(rng() % 30);
  for (int i = 0; i < filled; ++i) {
    const CellSpec& cell = cells[rng() % cells.size()];
    int64_t value = static_cast<int64_t>(rng() % 50);
    if (cell.kind == CellKind::kSignedCount) value -= 25;
    if (cell.kind == CellKind::kMoney) value *= 1'000'003;
    spec.cells[cell.field_path] = value;
  }
  return testing::Rev(spec);
}

TEST(IncrementalPropertyTest, IncrementalStateEqualsFullRecomputeAfterAnySequence) {
  const auto tree = testing::NationalTree();
  const std::vector<std::string> regions = {"330226001000", "330226002000", "330226104000",
                                            "330226000000", "330200000000", "441900003000",
                                            "000000000000"};
  Settings settings;
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    YearModel incremental(2021, tree, &settings);
    std::map<int, v1::Revision> newest;  // key → newest revision
    std::map<int, int64_t> revisions;
    std::vector<v1::Revision> delivered;
    std::vector<std::pair<v1::ReportKey, v1::Review>> decisions;
    int64_t sequence = 0;
    for (int step = 0; step < 300; ++step) {
      const int key = static_cast<int>(rng() % 28);
      if (auto it = newest.find(key);
          it != newest.end() && !it->second.withdrawn() && rng() % 4 == 0) {
        // A decision about the current revision.
        v1::Review review;
        review.set_state(rng() % 2 == 0 ? v1::REVIEW_STATE_APPROVED : v1::REVIEW_STATE_RETURNED);
        review.set_revision(it->second.revision());
        review.set_sequence(++sequence);
        *it->second.mutable_review() = review;
        incremental.ApplyReview(it->second.key(), review);
        decisions.emplace_back(it->second.key(), review);
        if (rng() % 3 == 0) {
          const auto& [old_key, old_review] = decisions[rng() % decisions.size()];
          incremental.ApplyReview(old_key, old_review);
        }
        continue;
      }
      const int64_t revision = ++revisions[key];
      v1::Revision r = RandomRevision(rng, regions, revision, key);
      if (revision > 1 && rng() % 6 == 0) {
        // A withdrawal: the key alone.
        r.clear_report();
        *r.mutable_report()->mutable_key() = r.key();
        r.set_withdrawn(true);
      }
      r.mutable_review()->set_state(v1::REVIEW_STATE_PENDING);
      r.mutable_review()->set_revision(revision);
      r.mutable_review()->set_sequence(++sequence);
      newest[key] = r;
      incremental.Apply(r);
      delivered.push_back(r);
      // Redeliveries and stale replays must change nothing.
      if (rng() % 5 == 0) incremental.Apply(delivered[rng() % delivered.size()]);
    }
    YearModel full(2021, tree, &settings);
    for (const auto& [key, r] : newest) full.Apply(r);
    EXPECT_TRUE(incremental.Differences(full).empty()) << "seed " << seed;
    EXPECT_EQ(incremental.report_count(), full.report_count());
    // The digests of the current revisions (what the store lists: none of a withdrawn one)
    // applied a page at a time (entries made on four threads), with stale ones of the same
    // keys, another year's and an unknown region's mixed in, give the same model.
    google::protobuf::RepeatedPtrField<v1::ReportDigest> page;
    for (const auto& [key, r] : newest) {
      if (r.withdrawn()) continue;
      *page.Add() = DigestOf(r);
      if (r.revision() > 1 && rng() % 3 == 0) {
        *page.Add() = DigestOf(RandomRevision(rng, regions, r.revision() - 1, key));
      }
    }
    *page.Add() = DigestOf(RandomRevision(rng, regions, 99, 0));
    page.rbegin()->mutable_key()->set_year(2020);
    *page.Add() = DigestOf(RandomRevision(rng, regions, 99, 0));
    page.rbegin()->mutable_key()->set_region_code("330226999000");
    YearModel paged(2021, tree, &settings);
    paged.ApplyAll(page, 4);
    EXPECT_TRUE(paged.Differences(full).empty()) << "seed " << seed;
    EXPECT_EQ(paged.report_count(), full.report_count());
    // And the rollups built from them are identical.
    for (const char* code : {"000000000000", "330226000000", "441900000000"}) {
      const int region = tree->Find(code);
      EXPECT_EQ(incremental.BuildRollup(region, 1, absl::UnixEpoch()).SerializeAsString(),
                full.BuildRollup(region, 1, absl::UnixEpoch()).SerializeAsString())
          << "seed " << seed << " region " << code;
    }
  }
}

TEST(IncrementalPropertyTest, DifferencesNoticesDrift) {
  const auto tree = testing::NationalTree();
  Settings settings;
  YearModel a(2021, tree, &settings);
  YearModel b(2021, tree, &settings);
  a.Apply(testing::Rev({.region = "330226001000", .cells = {{"table3.new_requests.total", 1}}}));
  b.Apply(testing::Rev({.region = "330226001000", .cells = {{"table3.new_requests.total", 2}}}));
  // The township and its four ancestors (county, city, province, nation) differ.
  EXPECT_EQ(a.Differences(b).size(), 5u);
}

}  // namespace
}  // namespace gongkai::worker
