// The services through the real gRPC server on 127.0.0.1:0 over a fresh RocksDB, called by a
// real client: submissions, reads, listings, the change log, the registry, and bad input —
// each bad input with a clear status and nothing stored. WatchChanges: service_watch_test.cc.
#include "gmock/gmock.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "proto/cells.h"
#include "services/report_service.h"
#include "services/rollup_service.h"
#include "services/server.h"
#include "tests/grpc_test_util.h"
#include "tests/service_test_fixture.h"
#include "tests/test_util.h"

namespace gongkai {
namespace {

using ::testing::HasSubstr;

TEST_F(ServiceTest, SubmitsTheSeedReportAndReadsItBackAsTheExpectedCells) {
  v1::SubmitReportResponse response;
  ASSERT_TRUE(Submit(testing::SeedReport(), &response).ok());
  EXPECT_TRUE(response.created());
  EXPECT_EQ(response.revision().revision(), 1);
  EXPECT_EQ(response.revision().change_sequence(), 1);
  EXPECT_THAT(response.revision().peer(), HasSubstr("127.0.0.1"));

  v1::Revision revision;
  ASSERT_TRUE(Get(testing::SeedReport().key(), &revision).ok());
  EXPECT_EQ(FormatCells(revision.report()),
            testing::ReadFile(testing::TestData("2019_town_yishi.tsv")));
}

TEST_F(ServiceTest, ResubmittingIdenticalContentCreatesNoRevision) {
  ASSERT_TRUE(Submit(testing::SeedReport()).ok());
  v1::SubmitReportResponse response;
  ASSERT_TRUE(Submit(testing::SeedReport(), &response).ok());
  EXPECT_FALSE(response.created());
  EXPECT_EQ(response.revision().revision(), 1);
}

TEST_F(ServiceTest, RejectedReportCarriesItsVerdictInTheStatusDetails) {
  v1::Report report = testing::SeedReport();
  report.mutable_table3()->mutable_new_requests()->set_total(3);
  grpc::Status status = Submit(report);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("总计等于各类申请人之和"));
  EXPECT_THAT(status.error_message(), HasSubstr("table3.new_requests.total"));
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  v1::Verdict verdict;
  ASSERT_TRUE(details.details(0).UnpackTo(&verdict));
  EXPECT_FALSE(verdict.acceptable());
  EXPECT_EQ(verdict.violations_size(), 2);  // R1 (总计 column) and R3
}

TEST_F(ServiceTest, LenientModeStoresAPublishedReportWithItsFlags) {
  v1::Report report = testing::SeedReport();
  report.mutable_table3()->mutable_new_requests()->set_total(3);
  v1::SubmitReportResponse response;
  ASSERT_TRUE(Submit(report, &response, v1::VALIDATION_MODE_LENIENT).ok());
  EXPECT_EQ(response.revision().verdict().violations_size(), 2);
  v1::Revision stored;
  ASSERT_TRUE(Get(report.key(), &stored).ok());
  EXPECT_EQ(stored.verdict().mode(), v1::VALIDATION_MODE_LENIENT);
  EXPECT_EQ(stored.verdict().violations(1).rule(), "R3");
}

TEST_F(ServiceTest, BadInputGetsAClearErrorAndStoresNothing) {
  v1::Report unknown_region = testing::SeedReport();
  unknown_region.mutable_key()->set_region_code("330226999000");
  ExpectRefusedAndNothingStored(unknown_region, grpc::StatusCode::INVALID_ARGUMENT, "REGION");

  v1::Report early = testing::SeedReport();
  early.mutable_key()->set_year(2018);
  ExpectRefusedAndNothingStored(early, grpc::StatusCode::INVALID_ARGUMENT, "YEAR");

  v1::Report negative = testing::SeedReport();
  negative.mutable_table4()->mutable_reconsideration()->set_upheld(-1);
  ExpectRefusedAndNothingStored(negative, grpc::StatusCode::INVALID_ARGUMENT, "R10");

  v1::Report wrong_edition = testing::SeedReport();
  wrong_edition.mutable_key()->set_year(2023);
  ExpectRefusedAndNothingStored(wrong_edition, grpc::StatusCode::INVALID_ARGUMENT,
                                "EDITION_FOR_YEAR");

  v1::Report oversize = testing::SeedReport();
  oversize.mutable_narrative()->set_overview(std::string(300'000, 'x'));
  ExpectRefusedAndNothingStored(oversize, grpc::StatusCode::INVALID_ARGUMENT, "TEXT");

  v1::Report no_key = testing::SeedReport();
  no_key.clear_key();
  ExpectRefusedAndNothingStored(no_key, grpc::StatusCode::INVALID_ARGUMENT, "key.region_code");

  v1::SubmitReportRequest empty;
  v1::SubmitReportResponse response;
  grpc::ClientContext context;
  EXPECT_EQ(reports_->SubmitReport(&context, empty, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(store_->HeadSequence(), 0);
}

TEST_F(ServiceTest, MalformedProtobufAndInvalidUtf8AreRefusedAndStoreNothing) {
  for (const std::string& bytes : {std::string("\xff\xff\xff\xff garbage", 13),
                                   // SubmitReportRequest{report{publisher: <invalid UTF-8>}}: field
                                   // 1 (len 4) { field 4 (len 2) }.
                                   std::string("\x0a\x04\x22\x02\xe4\xb8", 6)}) {
    // The client's error, said as such (issue 15: it was INTERNAL with no message).
    const grpc::Status status =
        testing::RawUnaryCall(channel_, "/gongkai.v1.ReportService/SubmitReport", bytes);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("could not be decoded"));
  }
  EXPECT_EQ(store_->HeadSequence(), 0);
}

TEST_F(ServiceTest, StaleExpectedRevisionIsAFailedPrecondition) {
  ASSERT_TRUE(Submit(testing::SeedReport()).ok());
  v1::SubmitReportRequest request;
  *request.mutable_report() = testing::SeedReport();
  request.mutable_report()->set_title("changed");
  request.set_expected_revision(0);
  v1::SubmitReportResponse response;
  grpc::ClientContext context;
  EXPECT_EQ(reports_->SubmitReport(&context, request, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(ServiceTest, ValidateStoresNothing) {
  v1::ValidateReportRequest request;
  *request.mutable_report() = testing::SeedReport();
  v1::Verdict verdict;
  grpc::ClientContext context;
  ASSERT_TRUE(reports_->ValidateReport(&context, request, &verdict).ok());
  EXPECT_TRUE(verdict.acceptable());
  EXPECT_EQ(store_->HeadSequence(), 0);
}

TEST_F(ServiceTest, GetOfMissingReportOrRevisionIsNotFound) {
  v1::Revision revision;
  EXPECT_EQ(Get(testing::SeedReport().key(), &revision).error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(Submit(testing::SeedReport()).ok());
  EXPECT_EQ(Get(testing::SeedReport().key(), &revision, 2).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServiceTest, ListsReportsRevisionsAndChanges) {
  v1::Report report = testing::SeedReport();
  ASSERT_TRUE(Submit(report).ok());
  report.set_title("v2");
  ASSERT_TRUE(Submit(report).ok());
  v1::Report county = testing::SeedReport();
  county.mutable_key()->set_region_code("330226000000");
  county.mutable_key()->set_scope(v1::SCOPE_SUMMARY);
  ASSERT_TRUE(Submit(county).ok());

  v1::ListReportsRequest list;
  list.set_region_code("330200000000");
  list.set_year(2019);
  v1::ListReportsResponse reports;
  grpc::ClientContext c1;
  ASSERT_TRUE(reports_->ListReports(&c1, list, &reports).ok());
  ASSERT_EQ(reports.reports_size(), 2);
  EXPECT_EQ(reports.reports(0).key().scope(), v1::SCOPE_SUMMARY);
  EXPECT_EQ(reports.reports(1).revision(), 2);
  EXPECT_FALSE(reports.reports(1).has_report());  // BASIC by default

  v1::ListRevisionsRequest revisions_request;
  *revisions_request.mutable_key() = report.key();
  v1::ListRevisionsResponse revisions;
  grpc::ClientContext c2;
  ASSERT_TRUE(reports_->ListRevisions(&c2, revisions_request, &revisions).ok());
  EXPECT_EQ(revisions.revisions_size(), 2);

  v1::ListChangesRequest changes_request;
  changes_request.set_start_sequence(2);
  v1::ListChangesResponse changes;
  grpc::ClientContext c3;
  ASSERT_TRUE(reports_->ListChanges(&c3, changes_request, &changes).ok());
  ASSERT_EQ(changes.changes_size(), 2);
  EXPECT_EQ(changes.changes(0).sequence(), 2);
  EXPECT_EQ(changes.next_sequence(), 4);
  EXPECT_EQ(changes.head_sequence(), 3);

  changes_request.set_start_sequence(50);  // past the head
  grpc::ClientContext c5;
  ASSERT_TRUE(reports_->ListChanges(&c5, changes_request, &changes).ok());
  EXPECT_EQ(changes.changes_size(), 0);
  EXPECT_EQ(changes.next_sequence(), 50);
  EXPECT_EQ(changes.head_sequence(), 3);

  list.set_page_size(5000);
  grpc::ClientContext c4;
  EXPECT_EQ(reports_->ListReports(&c4, list, &reports).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServiceTest, ServesTheRegionRegistry) {
  v1::GetRegionRequest get;
  get.set_code("330226104000");
  v1::Region region;
  grpc::ClientContext c1;
  ASSERT_TRUE(regions_->GetRegion(&c1, get, &region).ok());
  EXPECT_EQ(region.name(), "一市镇");

  v1::ListChildRegionsRequest children_request;
  children_request.set_code("330226000000");
  children_request.set_page_size(1);
  v1::ListChildRegionsResponse children;
  grpc::ClientContext c2;
  ASSERT_TRUE(regions_->ListChildRegions(&c2, children_request, &children).ok());
  ASSERT_EQ(children.regions_size(), 1);
  EXPECT_EQ(children.regions(0).code(), "330226001000");
  children_request.set_page_token(children.next_page_token());
  grpc::ClientContext c3;
  ASSERT_TRUE(regions_->ListChildRegions(&c3, children_request, &children).ok());
  EXPECT_EQ(children.regions(0).code(), "330226104000");
  EXPECT_TRUE(children.next_page_token().empty());

  v1::SearchRegionsRequest search;
  search.set_name("东莞");
  v1::SearchRegionsResponse found;
  grpc::ClientContext c4;
  ASSERT_TRUE(regions_->SearchRegions(&c4, search, &found).ok());
  ASSERT_EQ(found.regions_size(), 1);

  get.set_code("999999999999");
  grpc::ClientContext c5;
  EXPECT_EQ(regions_->GetRegion(&c5, get, &region).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServiceTest, ParsesAPublishedReportWithoutStoringIt) {
  v1::ParseReportRequest request;
  request.set_text(testing::ReadFile(testing::TestData("samples/2019_town_yishi.txt")));
  v1::ParseReportResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(reports_->ParseReport(&context, request, &response).ok());
  EXPECT_TRUE(response.has_tables());
  EXPECT_EQ(response.cells(), testing::ReadFile(testing::TestData("2019_town_yishi.tsv")));
  EXPECT_EQ(response.report().key().year(), 2019);
  EXPECT_EQ(store_->HeadSequence(), 0);
}

// ParseReport with the published file itself: a PDF parses to the same cells as the text;
// a file that is not what its media type says, or text and file together, are refused.
TEST_F(ServiceTest, ParsesAPublishedFile) {
  v1::ParseReportRequest request;
  request.set_file(testing::ReadFile(testing::TestData("files/2019_town_yishi.pdf")));
  request.set_media_type("application/pdf");
  request.mutable_key()->set_region_code("330226104000");
  request.set_store(true);
  v1::ParseReportResponse response;
  grpc::ClientContext context;
  grpc::Status status = reports_->ParseReport(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.cells(), testing::ReadFile(testing::TestData("2019_town_yishi.tsv")));
  EXPECT_EQ(response.revision().revision(), 1);

  request.set_media_type("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  request.set_store(false);
  grpc::ClientContext c2;
  status = reports_->ParseReport(&c2, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("its content is PDF"));

  request.set_text("二、主动公开政府信息情况");
  request.clear_media_type();
  grpc::ClientContext c3;
  status = reports_->ParseReport(&c3, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("not both"));

  request.clear_text();
  request.set_file(testing::ReadFile(testing::TestData("files/encrypted.pdf")));
  request.set_store(true);
  grpc::ClientContext c4;
  status = reports_->ParseReport(&c4, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("password"));
  EXPECT_EQ(store_->HeadSequence(), 1);  // nothing more stored
}

TEST_F(ServiceTest, ParseAndStoreNeedsARegion) {
  v1::ParseReportRequest request;
  request.set_text(testing::ReadFile(testing::TestData("samples/2019_town_yishi.txt")));
  request.set_store(true);
  v1::ParseReportResponse response;
  grpc::ClientContext context;
  grpc::Status status = reports_->ParseReport(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("key.region_code"));
  EXPECT_EQ(store_->HeadSequence(), 0);
}

TEST_F(ServiceTest, ParseAndStoreKeepsAPublishedReportsRuleBreaksAsFlags) {
  v1::ParseReportRequest request;
  request.set_text(testing::ReadFile(testing::TestData("samples/2019_prov_shanghai-szfbgt.txt")));
  request.mutable_key()->set_region_code("330000000000");
  request.set_store(true);
  v1::ParseReportResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(reports_->ParseReport(&context, request, &response).ok());
  EXPECT_TRUE(response.created());
  EXPECT_EQ(response.revision().revision(), 1);
  EXPECT_EQ(response.revision().verdict().mode(), v1::VALIDATION_MODE_LENIENT);
  // Its totals are left blank while their parts are filled: R2 and R3 cannot be checked
  // there, which is said as such (never "expected 0, actual 805").
  ASSERT_EQ(response.revision().verdict().violations_size(), 12);
  for (const v1::Violation& v : response.revision().verdict().violations()) {
    EXPECT_EQ(v.rule(), "UNCHECKABLE") << v.message();
    EXPECT_EQ(v.severity(), v1::SEVERITY_WARNING);
  }
  EXPECT_THAT(response.revision().verdict().violations(11).message(),
              ::testing::HasSubstr("the other side sums to 805"));
  v1::Revision stored;
  ASSERT_TRUE(Get(response.revision().key(), &stored).ok());
  EXPECT_EQ(FormatCells(stored.report()),
            testing::ReadFile(testing::TestData("samples/2019_prov_shanghai-szfbgt.tsv")));
}

TEST_F(ServiceTest, YearsOutsideTheReportingRangeAreRefusedOnEveryRead) {
  ASSERT_TRUE(Submit(testing::SeedReport()).ok());
  v1::ReportKey key = testing::SeedReport().key();
  key.set_year(2019 + 65536);  // would alias 2019 in a 16-bit key
  v1::Revision revision;
  EXPECT_EQ(Get(key, &revision).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::ListReportsRequest list;
  list.set_region_code("000000000000");
  list.set_year(2019 + 65536);
  v1::ListReportsResponse reports;
  grpc::ClientContext context;
  EXPECT_EQ(reports_->ListReports(&context, list, &reports).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  key.set_year(2019);
  key.set_scope(static_cast<v1::Scope>(257));
  EXPECT_EQ(Get(key, &revision).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServiceTest, AReportWithManyViolationsIsStillAClearInvalidArgument) {
  v1::Report report = testing::SeedReport();
  // Every applicant column of rows 一, 二 and 四 set to 5: R1 and R3 break many times.
  for (auto* row : {report.mutable_table3()->mutable_new_requests(),
                    report.mutable_table3()->mutable_carried_over(),
                    report.mutable_table3()->mutable_carried_forward()}) {
    row->set_commercial_enterprise(5);
    row->set_research_institution(5);
    row->set_public_interest_organization(5);
    row->set_legal_service_organization(5);
    row->set_other(5);
  }
  grpc::Status status = Submit(report);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_LE(status.error_message().size(), 1200u);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  v1::Verdict verdict;
  ASSERT_TRUE(details.details(0).UnpackTo(&verdict));
  EXPECT_TRUE(verdict.truncated());
  EXPECT_GT(verdict.violations_size(), 0);
  EXPECT_EQ(store_->HeadSequence(), 0);
}

TEST_F(ServiceTest, AnUnknownModeIsStrict) {
  v1::Report report = testing::SeedReport();
  report.mutable_table3()->mutable_new_requests()->set_total(3);
  grpc::Status status = Submit(report, nullptr, static_cast<v1::ValidationMode>(7));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(store_->HeadSequence(), 0);
}

TEST_F(ServiceTest, ANegativeExpectedRevisionIsInvalid) {
  v1::SubmitReportRequest request;
  *request.mutable_report() = testing::SeedReport();
  request.set_expected_revision(-1);
  v1::SubmitReportResponse response;
  grpc::ClientContext context;
  EXPECT_EQ(reports_->SubmitReport(&context, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServiceTest, EveryResponseCarriesARequestId) {
  v1::GetRegionRequest request;
  request.set_code("330226104000");
  v1::Region region;
  grpc::ClientContext given;
  given.AddMetadata("x-request-id", "agency-42");
  ASSERT_TRUE(regions_->GetRegion(&given, request, &region).ok());
  auto header = given.GetServerInitialMetadata().find("x-request-id");
  ASSERT_NE(header, given.GetServerInitialMetadata().end());
  EXPECT_EQ(std::string(header->second.data(), header->second.size()), "agency-42");

  request.set_code("999999999999");
  grpc::ClientContext fresh;
  ASSERT_FALSE(regions_->GetRegion(&fresh, request, &region).ok());
  auto trailer = fresh.GetServerTrailingMetadata().find("x-request-id");
  ASSERT_NE(trailer, fresh.GetServerTrailingMetadata().end());
  EXPECT_EQ(trailer->second.size(), 16u);  // a new id, in the trailers of a failed call
}

TEST_F(ServiceTest, AWriteWhoseDeadlineHasPassedStoresNothing) {
  RequestContext context;
  context.deadline = env_.clock() - absl::Seconds(1);
  v1::SubmitReportRequest request;
  *request.mutable_report() = testing::SeedReport();
  v1::SubmitReportResponse response;
  EXPECT_EQ(gongkai::SubmitReport(env_, context, request, &response).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(store_->HeadSequence(), 0);
  context.deadline = env_.clock() + absl::Seconds(10);
  EXPECT_TRUE(gongkai::SubmitReport(env_, context, request, &response).ok());
}

TEST_F(ServiceTest, SerializedResultsAreStoredForTheWorkerOnlyAndForAReportingYear) {
  // What gongkaid's own worker hands over (services/rollup_service.h): the same checks as
  // WorkerService.WriteResults, and nothing stored when they refuse.
  const std::string region = testing::SeedReport().key().region_code();
  v1::Rollup rollup;
  rollup.set_region_code(region);
  rollup.set_year(2019);
  rollup.set_reports(7);
  rollup.set_sequence(3);
  SerializedResults results{.year = 2019, .rollups = {{region, rollup.SerializeAsString()}}};
  v1::Principal reader;
  reader.set_name("reader");
  reader.add_roles(v1::ROLE_READER);
  reader.add_region_codes("000000000000");
  RequestContext as_reader;
  as_reader.caller = Caller(reader);
  EXPECT_EQ(WriteResults(env_, as_reader, results, storage::WriteSync::kSynced).code(),
            absl::StatusCode::kPermissionDenied);
  results.year = 2018;
  EXPECT_EQ(WriteResults(env_, RequestContext(), results, storage::WriteSync::kSynced).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetRollup(region, 2019).status().code(), absl::StatusCode::kNotFound);
  results.year = 2019;
  ASSERT_TRUE(WriteResults(env_, RequestContext(), results, storage::WriteSync::kSynced).ok());
  absl::StatusOr<v1::Rollup> stored = store_->GetRollup(region, 2019);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->reports(), 7);
  EXPECT_EQ(stored->sequence(), 3);
}

TEST_F(ServiceTest, WriteResultsBuiltOnACheckpointTheStoreDoesNotHoldAreAborted) {
  const std::string region = testing::SeedReport().key().region_code();
  v1::WriteResultsRequest request;
  request.set_year(2019);
  v1::Rollup* rollup = request.add_rollups();
  rollup->set_region_code(region);
  rollup->set_reports(8);
  request.set_base_checkpoint(5);  // the store holds 0
  v1::Checkpoint checkpoint;
  const absl::Status refused = WriteResults(env_, RequestContext(), request, &checkpoint);
  EXPECT_EQ(refused.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(refused.message(), HasSubstr("the stored checkpoint 0 is behind 5"));
  EXPECT_EQ(store_->GetRollup(region, 2019).status().code(), absl::StatusCode::kNotFound);
  request.set_base_checkpoint(0);
  ASSERT_TRUE(WriteResults(env_, RequestContext(), request, &checkpoint).ok());
  EXPECT_EQ(store_->GetRollup(region, 2019)->reports(), 8);
}

}  // namespace
}  // namespace gongkai
