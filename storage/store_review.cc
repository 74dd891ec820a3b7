// Review decisions: approval, return and withdrawal of a report key (see Store::Review).
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/keys.h"
#include "storage/rocks_util.h"
#include "storage/store.h"

namespace gongkai::storage {
namespace {

v1::ReviewState TargetState(v1::ReviewAction action) {
  switch (action) {
    case v1::REVIEW_ACTION_APPROVE:
      return v1::REVIEW_STATE_APPROVED;
    case v1::REVIEW_ACTION_RETURN:
      return v1::REVIEW_STATE_RETURNED;
    case v1::REVIEW_ACTION_WITHDRAW:
      return v1::REVIEW_STATE_WITHDRAWN;
    default:
      return v1::REVIEW_STATE_UNSPECIFIED;
  }
}

// The tombstone that withdraws `head`'s report: the key alone, as revision head + 1.
v1::Revision Tombstone(const v1::Revision& head, const ReviewRequest& request,
                       const google::protobuf::Timestamp& time) {
  v1::Revision tombstone;
  *tombstone.mutable_key() = head.key();
  tombstone.set_revision(head.revision() + 1);
  *tombstone.mutable_report()->mutable_key() = head.key();
  *tombstone.mutable_create_time() = time;
  *tombstone.mutable_first_create_time() = head.first_create_time();
  tombstone.set_principal(request.principal);
  tombstone.set_peer(request.peer);
  tombstone.set_withdrawn(true);
  return tombstone;
}

// The review a decision sets on `head` (its revision filled in by the caller).
v1::Review DecisionReview(const ReviewRequest& request, const v1::Revision& head,
                          v1::ReviewState target, int64_t sequence,
                          const google::protobuf::Timestamp& time) {
  v1::Review review;
  review.set_state(target);
  review.set_action(request.action);
  review.set_principal(request.principal);
  *review.mutable_time() = time;
  for (const std::string& reason : request.reasons) review.add_reasons(reason);
  review.set_note(request.note);
  review.set_approved_revision(
      target == v1::REVIEW_STATE_APPROVED ? head.revision() : head.review().approved_revision());
  review.set_sequence(sequence);
  return review;
}

// FAILED_PRECONDITION when the decision cannot apply to `head` as it stands.
absl::Status CheckDecidable(const ReviewRequest& request, const v1::Revision& head) {
  if (head.withdrawn()) {
    return absl::FailedPreconditionError(absl::StrCat("the report was withdrawn at revision ",
                                                      head.revision(),
                                                      "; a new submission restores it"));
  }
  if (request.revision != 0 && request.revision != head.revision()) {
    return absl::FailedPreconditionError(
        absl::StrCat("revision ", request.revision, " is not the current revision (",
                     head.revision(), "); look at revision ", head.revision(), " first"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ReviewResult> Store::Review(const ReviewRequest& request) {
  const v1::ReviewState target = TargetState(request.action);
  if (target == v1::REVIEW_STATE_UNSPECIFIED) {
    return absl::InvalidArgumentError("a review decision is to approve, return or withdraw");
  }
  if (target != v1::REVIEW_STATE_APPROVED && request.reasons.empty()) {
    return absl::InvalidArgumentError("a return or withdrawal needs a reason");
  }
  absl::MutexLock lock(&commit_mu_);
  const std::shared_ptr<const registry::TimedRegistry> registry = this->registry();
  GONGKAI_ASSIGN_OR_RETURN(std::string id, IdOf(*registry, request.key));
  GONGKAI_ASSIGN_OR_RETURN(std::optional<v1::Revision> head, ReadHead(id));
  if (!head.has_value()) return absl::NotFoundError("no such report");
  rocksdb::WriteBatch batch;
  std::optional<absl::MutexLock> dispositions_lock;
  if (!request.flag_id.empty()) {
    dispositions_lock.emplace(&dispositions_mu_);
    GONGKAI_ASSIGN_OR_RETURN(v1::FlagDisposition disposition, ReadDisposition(request.flag_id));
    GONGKAI_RETURN_IF_ERROR(request.update_disposition(&disposition));
    batch.Put(keys::DispositionKey(request.flag_id), disposition.SerializeAsString());
  }
  // A decision that stands already writes only the disposition, if any.
  auto unchanged = [&]() -> absl::StatusOr<ReviewResult> {
    if (batch.Count() > 0) GONGKAI_RETURN_IF_ERROR(Write(&batch, "record a flag's disposition"));
    return ReviewResult{*head, false};
  };
  // A retried withdrawal finds it done; a retried decision finds it standing.
  if (head->withdrawn() && target == v1::REVIEW_STATE_WITHDRAWN) return unchanged();
  GONGKAI_RETURN_IF_ERROR(CheckDecidable(request, *head));
  // The same decision again (a retry) stands; with other reasons or another note it is a new
  // decision, recorded as such.
  const v1::Review& now = head->review();
  if (now.state() == target && now.revision() == head->revision() && now.note() == request.note &&
      std::equal(now.reasons().begin(), now.reasons().end(), request.reasons.begin(),
                 request.reasons.end())) {
    return unchanged();
  }

  const int64_t sequence = last_sequence_ + 1;
  const google::protobuf::Timestamp time = ToProtoTime(request.time);
  v1::Review review = DecisionReview(request, *head, target, sequence, time);

  v1::ChangeEvent change;
  change.set_sequence(sequence);
  *change.mutable_key() = head->key();
  change.set_previous_revision(head->revision());
  *change.mutable_time() = time;
  v1::Revision new_head;
  if (target == v1::REVIEW_STATE_WITHDRAWN) {
    v1::Revision tombstone = Tombstone(*head, request, time);
    tombstone.set_change_sequence(sequence);
    review.set_revision(tombstone.revision());
    *tombstone.mutable_review() = review;
    batch.Put(keys::RevisionKey(id, tombstone.revision()), tombstone.SerializeAsString());
    batch.Delete(IndexKeyOf(*registry->Tree(head->key().year()), head->key()));
    batch.Delete(keys::DigestKey(id));
    new_head = std::move(tombstone);
    new_head.clear_report();
  } else {
    review.set_revision(head->revision());
    new_head = *head;
    *new_head.mutable_review() = review;
    GONGKAI_ASSIGN_OR_RETURN(v1::ReportDigest digest, ReadDigest(id, new_head));
    batch.Put(keys::DigestKey(id), digest.SerializeAsString());
  }
  change.set_revision(new_head.revision());
  *change.mutable_review() = review;
  batch.Put(keys::HeadKey(id), new_head.SerializeAsString());
  batch.Put(keys::ChangeKey(sequence), change.SerializeAsString());
  batch.Put(keys::ReviewKey(id, sequence), review.SerializeAsString());
  GONGKAI_RETURN_IF_ERROR(Write(&batch, "record a review decision"));
  last_sequence_ = sequence;
  PublishHead(sequence);
  return ReviewResult{std::move(new_head), true};
}

absl::StatusOr<std::map<std::string, v1::FlagDisposition>> Store::ListDispositions(
    absl::string_view id_prefix) const {
  std::map<std::string, v1::FlagDisposition> out;
  const std::string prefix = keys::DispositionKey(id_prefix);
  PrefixIterator it(db_.get(), prefix);
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    v1::FlagDisposition disposition;
    if (!disposition.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("unreadable flag disposition");
    }
    std::string id = disposition.flag_id();
    out.emplace(std::move(id), std::move(disposition));
  }
  GONGKAI_RETURN_IF_ERROR(FromRocks(it->status(), "read flag dispositions"));
  return out;
}

absl::StatusOr<v1::FlagDisposition> Store::ReadDisposition(const std::string& flag_id) const {
  std::string value;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), keys::DispositionKey(flag_id), &value);
  v1::FlagDisposition disposition;
  if (status.IsNotFound()) {
    disposition.set_flag_id(flag_id);
    return disposition;
  }
  GONGKAI_RETURN_IF_ERROR(FromRocks(status, "read a flag's disposition"));
  if (!disposition.ParseFromString(value))
    return absl::DataLossError("unreadable flag disposition");
  return disposition;
}

absl::StatusOr<v1::FlagDisposition> Store::UpdateDisposition(
    const std::string& flag_id, const std::function<absl::Status(v1::FlagDisposition*)>& update) {
  absl::MutexLock lock(&dispositions_mu_);
  GONGKAI_ASSIGN_OR_RETURN(v1::FlagDisposition disposition, ReadDisposition(flag_id));
  GONGKAI_RETURN_IF_ERROR(update(&disposition));
  rocksdb::WriteBatch batch;
  batch.Put(keys::DispositionKey(flag_id), disposition.SerializeAsString());
  GONGKAI_RETURN_IF_ERROR(Write(&batch, "record a flag's disposition"));
  return disposition;
}

absl::StatusOr<std::vector<v1::Review>> Store::ListReviewHistory(const v1::ReportKey& key) const {
  GONGKAI_ASSIGN_OR_RETURN(std::string id, IdOf(key));
  GONGKAI_ASSIGN_OR_RETURN(std::optional<v1::Revision> head, ReadHead(id));
  if (!head.has_value()) return absl::NotFoundError("no such report");
  std::vector<v1::Review> out;
  const std::string prefix = keys::ReviewPrefix(id);
  PrefixIterator it(db_.get(), prefix);
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    if (!out.emplace_back().ParseFromArray(it->value().data(),
                                           static_cast<int>(it->value().size()))) {
      return absl::DataLossError("unreadable review record");
    }
  }
  GONGKAI_RETURN_IF_ERROR(FromRocks(it->status(), "read the review history"));
  // Revisions stored before reviews existed have no record: their head's review stands in.
  if (out.empty() || out.back().sequence() < head->review().sequence()) {
    out.push_back(head->review());
  }
  return out;
}

}  // namespace gongkai::storage
