// The digest of a revision (proto/digest.h): what the worker reads instead of the report.
#include "proto/digest.h"

#include "gtest/gtest.h"
#include "proto/cells.h"
#include "tests/test_util.h"

namespace gongkai {
namespace {

v1::Revision SeedRevision() {
  v1::Revision revision;
  revision.set_revision(3);
  *revision.mutable_report() = testing::SeedReport();
  *revision.mutable_key() = revision.report().key();
  revision.mutable_create_time()->set_seconds(1700000000);
  revision.mutable_first_create_time()->set_seconds(1600000000);
  revision.mutable_review()->set_state(v1::REVIEW_STATE_RETURNED);
  revision.mutable_review()->set_sequence(41);
  v1::Violation* violation = revision.mutable_verdict()->add_violations();
  violation->set_rule("R3");
  return revision;
}

TEST(DigestTest, HoldsTheCertainFilledCellsInSchemaOrder) {
  v1::Revision revision = SeedRevision();
  v1::Report& report = *revision.mutable_report();
  const v1::Edition edition = report.edition();
  const int total = FindCell(edition, "table3.new_requests.total");
  ASSERT_GE(total, 0);
  SetCell(&report, CellsOf(edition)[total], 12);
  v1::ReportDigest digest = DigestOf(revision);

  std::vector<std::pair<int, int64_t>> filled;
  ForEachFilledCell(report, [&](int index, int64_t value) { filled.emplace_back(index, value); });
  std::sort(filled.begin(), filled.end());
  ASSERT_EQ(digest.cell_indices_size(), static_cast<int>(filled.size()));
  ASSERT_EQ(digest.cell_values_size(), static_cast<int>(filled.size()));
  for (size_t i = 0; i < filled.size(); ++i) {
    EXPECT_EQ(digest.cell_indices(static_cast<int>(i)), filled[i].first);
    EXPECT_EQ(digest.cell_values(static_cast<int>(i)), filled[i].second);
  }

  // An uncertain ("?") cell is left out: its value is unknown.
  report.add_uncertain_cells("table3.new_requests.total");
  digest = DigestOf(revision);
  EXPECT_EQ(digest.cell_indices_size(), static_cast<int>(filled.size()) - 1);
  for (int index : digest.cell_indices()) EXPECT_NE(index, total);
}

TEST(DigestTest, KeepsTheKeyDatesVerdictReviewAndNarrativeMeasures) {
  v1::Revision revision = SeedRevision();
  revision.mutable_report()->mutable_narrative()->set_overview(
      "本年度共收到政府信息公开申请12件，均已办结。");
  revision.mutable_report()->mutable_narrative()->set_problems("问题与改进");
  revision.mutable_report()->set_publication_date("2020-01-20");
  const v1::ReportDigest digest = DigestOf(revision);
  EXPECT_EQ(digest.key().SerializeAsString(), revision.key().SerializeAsString());
  EXPECT_EQ(digest.revision(), 3);
  EXPECT_EQ(digest.edition(), revision.report().edition());
  EXPECT_EQ(digest.publication_date(), "2020-01-20");
  EXPECT_EQ(digest.first_create_time().seconds(), 1600000000);
  ASSERT_EQ(digest.violations_size(), 1);
  EXPECT_EQ(digest.violations(0).rule(), "R3");
  EXPECT_EQ(digest.problems(), "问题与改进");
  ASSERT_TRUE(digest.has_stated_requests());
  EXPECT_EQ(digest.stated_requests(), 12);
  EXPECT_EQ(digest.review_state(), v1::REVIEW_STATE_RETURNED);
  EXPECT_EQ(digest.review_sequence(), 41);
}

TEST(DigestTest, WithoutAFirstCreateTimeTheRevisionsOwnCounts) {
  v1::Revision revision = SeedRevision();
  revision.clear_first_create_time();
  const v1::ReportDigest digest = DigestOf(revision);
  EXPECT_EQ(digest.first_create_time().seconds(), 1700000000);
}

}  // namespace
}  // namespace gongkai
