#include "services/report_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/constants.h"
#include "common/status_macros.h"
#include "importer/files/files.h"
#include "importer/parser.h"
#include "proto/change_event.h"
#include "services/errors.h"
#include "services/status.h"
#include "validation/validator.h"

namespace gongkai {
namespace {

validation::ValidationContext ValidationContextFor(const Env& env) {
  validation::ValidationContext context;
  context.current_year = CurrentYear(env);
  std::shared_ptr<const registry::TimedRegistry> registry = env.store->registry();
  context.region_in_use = [registry](absl::string_view code, int year, std::string* why) {
    if (registry->Tree(year)->Find(code) != nullptr) return true;
    *why = registry::DescribeLife(*registry, code);
    return false;
  };
  return context;
}

v1::Report Normalized(v1::Report report) {
  *report.mutable_key() = NormalizedKey(report.key());
  return report;
}

bool Warns(const v1::Verdict& verdict, absl::string_view rule) {
  for (const v1::Violation& v : verdict.violations()) {
    if (v.rule() == rule) return true;
  }
  return false;
}

absl::Status CheckPageSize(int page_size) {
  if (page_size < 0 || page_size > kMaxPageSize) {
    return error::InvalidField("page_size", absl::StrCat("must be between 0 and ", kMaxPageSize));
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

// Validates a report and stores it when acceptable: the core of SubmitReport and of
// ParseReport with store.
absl::Status ValidateAndStore(const Env& env, const RequestContext& context, v1::Report report,
                              v1::ValidationMode mode, std::optional<int64_t> expected_revision,
                              v1::SubmitReportResponse* response) {
  report = Normalized(std::move(report));  // moved in and out: no copy
  v1::Verdict verdict = validation::Validate(report, mode, ValidationContextFor(env));
  // Fields this schema does not know are not stored (the verdict warns of them): a padded
  // report would otherwise pass the text limits and then break every reader's message limit.
  if (Warns(verdict, validation::kRuleUnknownFields)) report.DiscardUnknownFields();
  if (!verdict.acceptable()) {
    if (env.metrics != nullptr) env.metrics->RecordSubmission("rejected");
    return error::ReportRejected(verdict);
  }
  if (env.clock() >= context.deadline) {
    return absl::DeadlineExceededError(
        "the call's deadline passed before the report was stored; nothing was stored");
  }
  storage::CommitRequest commit;
  commit.report = std::move(report);
  commit.verdict = std::move(verdict);
  commit.principal = context.caller.name();
  commit.peer = context.peer;
  commit.time = env.clock();
  commit.expected_revision = expected_revision;
  GONGKAI_ASSIGN_OR_RETURN(storage::CommitResult result, env.store->Commit(commit));
  if (env.metrics != nullptr) {
    env.metrics->RecordSubmission(!result.created ? "unchanged"
                                  : result.revision.verdict().violations_size() > 0
                                      ? "stored_with_flags"
                                      : "stored");
  }
  *response->mutable_revision() = std::move(result.revision);
  response->set_created(result.created);
  return absl::OkStatus();
}

}  // namespace

absl::Status SubmitReport(const Env& env, const RequestContext& context,
                          const v1::SubmitReportRequest& request,
                          v1::SubmitReportResponse* response) {
  if (!request.has_report()) return error::MissingField("report");
  const v1::ReportKey& key = request.report().key();
  GONGKAI_RETURN_IF_ERROR(context.caller.RequireFor({v1::ROLE_SUBMITTER}, "submit reports",
                                                    *env.store->Tree(key.year()), key.region_code(),
                                                    key.body()));
  std::optional<int64_t> expected;
  if (request.has_expected_revision()) {
    if (request.expected_revision() < 0) {
      return error::InvalidField("expected_revision", "must not be negative");
    }
    expected = request.expected_revision();
  }
  return ValidateAndStore(env, context, request.report(), request.mode(), expected, response);
}

absl::Status ValidateReport(const Env& env, const RequestContext& context,
                            const v1::ValidateReportRequest& request, v1::Verdict* response) {
  GONGKAI_RETURN_IF_ERROR(context.caller.Require({v1::ROLE_SUBMITTER}, "validate reports"));
  if (!request.has_report()) return error::MissingField("report");
  *response =
      validation::Validate(Normalized(request.report()), request.mode(), ValidationContextFor(env));
  return absl::OkStatus();
}

absl::Status GetReport(const Env& env, const RequestContext& context,
                       const v1::GetReportRequest& request, v1::Revision* response) {
  GONGKAI_RETURN_IF_ERROR(
      context.caller.RequireFor(kReadRoles, "read reports", *env.store->Tree(request.key().year()),
                                request.key().region_code(), request.key().body()));
  GONGKAI_RETURN_IF_ERROR(CheckReportKey(env, request.key()));
  if (request.revision() < 0) return error::InvalidField("revision", "must not be negative");
  GONGKAI_ASSIGN_OR_RETURN(v1::Revision revision,
                           env.store->GetRevision(request.key(), request.revision(),
                                                  request.view() != v1::REPORT_VIEW_BASIC));
  *response = std::move(revision);
  return absl::OkStatus();
}

absl::Status ListReports(const Env& env, const RequestContext& context,
                         const v1::ListReportsRequest& request, v1::ListReportsResponse* response) {
  if (request.region_code().empty()) return error::MissingField("region_code");
  std::shared_ptr<const registry::YearTree> registry = env.store->Tree(request.year());
  GONGKAI_RETURN_IF_ERROR(
      context.caller.RequireOverlap(kReadRoles, "read reports", *registry, request.region_code()));
  // A scope that covers only part of the subtree sees only that part: the store skips the
  // rest, so neither the page nor its token says anything about it (pages may then hold fewer
  // reports than page_size; follow next_page_token to the end).
  storage::Store::ReportFilter keep;
  if (!context.caller.CoversSubtree(*registry, request.region_code())) {
    keep = [&](const v1::ReportKey& key) {
      return context.caller.Covers(*registry, key.region_code(), key.body());
    };
  }
  GONGKAI_RETURN_IF_ERROR(CheckReportingYear(env, request.year(), "year"));
  GONGKAI_RETURN_IF_ERROR(CheckPageSize(request.page_size()));
  GONGKAI_ASSIGN_OR_RETURN(
      auto page,
      env.store->ListReports(request.region_code(), request.year(), request.page_size(),
                             request.page_token(), request.view() == v1::REPORT_VIEW_FULL, keep));
  for (v1::Revision& revision : page.items) *response->add_reports() = std::move(revision);
  response->set_next_page_token(page.next_page_token);
  return absl::OkStatus();
}

absl::Status ListRevisions(const Env& env, const RequestContext& context,
                           const v1::ListRevisionsRequest& request,
                           v1::ListRevisionsResponse* response) {
  GONGKAI_RETURN_IF_ERROR(
      context.caller.RequireFor(kReadRoles, "read reports", *env.store->Tree(request.key().year()),
                                request.key().region_code(), request.key().body()));
  GONGKAI_RETURN_IF_ERROR(CheckReportKey(env, request.key()));
  GONGKAI_RETURN_IF_ERROR(CheckPageSize(request.page_size()));
  GONGKAI_ASSIGN_OR_RETURN(
      auto page, env.store->ListRevisions(request.key(), request.page_size(), request.page_token(),
                                          request.view() == v1::REPORT_VIEW_FULL));
  for (v1::Revision& revision : page.items) *response->add_revisions() = std::move(revision);
  response->set_next_page_token(page.next_page_token);
  return absl::OkStatus();
}

namespace {

// One page of the change log from `start` for the caller: the entries it may see, where the
// next page starts, and the head (every entry up to it is durable).
absl::Status ChangesPage(const Env& env, const RequestContext& context, int64_t start,
                         int32_t page_size,
                         google::protobuf::RepeatedPtrField<v1::ChangeEvent>* out,
                         int64_t* next_sequence, int64_t* head_sequence) {
  // Callers without the whole nation in scope see only the entries of reports they may read,
  // each by its year's tree, and the registry's changes (public, as the registry is);
  // next_sequence still moves past the others.
  std::shared_ptr<const registry::TimedRegistry> registry = env.store->registry();
  const bool filter = !context.caller.CoversSubtree(*registry->Tree(0), kNationCode);
  // Read the head first: every entry up to it is already durable, so a reader that resumes
  // from next_sequence never skips one.
  const int64_t head = env.store->HeadSequence();
  GONGKAI_ASSIGN_OR_RETURN(auto changes, env.store->ReadChanges(start, page_size));
  int64_t next = std::max<int64_t>(start, 1);
  int64_t last_returned = 0;
  for (v1::ChangeEvent& change : changes) {
    last_returned = change.sequence();
    next = last_returned + 1;
    if (filter && !change.has_registry_change() &&
        !context.caller.Covers(*registry->Tree(change.key().year()), change.key().region_code(),
                               change.key().body())) {
      continue;
    }
    *out->Add() = std::move(change);
  }
  *next_sequence = next;
  // Entries committed after `head` was read may have been returned too.
  *head_sequence = std::max(head, last_returned);
  return absl::OkStatus();
}

// Adds to `page`, for each of its new revisions of a report, that revision in the request's
// view, or its digest; a page whose additions pass kMaxAddedBytes ends there (`next_sequence`
// moved back to the first entry left out), but always keeps its first entry.
absl::Status AddRevisions(const Env& env, const v1::WatchChangesRequest& request,
                          v1::WatchChangesResponse* page, int64_t* next_sequence) {
  constexpr size_t kMaxAddedBytes = 2 << 20;
  size_t bytes = 0;
  for (int i = 0; i < page->changes_size(); ++i) {
    const v1::ChangeEvent& change = page->changes(i);
    if (bytes > kMaxAddedBytes) {
      *next_sequence = change.sequence();
      page->mutable_changes()->DeleteSubrange(i, page->changes_size() - i);
      break;
    }
    if (!IsNewRevision(change)) continue;
    if (request.digests()) {
      GONGKAI_ASSIGN_OR_RETURN(v1::ReportDigest digest,
                               env.store->GetDigest(change.key(), change.revision()));
      bytes += digest.ByteSizeLong();
      *page->add_digests() = std::move(digest);
      continue;
    }
    GONGKAI_ASSIGN_OR_RETURN(v1::Revision revision,
                             env.store->GetRevision(change.key(), change.revision(),
                                                    request.view() == v1::REPORT_VIEW_FULL));
    bytes += revision.ByteSizeLong();
    *page->add_revisions() = std::move(revision);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ListChanges(const Env& env, const RequestContext& context,
                         const v1::ListChangesRequest& request, v1::ListChangesResponse* response) {
  GONGKAI_RETURN_IF_ERROR(context.caller.Require(kReadRoles, "read the change log"));
  GONGKAI_RETURN_IF_ERROR(CheckPageSize(request.page_size()));
  if (request.start_sequence() < 0) {
    return error::InvalidField("start_sequence", "must not be negative");
  }
  int64_t next = 0, head = 0;
  GONGKAI_RETURN_IF_ERROR(ChangesPage(env, context, request.start_sequence(), request.page_size(),
                                      response->mutable_changes(), &next, &head));
  response->set_next_sequence(next);
  response->set_head_sequence(head);
  return absl::OkStatus();
}

absl::Status WatchChanges(const Env& env, const RequestContext& context,
                          const v1::WatchChangesRequest& request, const ChangeSink& send,
                          const std::function<bool()>& cancelled) {
  GONGKAI_RETURN_IF_ERROR(context.caller.Require(kReadRoles, "read the change log"));
  GONGKAI_RETURN_IF_ERROR(CheckPageSize(request.page_size()));
  if (request.start_sequence() < 0) {
    return error::InvalidField("start_sequence", "must not be negative");
  }
  if (request.digests() && request.view() != v1::REPORT_VIEW_UNSPECIFIED) {
    return error::InvalidField("digests", "give a view or digests, not both");
  }
  if (env.watch_limiter != nullptr) {
    GONGKAI_RETURN_IF_ERROR(env.watch_limiter->Acquire(context.deadline));
  }
  Limiter::Slot slot(env.watch_limiter);
  int64_t next = std::max<int64_t>(request.start_sequence(), 1);
  // Without follow, the stream ends at the head found now.
  const int64_t until = env.store->HeadSequence();
  while (!cancelled() && (request.follow() || next <= until)) {
    v1::WatchChangesResponse page;
    int64_t after = 0, head = 0;
    GONGKAI_RETURN_IF_ERROR(ChangesPage(env, context, next, request.page_size(),
                                        page.mutable_changes(), &after, &head));
    if (after > next) {  // entries were read (some perhaps not the caller's to see)
      if (request.digests() || request.view() != v1::REPORT_VIEW_UNSPECIFIED) {
        GONGKAI_RETURN_IF_ERROR(AddRevisions(env, request, &page, &after));
      }
      page.set_next_sequence(after);
      page.set_head_sequence(head);
      if (!send(page)) return absl::OkStatus();  // the client has gone
      next = after;
      continue;
    }
    // Nothing at or after `next` is written yet.
    if (!request.follow() || absl::Now() >= context.deadline) return absl::OkStatus();
    // Nothing new: wait for a commit, waking now and then to notice a cancelled client (in
    // gongkaid its own worker's feed, which waits for this stream to end before it starts
    // again elsewhere in the log).
    env.store->AwaitHeadAfter(next - 1,
                              std::min(context.deadline, absl::Now() + absl::Milliseconds(50)));
  }
  return absl::OkStatus();
}

absl::Status ParseReport(const Env& env, const RequestContext& context,
                         const v1::ParseReportRequest& request, v1::ParseReportResponse* response) {
  GONGKAI_RETURN_IF_ERROR(context.caller.Require({v1::ROLE_SUBMITTER}, "parse reports"));
  if (request.text().empty() && request.file().empty()) {
    return error::MissingField("text (or file)");
  }
  if (!request.text().empty() && !request.file().empty()) {
    return error::InvalidField("file", "give the text or the file, not both");
  }
  if (env.parse_limiter != nullptr) {
    GONGKAI_RETURN_IF_ERROR(env.parse_limiter->Acquire(context.deadline));
  }
  Limiter::Slot slot(env.parse_limiter);
  importer::ParseResult parsed;
  if (request.file().empty()) {
    parsed = importer::ParseReport(request.text());
  } else {
    importer::FileLimits limits;
    limits.deadline = context.deadline;  // no OCR for a caller that has gone
    absl::StatusOr<importer::ParseResult> read =
        importer::ParseFile(request.file(), request.media_type(), limits);
    if (!read.ok()) {
      return absl::Status(read.status().code(), absl::StrCat("file: ", read.status().message()));
    }
    parsed = std::move(*read);
  }
  v1::Report report = std::move(parsed.report);
  const v1::ReportKey& key = request.key();
  if (!key.region_code().empty()) report.mutable_key()->set_region_code(key.region_code());
  if (key.year() != 0) report.mutable_key()->set_year(key.year());
  if (!key.body().empty()) report.mutable_key()->set_body(key.body());
  if (key.scope() != v1::SCOPE_UNSPECIFIED) report.mutable_key()->set_scope(key.scope());
  for (const importer::Diagnostic& d : parsed.diagnostics) {
    *response->add_diagnostics() = importer::ToProto(d);
  }
  response->set_has_tables(parsed.has_tables);
  parsed.report = report;
  response->set_cells(importer::FormatParsedCells(parsed));
  const v1::ValidationMode mode = request.mode() == v1::VALIDATION_MODE_UNSPECIFIED
                                      ? v1::VALIDATION_MODE_LENIENT
                                      : request.mode();
  *response->mutable_verdict() =
      validation::Validate(Normalized(report), mode, ValidationContextFor(env));
  *response->mutable_report() = report;
  if (!request.store()) return absl::OkStatus();
  std::optional<int64_t> expected;
  if (request.has_expected_revision()) {
    if (request.expected_revision() < 0) {
      return error::InvalidField("expected_revision", "must not be negative");
    }
    expected = request.expected_revision();
  }
  GONGKAI_RETURN_IF_ERROR(context.caller.RequireFor(
      {v1::ROLE_SUBMITTER}, "submit reports", *env.store->Tree(report.key().year()),
      report.key().region_code(), report.key().body()));
  v1::SubmitReportResponse stored;
  GONGKAI_RETURN_IF_ERROR(ValidateAndStore(env, context, report, mode, expected, &stored));
  *response->mutable_revision() = std::move(*stored.mutable_revision());
  response->set_created(stored.created());
  return absl::OkStatus();
}

}  // namespace gongkai
