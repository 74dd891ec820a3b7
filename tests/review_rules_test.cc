// The rules of the review, without a worker: a confirmation's guards (the worker's flags must be
// of the current revision; a missing report cannot be returned), the reviewer role given to an
// older store's bootstrap admin, and who reviews what (Caller::Reviews).
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/authenticator.h"
#include "services/report_service.h"
#include "services/review_service.h"
#include "storage/store.h"
#include "tests/test_util.h"
#include "worker/flag_identity.h"

namespace gongkai {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kNinghai[] = "330226000000";  // 宁海县
constexpr char kYishi[] = "330226104000";    // 一市镇
constexpr char kYuelong[] = "330226001000";  // 跃龙街道
const absl::Time kNow = absl::FromCivil(absl::CivilDay(2026, 6, 1), absl::UTCTimeZone());

// A confirmed flag returns the revision the worker evaluated, or nothing: not while the worker
// is behind the report (its flags may be of an older revision), and not a report never filed.
TEST(ReviewFlags, ConfirmWaitsForTheWorkerAndCannotReturnAMissingReport) {
  const auto Key = [](const std::string& region) {
    v1::ReportKey key;
    key.set_region_code(region);
    key.set_year(2019);
    key.set_scope(v1::SCOPE_OWN);
    return key;
  };
  testing::TempDir dir;
  auto store = storage::Store::Open(dir.path());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->LoadRegistry(testing::SmallRegistry()).ok());
  Env env;
  env.store = store->get();
  env.clock = [] { return kNow; };
  const RequestContext context;
  v1::SubmitReportRequest submit;
  *submit.mutable_report() = testing::SeedReport();
  submit.set_mode(v1::VALIDATION_MODE_LENIENT);
  v1::SubmitReportResponse submitted;
  ASSERT_TRUE(SubmitReport(env, context, submit, &submitted).ok());

  // The worker's flags as it would write them: one on 一市镇's report, one for 跃龙街道's
  // missing report.
  v1::AnomalySet yishi, yuelong;
  yishi.set_region_code(kYishi);
  yishi.set_year(2019);
  v1::Anomaly* late = yishi.add_anomalies();
  late->set_kind(v1::ANOMALY_KIND_LATE_REPORT);
  *late->mutable_key() = Key(kYishi);
  yuelong.set_region_code(kYuelong);
  yuelong.set_year(2019);
  v1::Anomaly* missing = yuelong.add_anomalies();
  missing->set_kind(v1::ANOMALY_KIND_MISSING_REPORT);
  *missing->mutable_key() = Key(kYuelong);
  worker::AssignIdentities(&yishi);
  worker::AssignIdentities(&yuelong);
  ASSERT_TRUE(
      (*store)->WriteResults(2019, {}, testing::Repeated({yishi, yuelong}), /*checkpoint=*/0).ok());

  v1::DecideFlagRequest confirm;
  confirm.set_decision(v1::FLAG_DECISION_CONFIRM);
  confirm.set_note("请核实");
  confirm.set_flag_id(yishi.anomalies(0).id());
  v1::FlagDisposition disposition;
  absl::Status behind = DecideFlag(env, context, confirm, &disposition);
  EXPECT_EQ(behind.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(behind.message(), HasSubstr("has not yet evaluated revision 1"));

  ASSERT_TRUE((*store)->WriteResults(2019, {}, {}, (*store)->HeadSequence()).ok());
  ASSERT_TRUE(DecideFlag(env, context, confirm, &disposition).ok());
  EXPECT_EQ(disposition.state(), v1::FLAG_STATE_CONFIRMED);
  auto head = (*store)->GetRevision(Key(kYishi), 0, false);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->review().state(), v1::REVIEW_STATE_RETURNED);

  confirm.set_flag_id(yuelong.anomalies(0).id());
  absl::Status never_filed = DecideFlag(env, context, confirm, &disposition);
  EXPECT_EQ(never_filed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(never_filed.message(), HasSubstr("no report was filed"));
}

// A store whose bootstrap admin predates the reviewer role: at the next start the admin holds
// it (else nobody could ever create a reviewer: admins grant only roles they hold); principals
// an admin created are left alone.
TEST(ReviewRole, TheBootstrapAdminOfAnOlderStoreGetsTheReviewerRole) {
  testing::TempDir dir;
  auto store = storage::Store::Open(dir.path());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->LoadRegistry(testing::SmallRegistry()).ok());
  const absl::Time now = absl::Now();
  {
    auto auth = Authenticator::Load(store->get());
    ASSERT_TRUE(auth.ok());
    v1::Principal admin;
    admin.set_name("admin");
    for (auto role : {v1::ROLE_ADMIN, v1::ROLE_SUBMITTER, v1::ROLE_READER, v1::ROLE_WORKER}) {
      admin.add_roles(role);
    }
    admin.add_region_codes(std::string(kNationCode));
    ASSERT_TRUE((*auth)->Create(Caller::Open(), admin, now).ok());
    v1::Principal county;
    county.set_name("county");
    county.add_roles(v1::ROLE_SUBMITTER);
    county.add_region_codes(kNinghai);
    ASSERT_TRUE((*auth)->Create(Caller(admin), county, now).ok());
  }
  auto reloaded = Authenticator::Load(store->get());
  ASSERT_TRUE(reloaded.ok());
  auto principals = (*store)->ListPrincipals();
  ASSERT_TRUE(principals.ok());
  ASSERT_THAT(*principals, SizeIs(2));
  for (const v1::StoredPrincipal& p : *principals) {
    const auto& roles = p.principal().roles();
    const bool reviewer = std::find(roles.begin(), roles.end(), v1::ROLE_REVIEWER) != roles.end();
    EXPECT_EQ(reviewer, p.principal().name() == "admin") << p.principal().name();
  }
}

// Who reviews what: a county's reviewer reviews its townships and its own departments, never
// the county's own government report (the prefecture's reviewer does), nor another county's.
TEST(ReviewScope, BelowTheRootsAndTheRootsBodies) {
  auto registry = registry::TimedRegistry::Build(
      registry::HistoriesOf(testing::SmallRegistry(), kFirstReportingYear));
  ASSERT_TRUE(registry.ok());
  const registry::YearTree& tree = *(*registry)->Tree(2019);
  auto reviewer = [](std::vector<std::string> roots, const std::string& body = "") {
    v1::Principal p;
    p.set_name("r");
    p.add_roles(v1::ROLE_REVIEWER);
    for (const std::string& root : roots) p.add_region_codes(root);
    p.set_body(body);
    return Caller(p);
  };
  const Caller county = reviewer({kNinghai});
  EXPECT_TRUE(county.Reviews(tree, kYishi, ""));
  EXPECT_TRUE(county.Reviews(tree, kYishi, "11330226MB0000000X"));
  EXPECT_TRUE(county.Reviews(tree, kNinghai, "11330226MB0000000X")) << "the county's departments";
  EXPECT_FALSE(county.Reviews(tree, kNinghai, "")) << "the county's own report";
  EXPECT_FALSE(county.Reviews(tree, "441900003000", "")) << "another county's township";
  EXPECT_TRUE(reviewer({"330200000000"}).Reviews(tree, kNinghai, "")) << "the prefecture";
  EXPECT_FALSE(reviewer({std::string(kNationCode)}).Reviews(tree, kNationCode, ""));
  EXPECT_TRUE(reviewer({std::string(kNationCode)}).Reviews(tree, "330000000000", ""));
  // The body restriction still applies; other roles review nothing.
  EXPECT_FALSE(reviewer({kNinghai}, "-").Reviews(tree, kNinghai, "11330226MB0000000X"));
  EXPECT_TRUE(reviewer({kNinghai}, "-").Reviews(tree, kYishi, ""));
  v1::Principal submitter;
  submitter.add_roles(v1::ROLE_SUBMITTER);
  submitter.add_region_codes(kNinghai);
  EXPECT_FALSE(Caller(submitter).Reviews(tree, kYishi, ""));
}

}  // namespace
}  // namespace gongkai
