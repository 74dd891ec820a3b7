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

// The model's entry of the 2021 own report filed at `region`, or nullptr.
const ReportEntry* OwnEntry(const YearModel& model, const std::string& region) {
  v1::ReportKey key;
  key.set_region_code(region);
  key.set_year(2021);
  key.set_scope(v1::SCOPE_OWN);
  return model.Find(key);
}

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

TEST(IncrementalPropertyTest, AReloadTakesWhatOnlyARevisionDecidesFromTheModelInMemory) {
  const auto tree = testing::NationalTree();
  Settings settings;
  settings.narrative_min_chars = 10;  // the texts below (32–40 characters) are compared
  const std::vector<std::string> regions = {"330226001000", "330226002000", "330226104000"};
  const std::vector<std::string> texts = {
      "政务公开工作存在的主要问题是信息发布不够及时，政策解读形式比较单一。",
      "政务公开工作存在的主要问题是信息发布不够及时，依申请公开答复质量有待提高。",
      "政务公开工作存在的主要问题是基层标准化规范化建设仍需加强，工作人员业务能力有待提升。"};
  YearModel before(2021, tree, &settings);  // the model in memory, the reports come in reversed
  for (size_t i = regions.size(); i-- > 0;) {
    before.Apply(testing::Rev({.region = regions[i],
                               .cells = {{"table3.new_requests.total", 10 + i}},
                               .problems = texts[i]}));
  }
  google::protobuf::RepeatedPtrField<v1::ReportDigest> stored;
  for (size_t i = 0; i < regions.size(); ++i) {
    testing::RevisionSpec spec{.region = regions[i],
                               .cells = {{"table3.new_requests.total", 10 + i}},
                               .problems = texts[i]};
    if (i == 1) {
      // The store has moved on for the second: revision 2, with other cells and another text.
      spec.revision = 2;
      spec.cells["table3.new_requests.total"] = 99;
      spec.problems = texts[2];
    }
    *stored.Add() = DigestOf(testing::Rev(spec));
  }
  const auto entry = OwnEntry;
  // A similarity the model in memory remembers, of two revisions the store still holds.
  EXPECT_GT(before.NarrativeSimilarity(*entry(before, regions[0]), *entry(before, regions[2])),
            0.0);

  YearModel fresh(2021, tree, &settings);
  fresh.ApplyAll(stored, 2);
  YearModel lent(2021, tree, &settings);
  lent.ApplyAll(stored, 2, &before);
  EXPECT_TRUE(lent.Differences(fresh).empty());
  EXPECT_FALSE(lent.Differences(before).empty());  // the second report's revision 2
  for (const std::string& region : regions) {
    EXPECT_EQ(entry(lent, region)->problem_shingles.hashes(),
              entry(fresh, region)->problem_shingles.hashes());
    EXPECT_EQ(entry(lent, region)->problem_chars(), entry(fresh, region)->problem_chars());
    EXPECT_EQ(entry(lent, region)->revision, entry(fresh, region)->revision);
  }
  // Same revision, same serial; the new revision a serial the model in memory never gave.
  EXPECT_EQ(entry(lent, regions[0])->serial, entry(before, regions[0])->serial);
  EXPECT_EQ(entry(lent, regions[2])->serial, entry(before, regions[2])->serial);
  // Same revision, the very same shingles (shared, not copied); a new revision, its own.
  ASSERT_GT(entry(before, regions[0])->problem_shingles.size(), 0u);
  EXPECT_EQ(entry(lent, regions[0])->problem_shingles.hashes().data(),
            entry(before, regions[0])->problem_shingles.hashes().data());
  EXPECT_NE(entry(lent, regions[1])->problem_shingles.hashes().data(),
            entry(before, regions[1])->problem_shingles.hashes().data());
  for (const std::string& region : regions) {
    EXPECT_NE(entry(lent, regions[1])->serial, entry(before, region)->serial);
  }
  // Every pair's similarity is the one made afresh, the remembered pair included.
  for (const std::string& a : regions) {
    for (const std::string& b : regions) {
      EXPECT_EQ(lent.NarrativeSimilarity(*entry(lent, a), *entry(lent, b)),
                fresh.NarrativeSimilarity(*entry(fresh, a), *entry(fresh, b)))
          << a << " " << b;
    }
  }
  EXPECT_EQ(lent.NarrativeSimilarity(*entry(lent, regions[1]), *entry(lent, regions[2])), 1.0);

  // A model that gave serials of its own first takes nothing: they could be the donor's.
  YearModel own(2021, tree, &settings);
  own.Apply(testing::Rev({.region = "330226000000"}));
  own.ApplyAll(stored, 2, &before);
  EXPECT_TRUE(own.Differences(fresh).size() > 0);  // the county's own report
  EXPECT_NE(entry(own, regions[0])->serial, entry(before, regions[0])->serial);
  EXPECT_NE(entry(own, regions[0])->problem_shingles.hashes().data(),
            entry(before, regions[0])->problem_shingles.hashes().data());
  EXPECT_EQ(entry(own, regions[0])->problem_shingles.hashes(),
            entry(fresh, regions[0])->problem_shingles.hashes());
}

TEST(IncrementalPropertyTest, AReloadSharesTheEntriesTheStoreHoldsUnchangedAndAReviewChangesACopy) {
  const auto tree = testing::NationalTree();
  Settings settings;
  const std::vector<std::string> regions = {"330226001000", "330226002000", "330226104000"};
  YearModel before(2021, tree, &settings);  // the model in memory
  google::protobuf::RepeatedPtrField<v1::ReportDigest> stored;
  for (size_t i = 0; i < regions.size(); ++i) {
    testing::RevisionSpec spec{.region = regions[i],
                               .cells = {{"table3.new_requests.total", 10 + i}},
                               .problems = "政务公开工作存在的主要问题是信息发布不够及时。"};
    before.Apply(testing::Rev(spec));
    // The second drifted: the store holds other cells under the same revision.
    if (i == 1) spec.cells["table3.new_requests.total"] = 99;
    *stored.Add() = DigestOf(testing::Rev(spec));
  }
  YearModel fresh(2021, tree, &settings);
  fresh.ApplyAll(stored, 2);
  YearModel lent(2021, tree, &settings);
  lent.ApplyAll(stored, 2, &before);
  const auto entry = OwnEntry;
  // What the store holds unchanged is the very entry in memory; the drifted one is made anew,
  // and the drift shows.
  EXPECT_EQ(entry(lent, regions[0]), entry(before, regions[0]));
  EXPECT_EQ(entry(lent, regions[2]), entry(before, regions[2]));
  EXPECT_NE(entry(lent, regions[1]), entry(before, regions[1]));
  EXPECT_EQ(entry(lent, regions[1])->cells.Find(0), entry(fresh, regions[1])->cells.Find(0));
  EXPECT_TRUE(entry(lent, regions[1])->cells == entry(fresh, regions[1])->cells);
  EXPECT_TRUE(lent.Differences(fresh).empty());
  EXPECT_EQ(lent.Differences(before).size(), 5u);  // the township and its four ancestors
  // A review decision about a shared entry changes it in the model it is applied to only.
  v1::Review approved;
  approved.set_state(v1::REVIEW_STATE_APPROVED);
  approved.set_revision(1);
  approved.set_sequence(7);
  const ReportEntry* shared = entry(before, regions[0]);
  EXPECT_EQ(lent.ApplyReview(shared->key, approved).size(), 5u);
  EXPECT_EQ(entry(lent, regions[0])->review, v1::REVIEW_STATE_APPROVED);
  EXPECT_EQ(entry(before, regions[0]), shared);
  EXPECT_EQ(shared->review, v1::REVIEW_STATE_PENDING);
  EXPECT_NE(entry(lent, regions[0]), shared);
  EXPECT_EQ(lent.ReportsAt(tree->Find(regions[0])),
            std::vector<const ReportEntry*>{entry(lent, regions[0])});
  EXPECT_EQ(lent.Differences(fresh).size(), 5u);
  // Applied to the other model too, the two agree again; a later revision replaces the entry
  // in its region's list.
  EXPECT_EQ(fresh.ApplyReview(shared->key, approved).size(), 5u);
  EXPECT_TRUE(lent.Differences(fresh).empty());
  const ReportEntry* reviewed = entry(lent, regions[0]);
  testing::RevisionSpec second{
      .region = regions[0], .cells = {{"table3.new_requests.total", 12}}, .revision = 2};
  lent.Apply(testing::Rev(second));
  fresh.Apply(testing::Rev(second));
  EXPECT_NE(entry(lent, regions[0]), reviewed);
  EXPECT_EQ(lent.ReportsAt(tree->Find(regions[0])),
            std::vector<const ReportEntry*>{entry(lent, regions[0])});
  EXPECT_TRUE(lent.Differences(fresh).empty());
  EXPECT_EQ(entry(before, regions[0])->revision, 1);  // the model in memory as it was
}

TEST(IncrementalPropertyTest, AnEntryIsSharedOnlyWhenTheStoreHoldsItAllTheSame) {
  const auto tree = testing::NationalTree();
  Settings settings;
  std::vector<std::string> regions;
  for (int child : tree->children(tree->Find("330226000000"))) {
    if (regions.size() < 6) regions.push_back(tree->region(child).code);
  }
  ASSERT_EQ(regions.size(), 6u);
  YearModel before(2021, tree, &settings);  // the model in memory
  google::protobuf::RepeatedPtrField<v1::ReportDigest> stored;
  for (const std::string& region : regions) {
    const v1::Revision revision =
        testing::Rev({.region = region, .cells = {{"table3.new_requests.total", 3}}});
    before.Apply(revision);
    *stored.Add() = DigestOf(revision);
  }
  // The store differs from the model in memory in one field each, at the same revision (the
  // first and the last the same).
  stored[1].set_review_state(v1::REVIEW_STATE_APPROVED);
  stored[1].set_review_sequence(9);
  stored[2].set_publication_date("2022-02-01");
  stored[3].add_violations()->set_rule("R1");
  stored[4].set_stated_requests(77);
  YearModel lent(2021, tree, &settings);
  lent.ApplyAll(stored, 2, &before);
  YearModel fresh(2021, tree, &settings);
  fresh.ApplyAll(stored, 2);
  auto entry = [&](const YearModel& model, int i) { return OwnEntry(model, regions[i]); };
  EXPECT_EQ(entry(lent, 0), entry(before, 0));
  EXPECT_EQ(entry(lent, 5), entry(before, 5));
  for (int i = 1; i <= 4; ++i) EXPECT_NE(entry(lent, i), entry(before, i)) << i;
  EXPECT_EQ(entry(lent, 1)->review, v1::REVIEW_STATE_APPROVED);
  EXPECT_EQ(entry(lent, 2)->filed_on(), absl::CivilDay(2022, 2, 1));
  EXPECT_EQ(entry(before, 3)->violations, nullptr);
  ASSERT_NE(entry(lent, 3)->violations, nullptr);
  EXPECT_EQ(entry(lent, 3)->violations->size(), 1u);
  EXPECT_EQ(entry(lent, 4)->narrative_requests, 77);
  EXPECT_TRUE(lent.Differences(fresh).empty());
  // A review decision applied to the model in memory first (as a catch-up applies it) changes
  // its own copy; the shared entry stays as the other model holds it.
  const ReportEntry* shared = entry(before, 0);
  v1::Review approved;
  approved.set_state(v1::REVIEW_STATE_APPROVED);
  approved.set_revision(1);
  approved.set_sequence(10);
  EXPECT_FALSE(before.ApplyReview(shared->key, approved).empty());
  EXPECT_NE(entry(before, 0), shared);
  EXPECT_EQ(entry(lent, 0), shared);
  EXPECT_EQ(shared->review, v1::REVIEW_STATE_PENDING);
  EXPECT_FALSE(lent.ApplyReview(shared->key, approved).empty());
  EXPECT_EQ(entry(lent, 0)->review, v1::REVIEW_STATE_APPROVED);
  // A withdrawal of a shared entry takes it out of one model only.
  v1::Revision withdrawal = testing::Rev({.region = regions[5], .revision = 2});
  withdrawal.set_withdrawn(true);
  EXPECT_FALSE(lent.Apply(withdrawal).empty());
  EXPECT_EQ(entry(lent, 5), nullptr);
  EXPECT_TRUE(lent.ReportsAt(tree->Find(regions[5])).empty());
  ASSERT_NE(entry(before, 5), nullptr);
  EXPECT_EQ(before.ReportsAt(tree->Find(regions[5])),
            std::vector<const ReportEntry*>{entry(before, 5)});
  EXPECT_EQ(entry(before, 5)->cells.Find(FindCell(v1::EDITION_2021, "table3.new_requests.total")),
            3);
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

  // The same cells, but one model has the report approved: its counts differ up the tree.
  YearModel c(2021, tree, &settings);
  YearModel d(2021, tree, &settings);
  const v1::Revision r =
      testing::Rev({.region = "330226001000", .cells = {{"table3.new_requests.total", 1}}});
  c.Apply(r);
  d.Apply(r);
  EXPECT_TRUE(c.Differences(d).empty());
  v1::Review approved;
  approved.set_state(v1::REVIEW_STATE_APPROVED);
  approved.set_revision(r.revision());
  approved.set_sequence(7);
  c.ApplyReview(r.key(), approved);
  EXPECT_EQ(c.Differences(d).size(), 5u);
}

}  // namespace
}  // namespace gongkai::worker
