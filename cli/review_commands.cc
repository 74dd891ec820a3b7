// The reviewer's commands: `review list|show|approve|return` and `withdraw` (ReviewService).
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/cli.h"
#include "cli/outcome.h"
#include "common/status_macros.h"
#include "gongkai/v1/review_service.grpc.pb.h"
#include "proto/anomaly_kind.h"

namespace gongkai::cli {
namespace {

constexpr char kReviewUsage[] =
    "gongkai review list REGION YEAR [--state pending|returned|approved] [--output table|json]\n"
    "       gongkai review show REGION YEAR [--body B] [--scope own|summary] [--output "
    "table|json]\n"
    "       gongkai review approve REGION YEAR [--body B] [--scope own|summary] [--revision N] "
    "[--note TEXT]\n"
    "       gongkai review return REGION YEAR --reason TEXT [--body B] [--scope own|summary] "
    "[--revision N] [--note TEXT]";

}  // namespace

std::string ReviewStateText(v1::ReviewState state, exports::Language language) {
  switch (state) {
    case v1::REVIEW_STATE_PENDING:
      return exports::Text{"待审核", "pending"}.In(language);
    case v1::REVIEW_STATE_RETURNED:
      return exports::Text{"已退回", "returned"}.In(language);
    case v1::REVIEW_STATE_APPROVED:
      return exports::Text{"已通过", "approved"}.In(language);
    case v1::REVIEW_STATE_WITHDRAWN:
      return exports::Text{"已撤回", "withdrawn"}.In(language);
    default:
      return "-";
  }
}

std::string FlagStateText(v1::FlagState state, exports::Language language) {
  switch (state) {
    case v1::FLAG_STATE_OPEN:
      return exports::Text{"待处理", "open"}.In(language);
    case v1::FLAG_STATE_EXPLAINED:
      return exports::Text{"已说明", "explained"}.In(language);
    case v1::FLAG_STATE_ACCEPTED:
      return exports::Text{"已采纳", "accepted"}.In(language);
    case v1::FLAG_STATE_DISMISSED:
      return exports::Text{"已排除", "dismissed"}.In(language);
    case v1::FLAG_STATE_CONFIRMED:
      return exports::Text{"已确认", "confirmed"}.In(language);
    default:
      return "-";
  }
}

namespace {

std::string ActionText(v1::ReviewAction action, exports::Language language) {
  switch (action) {
    case v1::REVIEW_ACTION_SUBMIT:
      return exports::Text{"提交", "submitted"}.In(language);
    case v1::REVIEW_ACTION_APPROVE:
      return exports::Text{"通过", "approved"}.In(language);
    case v1::REVIEW_ACTION_RETURN:
      return exports::Text{"退回", "returned"}.In(language);
    case v1::REVIEW_ACTION_WITHDRAW:
      return exports::Text{"撤回", "withdrawn"}.In(language);
    default:
      return "-";
  }
}

// The review's reasons, note and changed cells, one per line, indented.
void PrintReviewDetail(const v1::Review& review, std::ostream& out, exports::Language language) {
  const bool en = language == exports::Language::kEnglish;
  for (const std::string& reason : review.reasons()) {
    out << (en ? "    reason: " : "    原因：") << reason << "\n";
  }
  if (!review.note().empty()) out << (en ? "    note: " : "    备注：") << review.note() << "\n";
  if (review.changes_size() > 0) {
    if (en) {
      out << "    " << review.changes_size() << " cell(s) differ from approved revision "
          << review.approved_revision() << ":\n";
    } else {
      out << "    与已通过的修订 " << review.approved_revision() << " 相比，"
          << review.changes_size() << " 个单元格有变化：\n";
    }
    const std::string blank = en ? "(blank)" : "（空）";
    for (const v1::CellChange& change : review.changes()) {
      out << "      表" << change.table() << " " << change.row() << " " << change.column()
          << (en ? ": " : "：") << (change.before().empty() ? blank : change.before()) << " → "
          << (change.after().empty() ? blank : change.after()) << "\n";
    }
  }
}

}  // namespace

absl::Status Cli::ReviewKey(size_t first, v1::ReportKey* key) const {
  key->set_region_code(args_.positional[first]);
  GONGKAI_ASSIGN_OR_RETURN(const int year, YearArg(first + 1));
  key->set_year(year);
  key->set_body(args_.FlagOr("body", ""));
  GONGKAI_ASSIGN_OR_RETURN(const v1::Scope scope, ScopeFlag());
  key->set_scope(scope);
  return absl::OkStatus();
}

absl::Status Cli::Review() {
  const std::string action = args_.positional.empty() ? "" : args_.positional[0];
  if (action == "list") return ReviewList();
  if (action == "show") return ReviewShow();
  if (action == "approve") return ReviewDecide(v1::REVIEW_ACTION_APPROVE);
  if (action == "return") return ReviewDecide(v1::REVIEW_ACTION_RETURN);
  return UsageError(absl::StrCat("usage: ", kReviewUsage));
}

absl::Status Cli::ReviewList() {
  GONGKAI_RETURN_IF_ERROR(Need(3, kReviewUsage));
  GONGKAI_ASSIGN_OR_RETURN(const std::string output, OutputFlag("table", {"json", "table"}));
  v1::ListReviewsRequest request;
  request.set_region_code(args_.positional[1]);
  GONGKAI_ASSIGN_OR_RETURN(const int year, YearArg(2));
  request.set_year(year);
  const std::string state = args_.FlagOr("state", "pending");
  if (state == "pending") {
    request.set_state(v1::REVIEW_STATE_PENDING);
  } else if (state == "returned") {
    request.set_state(v1::REVIEW_STATE_RETURNED);
  } else if (state == "approved") {
    request.set_state(v1::REVIEW_STATE_APPROVED);
  } else {
    return UsageError("--state must be pending, returned or approved");
  }
  request.set_page_size(1000);
  auto stub = v1::ReviewService::NewStub(channel_);
  std::vector<std::vector<std::string>> rows = {
      {T({"区划代码", "region"}), T({"主体", "body"}), T({"范围", "scope"}),
       T({"修订", "revision"}), T({"状态", "state"}), T({"提交人", "submitted by"}),
       T({"提交时间", "submitted"}), T({"疑点", "flags"}), T({"疑点类型", "flag kinds"})}};
  do {
    v1::ListReviewsResponse response;
    grpc::Status status = stub->ListReviews(Context().get(), request, &response);
    if (!status.ok()) return Refused(status);
    for (const v1::ReviewItem& item : response.items()) {
      if (output == "json") {
        out_ << Json(item) << "\n";
        continue;
      }
      const v1::Revision& head = item.revision();
      std::vector<std::string> kinds;
      for (const v1::Anomaly& flag : item.flags()) {
        const std::string kind = AnomalyKindName(flag.kind());
        if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) kinds.push_back(kind);
      }
      rows.push_back({head.key().region_code(), head.key().body().empty() ? "-" : head.key().body(),
                      ScopeName(head.key().scope()), absl::StrCat(head.revision()),
                      ReviewStateText(head.review().state(), language_), head.principal(),
                      TimeText(head.create_time()), absl::StrCat(item.flags_size()),
                      kinds.empty() ? "-" : absl::StrJoin(kinds, ",")});
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  if (output == "table") {
    if (rows.size() == 1) {
      if (language_ == exports::Language::kEnglish) {
        out_ << "no " << ReviewStateText(request.state(), language_) << " reports\n";
      } else {
        out_ << "没有" << ReviewStateText(request.state(), language_) << "的报告\n";
      }
    } else {
      PrintColumns(rows, out_, rows[0].size());
    }
  }
  return absl::OkStatus();
}

absl::Status Cli::ReviewShow() {
  GONGKAI_RETURN_IF_ERROR(Need(3, kReviewUsage));
  GONGKAI_ASSIGN_OR_RETURN(const std::string output, OutputFlag("table", {"json", "table"}));
  v1::GetReviewRequest request;
  GONGKAI_RETURN_IF_ERROR(ReviewKey(1, request.mutable_key()));
  auto stub = v1::ReviewService::NewStub(channel_);
  v1::GetReviewResponse response;
  grpc::Status status = stub->GetReview(Context().get(), request, &response);
  if (!status.ok()) return Refused(status);
  if (output == "json") {
    out_ << Json(response) << "\n";
    return absl::OkStatus();
  }
  out_ << KeyText(request.key()) << "  " << ReviewStateText(response.review().state(), language_)
       << T({"（修订 ", " (revision "}) << response.review().revision() << T({"）", ")"}) << "\n";
  for (const v1::Review& review : response.history()) {
    out_ << "  " << TimeText(review.time()) << "  " << ActionText(review.action(), language_)
         << T({"  修订 ", "  revision "}) << review.revision() << "  " << review.principal()
         << "\n";
    PrintReviewDetail(review, out_, language_);
  }
  return absl::OkStatus();
}

absl::Status Cli::ReviewDecide(v1::ReviewAction action) {
  GONGKAI_RETURN_IF_ERROR(Need(3, kReviewUsage));
  v1::ReviewDecisionRequest request;
  GONGKAI_RETURN_IF_ERROR(ReviewKey(1, request.mutable_key()));
  return Decide(action, &request);
}

absl::Status Cli::Withdraw() {
  GONGKAI_RETURN_IF_ERROR(
      Need(2, "gongkai withdraw REGION YEAR --reason TEXT [--body B] [--scope own|summary]"));
  v1::ReviewDecisionRequest request;
  GONGKAI_RETURN_IF_ERROR(ReviewKey(0, request.mutable_key()));
  return Decide(v1::REVIEW_ACTION_WITHDRAW, &request);
}

absl::Status Cli::Decide(v1::ReviewAction action, v1::ReviewDecisionRequest* request) {
  GONGKAI_ASSIGN_OR_RETURN(const int64_t revision, IntFlag("revision", 0));
  request->set_revision(revision);
  if (auto reason = args_.Flag("reason")) request->add_reasons(*reason);
  request->set_note(args_.FlagOr("note", ""));
  if (action != v1::REVIEW_ACTION_APPROVE && request->reasons().empty()) {
    return UsageError("--reason is required: say why, for the submitter");
  }
  auto stub = v1::ReviewService::NewStub(channel_);
  v1::Revision head;
  grpc::Status status =
      action == v1::REVIEW_ACTION_APPROVE  ? stub->ApproveReport(Context().get(), *request, &head)
      : action == v1::REVIEW_ACTION_RETURN ? stub->ReturnReport(Context().get(), *request, &head)
                                           : stub->WithdrawReport(Context().get(), *request, &head);
  if (!status.ok()) return Refused(status);
  out_ << KeyText(head.key()) << "  " << ReviewStateText(head.review().state(), language_)
       << T({"（修订 ", " (revision "}) << head.revision() << T({"，", ", "})
       << head.review().principal() << T({"，", ", "}) << TimeText(head.review().time())
       << T({"）", ")"}) << "\n";
  PrintReviewDetail(head.review(), out_, language_);
  return absl::OkStatus();
}

absl::Status Cli::FlagCommand() {
  constexpr char kUsage[] =
      "gongkai flag explain FLAG_ID --note TEXT\n"
      "       gongkai flag accept|dismiss|confirm FLAG_ID [--note TEXT]";
  GONGKAI_RETURN_IF_ERROR(Need(2, kUsage));
  const std::string& action = args_.positional[0];
  const std::string& id = args_.positional[1];
  const std::string note = args_.FlagOr("note", "");
  auto stub = v1::ReviewService::NewStub(channel_);
  v1::FlagDisposition disposition;
  grpc::Status status;
  if (action == "explain") {
    if (note.empty()) return UsageError("--note is required: the explanation of the flag");
    v1::ExplainFlagRequest request;
    request.set_flag_id(id);
    request.set_explanation(note);
    status = stub->ExplainFlag(Context().get(), request, &disposition);
  } else {
    v1::DecideFlagRequest request;
    request.set_flag_id(id);
    request.set_note(note);
    if (action == "accept") {
      request.set_decision(v1::FLAG_DECISION_ACCEPT);
    } else if (action == "dismiss") {
      request.set_decision(v1::FLAG_DECISION_DISMISS);
    } else if (action == "confirm") {
      request.set_decision(v1::FLAG_DECISION_CONFIRM);
    } else {
      return UsageError(absl::StrCat("usage: ", kUsage));
    }
    if (action != "accept" && note.empty()) {
      return UsageError("--note is required to dismiss or confirm a flag");
    }
    status = stub->DecideFlag(Context().get(), request, &disposition);
  }
  if (!status.ok()) return Refused(status);
  out_ << disposition.flag_id() << "  " << FlagStateText(disposition.state(), language_) << "\n";
  if (!disposition.explanation().empty()) {
    out_ << T({"  说明：", "  explanation: "}) << disposition.explanation() << T({"（", " ("})
         << disposition.explained_by() << T({"，", ", "}) << TimeText(disposition.explain_time())
         << T({"）", ")"}) << "\n";
  }
  if (!disposition.decided_by().empty()) {
    out_ << T({"  审核：", "  decision: "})
         << (disposition.note().empty() ? "-" : disposition.note()) << T({"（", " ("})
         << disposition.decided_by() << T({"，", ", "}) << TimeText(disposition.decide_time())
         << T({"）", ")"}) << "\n";
  }
  if (action == "confirm") out_ << T({"  报告已退回\n", "  the report was returned\n"});
  return absl::OkStatus();
}

}  // namespace gongkai::cli
