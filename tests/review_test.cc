// The reviewer's work through the real server and the real worker (in-process channel): the
// review cycle, withdrawal, review counts in completeness, flag dispositions. The rules that need
// no worker: review_rules_test.cc.
#include <thread>

#include "gmock/gmock.h"
#include "gongkai/v1/review_service.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "proto/cells.h"
#include "services/server.h"
#include "tests/test_util.h"
#include "worker/runner/runner.h"

namespace gongkai {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kNinghai[] = "330226000000";  // 宁海县
constexpr char kYishi[] = "330226104000";    // 一市镇
constexpr char kYuelong[] = "330226001000";  // 跃龙街道
const absl::Time kNow = absl::FromCivil(absl::CivilDay(2026, 6, 1), absl::UTCTimeZone());

class ReviewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::Store::Open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    ASSERT_TRUE(store_->LoadRegistry(testing::SmallRegistry()).ok());
    env_.store = store_.get();
    env_.clock = [] { return kNow; };
    auto server = Server::Start(&env_, {});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    reports_ = v1::ReportService::NewStub(channel_);
    reviews_ = v1::ReviewService::NewStub(channel_);
    rollups_ = v1::RollupService::NewStub(channel_);
    worker::RunnerOptions options;
    options.clock = [] { return kNow; };
    options.log = [](const std::string&) {};
    runner_ = std::make_unique<worker::Runner>(
        server_->InProcessChannel(worker::WorkerChannelArguments()), options);
    runner_thread_ = std::thread([this] { (void)runner_->Run(); });
  }
  void TearDown() override {
    runner_->Stop();
    runner_thread_.join();
    server_->Shutdown(absl::Seconds(1));
  }

  static v1::ReportKey Key(const std::string& region) {
    v1::ReportKey key;
    key.set_region_code(region);
    key.set_year(2019);
    key.set_scope(v1::SCOPE_OWN);
    return key;
  }

  // The seed report at `region`, its first cell of table 二 set to `first_cell` when given, and
  // published on `published` when given.
  v1::Revision Submit(const std::string& region, std::optional<int64_t> first_cell = {},
                      const std::string& published = "") {
    v1::SubmitReportRequest request;
    *request.mutable_report() = testing::SeedReport();
    *request.mutable_report()->mutable_key() = Key(region);
    request.mutable_report()->set_publication_date(published);
    if (first_cell.has_value()) {
      SetCell(request.mutable_report(), CellsOf(v1::EDITION_2019)[0], first_cell);
    }
    request.set_mode(v1::VALIDATION_MODE_LENIENT);
    v1::SubmitReportResponse response;
    grpc::ClientContext context;
    grpc::Status status = reports_->SubmitReport(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.revision();
  }

  using Decision = grpc::Status (v1::ReviewService::Stub::*)(grpc::ClientContext*,
                                                             const v1::ReviewDecisionRequest&,
                                                             v1::Revision*);
  grpc::Status Decide(Decision decision, const std::string& region, int64_t revision,
                      std::vector<std::string> reasons, v1::Revision* head) {
    v1::ReviewDecisionRequest request;
    *request.mutable_key() = Key(region);
    request.set_revision(revision);
    for (const std::string& reason : reasons) request.add_reasons(reason);
    grpc::ClientContext context;
    return (reviews_.get()->*decision)(&context, request, head);
  }

  std::vector<v1::ReviewItem> Listed(v1::ReviewState state) {
    v1::ListReviewsRequest request;
    request.set_region_code(kNinghai);
    request.set_year(2019);
    request.set_state(state);
    v1::ListReviewsResponse response;
    grpc::ClientContext context;
    grpc::Status status = reviews_->ListReviews(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.items().begin(), response.items().end()};
  }

  void AwaitWorker() {
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (absl::Now() < give_up) {
      auto checkpoint = store_->WorkerCheckpoint();
      if (checkpoint.ok() && *checkpoint >= store_->HeadSequence()) return;
      absl::SleepFor(absl::Milliseconds(20));
    }
    FAIL() << "the worker did not catch up";
  }

  v1::Rollup Rollup(const std::string& region) {
    AwaitWorker();
    v1::GetRollupRequest request;
    request.set_region_code(region);
    request.set_year(2019);
    v1::Rollup rollup;
    grpc::ClientContext context;
    grpc::Status status = rollups_->GetRollup(&context, request, &rollup);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return rollup;
  }

  // The flags of the report at `region`, as ListAnomalies gives them (dispositions joined),
  // of one state (unset: all).
  std::vector<v1::Anomaly> Flags(const std::string& region,
                                 v1::FlagState state = v1::FLAG_STATE_UNSPECIFIED) {
    AwaitWorker();
    v1::ListAnomaliesRequest request;
    request.set_region_code(region);
    request.set_year(2019);
    request.set_state(state);
    v1::ListAnomaliesResponse response;
    grpc::ClientContext context;
    grpc::Status status = rollups_->ListAnomalies(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.anomalies().begin(), response.anomalies().end()};
  }
  std::optional<v1::Anomaly> Flag(const std::string& region, v1::AnomalyKind kind,
                                  v1::FlagState state = v1::FLAG_STATE_UNSPECIFIED) {
    for (const v1::Anomaly& flag : Flags(region, state)) {
      if (flag.kind() == kind) return flag;
    }
    return std::nullopt;
  }
  grpc::Status Explain(const std::string& id, const std::string& text) {
    v1::ExplainFlagRequest request;
    request.set_flag_id(id);
    request.set_explanation(text);
    v1::FlagDisposition response;
    grpc::ClientContext context;
    return reviews_->ExplainFlag(&context, request, &response);
  }
  grpc::Status DecideOn(const std::string& id, v1::FlagDecision decision, const std::string& note) {
    v1::DecideFlagRequest request;
    request.set_flag_id(id);
    request.set_decision(decision);
    request.set_note(note);
    v1::FlagDisposition response;
    grpc::ClientContext context;
    return reviews_->DecideFlag(&context, request, &response);
  }
  // A full recompute of 2019 by the worker (a rollup job), to its end.
  void Recompute() {
    v1::StartRollupJobRequest start;
    start.set_year(2019);
    v1::RollupJob job;
    grpc::ClientContext context;
    ASSERT_TRUE(rollups_->StartRollupJob(&context, start, &job).ok());
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (job.state() != v1::JOB_STATE_SUCCEEDED && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(20));
      v1::GetRollupJobRequest get;
      get.set_id(job.id());
      grpc::ClientContext poll;
      ASSERT_TRUE(rollups_->GetRollupJob(&poll, get, &job).ok());
      ASSERT_NE(job.state(), v1::JOB_STATE_FAILED) << job.error();
    }
    ASSERT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED);
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  Env env_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::ReviewService::Stub> reviews_;
  std::unique_ptr<v1::RollupService::Stub> rollups_;
  std::unique_ptr<worker::Runner> runner_;
  std::thread runner_thread_;
};

TEST_F(ReviewTest, SubmitReturnResubmitApproveAndACorrectionReopens) {
  v1::Revision head = Submit(kYishi, 5);
  EXPECT_EQ(head.review().state(), v1::REVIEW_STATE_PENDING);
  EXPECT_EQ(head.review().action(), v1::REVIEW_ACTION_SUBMIT);
  ASSERT_THAT(Listed(v1::REVIEW_STATE_PENDING), SizeIs(1));
  EXPECT_EQ(Listed(v1::REVIEW_STATE_PENDING)[0].revision().key().region_code(), kYishi);
  EXPECT_EQ(Rollup(kNinghai).completeness().pending_review(), 1);

  // Returned with reasons; a retry changes nothing.
  EXPECT_EQ(Decide(&v1::ReviewService::Stub::ReturnReport, kYishi, 1, {}, &head).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(
      Decide(&v1::ReviewService::Stub::ReturnReport, kYishi, 1, {"表三第一项与第三项不符"}, &head)
          .ok());
  EXPECT_EQ(head.review().state(), v1::REVIEW_STATE_RETURNED);
  EXPECT_THAT(head.review().reasons(), ElementsAre("表三第一项与第三项不符"));
  const int64_t sequence = store_->HeadSequence();
  ASSERT_TRUE(
      Decide(&v1::ReviewService::Stub::ReturnReport, kYishi, 1, {"表三第一项与第三项不符"}, &head)
          .ok());
  EXPECT_EQ(store_->HeadSequence(), sequence) << "a retried decision writes nothing";
  // Other reasons make it a new decision, recorded.
  ASSERT_TRUE(Decide(&v1::ReviewService::Stub::ReturnReport, kYishi, 1,
                     {"表三第一项与第三项不符", "表二缺少规章数量"}, &head)
                  .ok());
  EXPECT_EQ(head.review().reasons_size(), 2);
  EXPECT_EQ(store_->HeadSequence(), sequence + 1);
  EXPECT_THAT(Listed(v1::REVIEW_STATE_PENDING), SizeIs(0));
  EXPECT_THAT(Listed(v1::REVIEW_STATE_RETURNED), SizeIs(1));
  v1::Rollup rollup = Rollup(kNinghai);
  EXPECT_EQ(rollup.completeness().returned(), 1);
  EXPECT_EQ(rollup.completeness().pending_review(), 0);

  // A new revision is pending again; approving the revision the reviewer did not see fails.
  head = Submit(kYishi, 6);
  EXPECT_EQ(head.revision(), 2);
  EXPECT_EQ(head.review().state(), v1::REVIEW_STATE_PENDING);
  EXPECT_EQ(head.review().changes_size(), 0) << "never approved: nothing to compare with";
  grpc::Status stale = Decide(&v1::ReviewService::Stub::ApproveReport, kYishi, 1, {}, &head);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(stale.error_message(), HasSubstr("not the current revision (2)"));
  ASSERT_TRUE(Decide(&v1::ReviewService::Stub::ApproveReport, kYishi, 2, {}, &head).ok());
  EXPECT_EQ(head.review().state(), v1::REVIEW_STATE_APPROVED);
  EXPECT_EQ(head.review().approved_revision(), 2);
  rollup = Rollup(kNinghai);
  EXPECT_EQ(rollup.completeness().approved(), 1);
  EXPECT_EQ(rollup.completeness().received(), 1);

  // A correction after approval re-opens the review and says what changed.
  head = Submit(kYishi, 9);
  EXPECT_EQ(head.review().state(), v1::REVIEW_STATE_PENDING);
  EXPECT_EQ(head.review().approved_revision(), 2);
  ASSERT_EQ(head.review().changes_size(), 1);
  const CellSpec& cell = CellsOf(v1::EDITION_2019)[0];
  EXPECT_EQ(head.review().changes(0).field_path(), cell.field_path);
  EXPECT_EQ(head.review().changes(0).table(), cell.table);
  EXPECT_EQ(head.review().changes(0).before(), "6");
  EXPECT_EQ(head.review().changes(0).after(), "9");
  EXPECT_EQ(Rollup(kNinghai).completeness().pending_review(), 1);

  // The history, and the change log entries a mirroring client sees.
  v1::GetReviewRequest get;
  *get.mutable_key() = Key(kYishi);
  v1::GetReviewResponse review;
  grpc::ClientContext context;
  ASSERT_TRUE(reviews_->GetReview(&context, get, &review).ok());
  std::vector<v1::ReviewAction> actions;
  for (const v1::Review& r : review.history()) actions.push_back(r.action());
  EXPECT_THAT(actions, ElementsAre(v1::REVIEW_ACTION_SUBMIT, v1::REVIEW_ACTION_RETURN,
                                   v1::REVIEW_ACTION_RETURN, v1::REVIEW_ACTION_SUBMIT,
                                   v1::REVIEW_ACTION_APPROVE, v1::REVIEW_ACTION_SUBMIT));
  EXPECT_EQ(review.review().state(), v1::REVIEW_STATE_PENDING);
  EXPECT_EQ(review.history(1).principal(), "anonymous");
  auto changes = store_->ReadChanges(1, 100);
  ASSERT_TRUE(changes.ok());
  int decisions = 0;
  for (const v1::ChangeEvent& change : *changes) {
    ASSERT_TRUE(change.has_review());
    if (change.revision() == change.previous_revision()) ++decisions;
  }
  EXPECT_EQ(decisions, 3);
}

TEST_F(ReviewTest, WithdrawalLeavesRollupsAndCompletenessUntilResubmitted) {
  Submit(kYishi, 7);
  Submit(kYuelong, 5);
  const CellSpec& cell = CellsOf(v1::EDITION_2019)[0];
  v1::Rollup rollup = Rollup(kNinghai);
  ASSERT_EQ(rollup.reports(), 2);
  ASSERT_EQ(rollup.completeness().received(), 2);
  EXPECT_EQ(GetCell(rollup.editions(0).sums(), cell), 12);

  v1::Revision head;
  EXPECT_EQ(Decide(&v1::ReviewService::Stub::WithdrawReport, kYishi, 0, {}, &head).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(
      Decide(&v1::ReviewService::Stub::WithdrawReport, kYishi, 0, {"报送至错误的区划"}, &head)
          .ok());
  EXPECT_TRUE(head.withdrawn());
  EXPECT_EQ(head.revision(), 2);
  EXPECT_EQ(head.review().state(), v1::REVIEW_STATE_WITHDRAWN);
  // A retry finds it done; a decision on it waits for a new submission.
  ASSERT_TRUE(
      Decide(&v1::ReviewService::Stub::WithdrawReport, kYishi, 1, {"报送至错误的区划"}, &head)
          .ok());
  EXPECT_EQ(head.revision(), 2);
  EXPECT_EQ(Decide(&v1::ReviewService::Stub::ApproveReport, kYishi, 0, {}, &head).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // Out of listings and rollups; the history is kept.
  auto listed = store_->ListReports(kNinghai, 2019, 100, "", false);
  ASSERT_TRUE(listed.ok());
  ASSERT_THAT(listed->items, SizeIs(1));
  EXPECT_EQ(listed->items[0].key().region_code(), kYuelong);
  auto revisions = store_->ListRevisions(Key(kYishi), 100, "", true);
  ASSERT_TRUE(revisions.ok());
  ASSERT_THAT(revisions->items, SizeIs(2));
  EXPECT_TRUE(revisions->items[0].report().has_table3()) << "revision 1 is intact";
  rollup = Rollup(kNinghai);
  EXPECT_EQ(rollup.reports(), 1);
  EXPECT_EQ(rollup.completeness().received(), 1);
  // The county's own report was never filed; 一市镇's is missing again.
  EXPECT_EQ(rollup.completeness().missing(), 2);
  EXPECT_THAT(rollup.completeness().missing_regions(), ElementsAre(kNinghai, kYishi));
  EXPECT_EQ(GetCell(rollup.editions(0).sums(), cell), 5);

  // A new submission restores it, pending review.
  head = Submit(kYishi, 7);
  EXPECT_EQ(head.revision(), 3);
  EXPECT_FALSE(head.withdrawn());
  EXPECT_EQ(head.review().state(), v1::REVIEW_STATE_PENDING);
  rollup = Rollup(kNinghai);
  EXPECT_EQ(rollup.reports(), 2);
  EXPECT_EQ(rollup.completeness().received(), 2);
  EXPECT_EQ(GetCell(rollup.editions(0).sums(), cell), 12);
}

TEST_F(ReviewTest, DispositionsSurviveRecomputesAndReopenWhenTheNumbersChange) {
  Submit(kYishi, {}, "2020-03-15");
  std::optional<v1::Anomaly> late = Flag(kYishi, v1::ANOMALY_KIND_LATE_REPORT);
  ASSERT_TRUE(late.has_value());
  EXPECT_THAT(late->id(), ::testing::StartsWith("330226104000-2019-"));
  EXPECT_EQ(late->disposition().state(), v1::FLAG_STATE_OPEN);
  const std::string id = late->id();

  // Nobody explained it: nothing to accept.
  EXPECT_EQ(DecideOn(id, v1::FLAG_DECISION_ACCEPT, "").error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(Explain(id, "受疫情影响，经县政府同意延期发布").ok());
  ASSERT_TRUE(Flag(kYishi, v1::ANOMALY_KIND_LATE_REPORT, v1::FLAG_STATE_EXPLAINED).has_value());
  EXPECT_FALSE(Flag(kYishi, v1::ANOMALY_KIND_LATE_REPORT, v1::FLAG_STATE_OPEN).has_value());
  ASSERT_TRUE(DecideOn(id, v1::FLAG_DECISION_ACCEPT, "").ok());
  EXPECT_EQ(Explain(id, "再说明").error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << "decided, and its numbers have not changed";
  // Accepted flags are no longer among those the reviewer has to deal with.
  std::vector<v1::ReviewItem> pending = Listed(v1::REVIEW_STATE_PENDING);
  ASSERT_THAT(pending, SizeIs(1));
  for (const v1::Anomaly& flag : pending[0].flags()) EXPECT_NE(flag.id(), id);

  // A full recompute finds the same flag under the same id, still accepted.
  Recompute();
  late = Flag(kYishi, v1::ANOMALY_KIND_LATE_REPORT, v1::FLAG_STATE_ACCEPTED);
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->id(), id);
  EXPECT_EQ(late->disposition().explanation(), "受疫情影响，经县政府同意延期发布");
  EXPECT_EQ(late->disposition().explained_by(), "anonymous");

  // Other numbers (a later date) re-open it, the old answers kept for the record.
  Submit(kYishi, {}, "2020-04-20");
  late = Flag(kYishi, v1::ANOMALY_KIND_LATE_REPORT);
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->id(), id);
  EXPECT_EQ(late->disposition().state(), v1::FLAG_STATE_OPEN);
  EXPECT_TRUE(late->disposition().reopened());
  EXPECT_EQ(late->disposition().explanation(), "受疫情影响，经县政府同意延期发布");
  ASSERT_TRUE(DecideOn(id, v1::FLAG_DECISION_DISMISS, "发布日期以县政府网站为准，未逾期").ok());
  EXPECT_TRUE(Flag(kYishi, v1::ANOMALY_KIND_LATE_REPORT, v1::FLAG_STATE_DISMISSED).has_value());

  // Confirming a flag returns the report, with the flag as the reason.
  std::optional<v1::Anomaly> zero = Flag(kYishi, v1::ANOMALY_KIND_ZERO_PUBLICATION);
  ASSERT_TRUE(zero.has_value());
  EXPECT_EQ(DecideOn(zero->id(), v1::FLAG_DECISION_CONFIRM, "").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(DecideOn(zero->id(), v1::FLAG_DECISION_CONFIRM, "请核实主动公开数据").ok());
  EXPECT_TRUE(Flag(kYishi, v1::ANOMALY_KIND_ZERO_PUBLICATION, v1::FLAG_STATE_CONFIRMED));
  auto head = store_->GetRevision(Key(kYishi), 0, false);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->review().state(), v1::REVIEW_STATE_RETURNED);
  ASSERT_EQ(head->review().reasons_size(), 2);
  EXPECT_THAT(head->review().reasons(0), HasSubstr(zero->id()));
  EXPECT_EQ(head->review().reasons(1), "请核实主动公开数据");
  // A confirmed flag stands among those to deal with, and the submitter may answer it.
  std::vector<v1::ReviewItem> returned = Listed(v1::REVIEW_STATE_RETURNED);
  ASSERT_THAT(returned, SizeIs(1));
  bool listed = false;
  for (const v1::Anomaly& flag : returned[0].flags()) listed = listed || flag.id() == zero->id();
  EXPECT_TRUE(listed);
  EXPECT_TRUE(Explain(zero->id(), "已补充主动公开数据").ok());

  // Ids that are not flags' are refused clearly.
  EXPECT_EQ(Explain("330226104000-2019-ffffffffffffffff", "x").error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Explain("not-a-flag", "x").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace gongkai
