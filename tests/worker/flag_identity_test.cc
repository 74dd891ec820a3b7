// Flag identities (worker/flag_identity.h): ids stable across evaluations and independent of
// which other flags stand beside them; fingerprints of the flagged report's own numbers only.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/flag_identity.h"

namespace gongkai::worker {
namespace {

v1::Anomaly Flag(v1::AnomalyKind kind, const std::string& region,
                 std::vector<std::pair<std::string, std::string>> evidence,
                 std::vector<std::pair<std::string, std::string>> peer_evidence = {}) {
  v1::Anomaly a;
  a.set_kind(kind);
  a.mutable_key()->set_region_code(region);
  a.mutable_key()->set_year(2019);
  a.mutable_key()->set_scope(v1::SCOPE_OWN);
  for (const auto& [label, value] : evidence) {
    v1::Evidence* e = a.add_evidence();
    e->set_label(label);
    e->set_value(value);
  }
  for (const auto& [label, value] : peer_evidence) {
    v1::Evidence* e = a.add_evidence();
    e->set_label(label);
    e->set_value(value);
    e->set_about_peers(true);
  }
  return a;
}

std::vector<v1::Anomaly> Assigned(std::vector<v1::Anomaly> flags) {
  v1::AnomalySet set;
  for (v1::Anomaly& f : flags) *set.add_anomalies() = std::move(f);
  AssignIdentities(&set);
  return {set.anomalies().begin(), set.anomalies().end()};
}

TEST(FlagIdentity, IdsNameRegionYearAndStayTheSameAcrossEvaluations) {
  const v1::Anomaly late = Flag(v1::ANOMALY_KIND_LATE_REPORT, "330226104000",
                                {{"发布或报送日期", "2020-03-15"}, {"逾期天数", "44"}});
  const std::string id = Assigned({late})[0].id();
  EXPECT_THAT(id, ::testing::MatchesRegex("330226104000-2019-[0-9a-f]{16}"));
  // The numbers are not part of the identity; the fingerprint follows them.
  const v1::Anomaly later = Flag(v1::ANOMALY_KIND_LATE_REPORT, "330226104000",
                                 {{"发布或报送日期", "2020-04-20"}, {"逾期天数", "80"}});
  EXPECT_EQ(Assigned({later})[0].id(), id);
  EXPECT_NE(Assigned({later})[0].fingerprint(), Assigned({late})[0].fingerprint());
}

// Two COPIED_NARRATIVE flags on one report (last year's own, a neighbour's) are told apart by
// the report they compare with, not by their order: one going away leaves the other's id alone,
// and a new neighbour is a new flag.
TEST(FlagIdentity, ACounterpartIsPartOfTheIdentity) {
  const v1::Anomaly own = Flag(v1::ANOMALY_KIND_COPIED_NARRATIVE, "330226104000",
                               {{"相似度", "0.970"}, {"对比报告", "330226104000|2018||own"}});
  const v1::Anomaly a = Flag(v1::ANOMALY_KIND_COPIED_NARRATIVE, "330226104000",
                             {{"相似度", "0.930"}}, {{"对比报告", "330226001000|2019||own"}});
  const v1::Anomaly b = Flag(v1::ANOMALY_KIND_COPIED_NARRATIVE, "330226104000",
                             {{"相似度", "0.930"}}, {{"对比报告", "330226002000|2019||own"}});
  const std::vector<v1::Anomaly> both = Assigned({own, a});
  ASSERT_EQ(both.size(), 2u);
  EXPECT_NE(both[0].id(), both[1].id());
  EXPECT_EQ(Assigned({a})[0].id(), both[1].id()) << "without last year's flag beside it";
  EXPECT_NE(Assigned({b})[0].id(), both[1].id()) << "another neighbour, another flag";
  EXPECT_THAT(both[1].id(), ::testing::Not(::testing::EndsWith("-2")));
}

// Evidence about peers (their count, median, z-score) is not the flagged report's: a
// neighbour's filing that moves it must not re-open a decided flag.
TEST(FlagIdentity, TheFingerprintLeavesPeersOut) {
  const v1::Anomaly before =
      Flag(v1::ANOMALY_KIND_PEER_OUTLIER, "330226104000", {{"新收申请", "120"}},
           {{"同级中位数", "3"}, {"修正Z值", "9.1"}, {"同级单位数", "18"}});
  const v1::Anomaly after =
      Flag(v1::ANOMALY_KIND_PEER_OUTLIER, "330226104000", {{"新收申请", "120"}},
           {{"同级中位数", "4"}, {"修正Z值", "7.9"}, {"同级单位数", "19"}});
  const v1::Anomaly changed =
      Flag(v1::ANOMALY_KIND_PEER_OUTLIER, "330226104000", {{"新收申请", "150"}},
           {{"同级中位数", "4"}, {"修正Z值", "9.9"}, {"同级单位数", "19"}});
  EXPECT_EQ(Assigned({before})[0].fingerprint(), Assigned({after})[0].fingerprint());
  EXPECT_NE(Assigned({before})[0].fingerprint(), Assigned({changed})[0].fingerprint());
}

}  // namespace
}  // namespace gongkai::worker
