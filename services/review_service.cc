#include "services/review_service.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/constants.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "proto/report_key.h"
#include "services/errors.h"
#include "services/flags.h"
#include "services/rollup_service.h"

namespace gongkai {
namespace {

constexpr int kMaxReasons = 20;
constexpr size_t kMaxReasonChars = 2000;
constexpr size_t kMaxNoteChars = 10000;

// Characters of UTF-8 text (what the limits count).
size_t Characters(absl::string_view text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

absl::Status CheckDecision(const v1::ReviewDecisionRequest& request, bool reason_required) {
  if (request.revision() < 0) return error::InvalidField("revision", "must not be negative");
  if (reason_required && request.reasons().empty()) return error::MissingField("reasons");
  if (request.reasons_size() > kMaxReasons) {
    return error::InvalidField("reasons", absl::StrCat("at most ", kMaxReasons, " reasons"));
  }
  for (int i = 0; i < request.reasons_size(); ++i) {
    const size_t chars = Characters(request.reasons(i));
    if (chars == 0 || chars > kMaxReasonChars) {
      return error::InvalidField(absl::StrCat("reasons[", i, "]"),
                                 absl::StrCat("must hold 1 to ", kMaxReasonChars, " characters"));
    }
  }
  if (Characters(request.note()) > kMaxNoteChars) {
    return error::InvalidField("note", absl::StrCat("at most ", kMaxNoteChars, " characters"));
  }
  return absl::OkStatus();
}

absl::Status Decide(const Env& env, const RequestContext& context,
                    const v1::ReviewDecisionRequest& request, v1::ReviewAction action,
                    v1::Revision* response) {
  const v1::ReportKey key = NormalizedKey(request.key());
  storage::ReviewRequest review;
  review.key = key;
  review.action = action;
  review.revision = request.revision();
  review.reasons.assign(request.reasons().begin(), request.reasons().end());
  review.note = request.note();
  review.principal = context.caller.name();
  review.peer = context.peer;
  review.time = env.clock();
  GONGKAI_ASSIGN_OR_RETURN(storage::ReviewResult result, env.store->Review(review));
  *response = std::move(result.head);
  return absl::OkStatus();
}

// The region and year of a flag id ("<region>-<year>-<hex>[-n]"); INVALID_ARGUMENT otherwise.
absl::Status ParseFlagId(absl::string_view id, std::string* region, int* year) {
  const auto bad = [] {
    return error::InvalidField("flag_id",
                               "is not a flag id (Anomaly.id, e.g. 330226104000-2019-…)");
  };
  if (id.size() < 12 + 1 + 4 + 1 + 16 || id[12] != '-' || id[17] != '-') return bad();
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool ok = i == 12 || i == 17 ||
                    (i < 17 ? absl::ascii_isdigit(c) : absl::ascii_isxdigit(c) || c == '-');
    if (!ok) return bad();
  }
  *region = std::string(id.substr(0, 12));
  *year = std::stoi(std::string(id.substr(13, 4)));
  return absl::OkStatus();
}

// Who may act on a flagged report: its submitter (ExplainFlag) or its reviewer (DecideFlag).
using MayAct = std::function<absl::Status(const registry::YearTree&, const v1::ReportKey&)>;

// The flag with that id among the current flags of its region, when the caller may act on it.
// The region must lie in the caller's scope (`role`) before anything is read; then `may_act`
// decides on the flagged report. A caller restricted to one body is refused alike for a flag
// of another body's report and for no flag at all, so it cannot probe for flags it may not see.
absl::StatusOr<v1::Anomaly> FindFlag(const Env& env, const Caller& caller, v1::Role role,
                                     absl::string_view what, const std::string& id,
                                     const MayAct& may_act, int* year) {
  std::string region;
  GONGKAI_RETURN_IF_ERROR(ParseFlagId(id, &region, year));
  std::shared_ptr<const registry::YearTree> tree = env.store->Tree(*year);
  GONGKAI_RETURN_IF_ERROR(caller.RequireWithin({role}, what, *tree, region));
  GONGKAI_RETURN_IF_ERROR(CheckReportingYear(env, *year, "flag_id"));
  const bool one_body = !caller.principal().body().empty();
  const absl::Status not_its_body =
      absl::PermissionDeniedError(absl::StrCat("principal ", caller.name(), " may not ", what, ": ",
                                               id, " is no current flag of a report of its body"));
  absl::StatusOr<v1::AnomalySet> set = env.store->AnomaliesAt(region, *year);
  if (!set.ok() && !absl::IsNotFound(set.status())) return set.status();
  if (set.ok()) {
    for (const v1::Anomaly& anomaly : set->anomalies()) {
      if (anomaly.id() != id) continue;
      absl::Status allowed = may_act(*tree, anomaly.key());
      if (!allowed.ok()) return one_body ? not_its_body : allowed;
      return anomaly;
    }
  }
  if (one_body) return not_its_body;
  return absl::NotFoundError(
      absl::StrCat("no current flag has the id ", id, " (the worker may have cleared it)"));
}

// A flag the reviewer has settled (accepted or dismissed): no longer to deal with while its
// numbers stay the same. A confirmed flag is not settled: it stands until the report changes.
bool Settled(v1::FlagState state) {
  return state == v1::FLAG_STATE_ACCEPTED || state == v1::FLAG_STATE_DISMISSED;
}

// FAILED_PRECONDITION unless the worker's flags are of the key's current revision (a flag
// confirmed on an older one would return a revision nobody looked at); the current revision.
absl::StatusOr<int64_t> EvaluatedRevision(const Env& env, const v1::ReportKey& key) {
  absl::StatusOr<v1::Revision> head = env.store->GetRevision(key, 0, /*full=*/false);
  if (absl::IsNotFound(head.status())) {
    return absl::FailedPreconditionError(
        "no report was filed under the flag's key (a MISSING_REPORT flag): there is nothing to "
        "return; accept or dismiss the flag");
  }
  if (!head.ok()) return head.status();
  GONGKAI_ASSIGN_OR_RETURN(int64_t checkpoint, env.store->WorkerCheckpoint());
  if (checkpoint < head->change_sequence()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the worker has not yet evaluated revision ", head->revision(),
        " of the report, so this flag may be of an earlier one; retry once it has caught up"));
  }
  return head->revision();
}

v1::ReviewState StateFilter(v1::ReviewState state) {
  return state == v1::REVIEW_STATE_UNSPECIFIED ? v1::REVIEW_STATE_PENDING : state;
}

}  // namespace

absl::Status ListReviews(const Env& env, const RequestContext& context,
                         const v1::ListReviewsRequest& request, v1::ListReviewsResponse* response) {
  if (request.region_code().empty()) return error::MissingField("region_code");
  std::shared_ptr<const registry::YearTree> tree = env.store->Tree(request.year());
  GONGKAI_RETURN_IF_ERROR(context.caller.RequireOverlap({v1::ROLE_REVIEWER}, "review reports",
                                                        *tree, request.region_code()));
  GONGKAI_RETURN_IF_ERROR(CheckReportingYear(env, request.year(), "year"));
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    return error::InvalidField("page_size", absl::StrCat("must be between 0 and ", kMaxPageSize));
  }
  if (request.state() == v1::REVIEW_STATE_WITHDRAWN || !v1::ReviewState_IsValid(request.state())) {
    return error::InvalidField("state",
                               "must be pending, returned or approved (withdrawn reports are not "
                               "listed; ListRevisions shows their history)");
  }
  const v1::ReviewState state = StateFilter(request.state());
  GONGKAI_ASSIGN_OR_RETURN(
      auto page,
      env.store->ListReports(
          request.region_code(), request.year(), request.page_size(), request.page_token(),
          /*full=*/false,
          [&](const v1::ReportKey& key) {
            return context.caller.Reviews(*tree, key.region_code(), key.body());
          },
          [&](const v1::Revision& head) { return head.review().state() == state; }));
  // The worker's flags of each listed report still to deal with, from its region's anomaly set.
  std::map<std::string, v1::AnomalySet> sets;
  DispositionCache dispositions(env.store);
  for (v1::Revision& revision : page.items) {
    v1::ReviewItem* item = response->add_items();
    const v1::ReportKey& key = revision.key();
    auto [it, added] = sets.try_emplace(key.region_code());
    if (added) {
      GONGKAI_ASSIGN_OR_RETURN(it->second, env.store->AnomaliesAt(key.region_code(), key.year()));
    }
    for (const v1::Anomaly& anomaly : it->second.anomalies()) {
      if (ReportId(anomaly.key()) != ReportId(key)) continue;
      v1::Anomaly flag = anomaly;
      GONGKAI_RETURN_IF_ERROR(dispositions.Join(key.year(), &flag));
      if (Settled(flag.disposition().state())) continue;
      RedactForCaller(context.caller, *tree, &flag);
      *item->add_flags() = std::move(flag);
    }
    *item->mutable_revision() = std::move(revision);
  }
  response->set_next_page_token(page.next_page_token);
  return absl::OkStatus();
}

absl::Status GetReview(const Env& env, const RequestContext& context,
                       const v1::GetReviewRequest& request, v1::GetReviewResponse* response) {
  const v1::ReportKey key = NormalizedKey(request.key());
  std::shared_ptr<const registry::YearTree> tree = env.store->Tree(key.year());
  if (!context.caller.Reviews(*tree, key.region_code(), key.body())) {
    GONGKAI_RETURN_IF_ERROR(context.caller.RequireFor(kReadRoles, "read reviews", *tree,
                                                      key.region_code(), key.body()));
  }
  GONGKAI_RETURN_IF_ERROR(CheckReportKey(env, key));
  GONGKAI_ASSIGN_OR_RETURN(std::vector<v1::Review> history, env.store->ListReviewHistory(key));
  *response->mutable_review() = history.back();
  for (v1::Review& review : history) *response->add_history() = std::move(review);
  return absl::OkStatus();
}

absl::Status ApproveReport(const Env& env, const RequestContext& context,
                           const v1::ReviewDecisionRequest& request, v1::Revision* response) {
  const v1::ReportKey& key = request.key();
  GONGKAI_RETURN_IF_ERROR(context.caller.RequireReviewer(
      "approve reports", *env.store->Tree(key.year()), key.region_code(), key.body()));
  GONGKAI_RETURN_IF_ERROR(CheckReportKey(env, key));
  GONGKAI_RETURN_IF_ERROR(CheckDecision(request, /*reason_required=*/false));
  return Decide(env, context, request, v1::REVIEW_ACTION_APPROVE, response);
}

absl::Status ReturnReport(const Env& env, const RequestContext& context,
                          const v1::ReviewDecisionRequest& request, v1::Revision* response) {
  const v1::ReportKey& key = request.key();
  GONGKAI_RETURN_IF_ERROR(context.caller.RequireReviewer(
      "return reports", *env.store->Tree(key.year()), key.region_code(), key.body()));
  GONGKAI_RETURN_IF_ERROR(CheckReportKey(env, key));
  GONGKAI_RETURN_IF_ERROR(CheckDecision(request, /*reason_required=*/true));
  return Decide(env, context, request, v1::REVIEW_ACTION_RETURN, response);
}

absl::Status WithdrawReport(const Env& env, const RequestContext& context,
                            const v1::ReviewDecisionRequest& request, v1::Revision* response) {
  const v1::ReportKey& key = request.key();
  std::shared_ptr<const registry::YearTree> tree = env.store->Tree(key.year());
  // The submitter of the key, or its reviewer.
  if (!context.caller.Reviews(*tree, key.region_code(), key.body())) {
    GONGKAI_RETURN_IF_ERROR(context.caller.RequireFor({v1::ROLE_SUBMITTER}, "withdraw reports",
                                                      *tree, key.region_code(), key.body()));
  }
  GONGKAI_RETURN_IF_ERROR(CheckReportKey(env, key));
  GONGKAI_RETURN_IF_ERROR(CheckDecision(request, /*reason_required=*/true));
  return Decide(env, context, request, v1::REVIEW_ACTION_WITHDRAW, response);
}

absl::Status ExplainFlag(const Env& env, const RequestContext& context,
                         const v1::ExplainFlagRequest& request, v1::FlagDisposition* response) {
  int year = 0;
  const MayAct submitter = [&](const registry::YearTree& tree, const v1::ReportKey& key) {
    return context.caller.RequireFor({v1::ROLE_SUBMITTER}, "explain flags", tree, key.region_code(),
                                     key.body());
  };
  GONGKAI_ASSIGN_OR_RETURN(const v1::Anomaly flag,
                           FindFlag(env, context.caller, v1::ROLE_SUBMITTER, "explain flags",
                                    request.flag_id(), submitter, &year));
  const size_t chars = Characters(request.explanation());
  if (chars == 0 || chars > kMaxReasonChars) {
    return error::InvalidField("explanation",
                               absl::StrCat("must hold 1 to ", kMaxReasonChars, " characters"));
  }
  GONGKAI_ASSIGN_OR_RETURN(
      *response,
      env.store->UpdateDisposition(flag.id(), [&](v1::FlagDisposition* d) -> absl::Status {
        const bool current = d->fingerprint() == flag.fingerprint();
        if (current && Settled(d->state())) {
          return absl::FailedPreconditionError(
              absl::StrCat("the reviewer has settled flag ", flag.id(), " (",
                           v1::FlagState_Name(d->state()), ") and its numbers have not changed"));
        }
        d->set_state(v1::FLAG_STATE_EXPLAINED);
        d->set_fingerprint(flag.fingerprint());
        d->set_explanation(request.explanation());
        d->set_explained_by(context.caller.name());
        *d->mutable_explain_time() = ToProtoTime(env.clock());
        d->clear_note();
        d->clear_decided_by();
        d->clear_decide_time();
        d->set_reopened(false);
        return absl::OkStatus();
      }));
  return absl::OkStatus();
}

absl::Status DecideFlag(const Env& env, const RequestContext& context,
                        const v1::DecideFlagRequest& request, v1::FlagDisposition* response) {
  int year = 0;
  const MayAct reviewer = [&](const registry::YearTree& tree, const v1::ReportKey& key) {
    return context.caller.RequireReviewer("decide on flags", tree, key.region_code(), key.body());
  };
  GONGKAI_ASSIGN_OR_RETURN(const v1::Anomaly flag,
                           FindFlag(env, context.caller, v1::ROLE_REVIEWER, "decide on flags",
                                    request.flag_id(), reviewer, &year));
  v1::FlagState state = v1::FLAG_STATE_UNSPECIFIED;
  switch (request.decision()) {
    case v1::FLAG_DECISION_ACCEPT:
      state = v1::FLAG_STATE_ACCEPTED;
      break;
    case v1::FLAG_DECISION_DISMISS:
      state = v1::FLAG_STATE_DISMISSED;
      break;
    case v1::FLAG_DECISION_CONFIRM:
      state = v1::FLAG_STATE_CONFIRMED;
      break;
    default:
      return error::InvalidField("decision", "must be accept, dismiss or confirm");
  }
  const size_t chars = Characters(request.note());
  if (state != v1::FLAG_STATE_ACCEPTED && chars == 0) return error::MissingField("note");
  if (chars > kMaxReasonChars) {
    return error::InvalidField("note", absl::StrCat("at most ", kMaxReasonChars, " characters"));
  }
  const auto decide = [&](v1::FlagDisposition* d) -> absl::Status {
    const bool explained =
        d->state() == v1::FLAG_STATE_EXPLAINED && d->fingerprint() == flag.fingerprint();
    if (state == v1::FLAG_STATE_ACCEPTED && !explained) {
      return absl::FailedPreconditionError(
          absl::StrCat("flag ", flag.id(), " has no explanation of its current numbers to accept"));
    }
    d->set_state(state);
    d->set_fingerprint(flag.fingerprint());
    d->set_note(request.note());
    d->set_decided_by(context.caller.name());
    *d->mutable_decide_time() = ToProtoTime(env.clock());
    d->set_reopened(false);
    *response = *d;
    return absl::OkStatus();
  };
  if (state != v1::FLAG_STATE_CONFIRMED) {
    GONGKAI_ASSIGN_OR_RETURN(*response, env.store->UpdateDisposition(flag.id(), decide));
    return absl::OkStatus();
  }
  // Confirmed: the report goes back to its submitter with the flag as the reason, in the same
  // write as the disposition — the revision the flag was computed on, or nothing.
  GONGKAI_ASSIGN_OR_RETURN(const int64_t revision, EvaluatedRevision(env, flag.key()));
  storage::ReviewRequest review;
  review.key = flag.key();
  review.revision = revision;
  review.action = v1::REVIEW_ACTION_RETURN;
  const std::string& said = flag.explanation_without_peers().empty()
                                ? flag.explanation()
                                : flag.explanation_without_peers();
  review.reasons = {absl::StrCat("疑点经审核确认（", flag.id(), "）：", said), request.note()};
  review.principal = context.caller.name();
  review.peer = context.peer;
  review.time = env.clock();
  review.flag_id = flag.id();
  review.update_disposition = decide;
  GONGKAI_RETURN_IF_ERROR(env.store->Review(review).status());
  return absl::OkStatus();
}

}  // namespace gongkai
