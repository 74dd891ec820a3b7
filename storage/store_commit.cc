// The write path of the store: group commit of report revisions (see Store::Commit).
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/serialize.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/util/time_util.h"
#include "google/protobuf/wire_format_lite.h"
#include "proto/cells.h"
#include "proto/digest.h"
#include "rocksdb/write_batch.h"
#include "storage/keys.h"
#include "storage/store.h"

namespace gongkai::storage {
namespace {

// The revision that records `request` after `head` (none: the report's first revision) as the
// change `sequence` at `time`, without its report (the caller adds the serialized content).
v1::Revision NewRevision(const CommitRequest& request, const std::optional<v1::Revision>& head,
                         int64_t sequence, const google::protobuf::Timestamp& time) {
  const int64_t current = head.has_value() ? head->revision() : 0;
  v1::Revision revision;
  *revision.mutable_key() = request.report.key();
  revision.mutable_key()->set_scope(NormalizedScope(request.report.key().scope()));
  revision.set_revision(current + 1);
  *revision.mutable_create_time() = time;
  // A report restored after its withdrawal counts as filed when it is submitted again.
  *revision.mutable_first_create_time() =
      current > 0 && !head->withdrawn() ? head->first_create_time() : time;
  revision.set_principal(request.principal);
  revision.set_peer(request.peer);
  *revision.mutable_verdict() = request.verdict;
  revision.set_change_sequence(sequence);
  return revision;
}

// The stored record of a revision: `revision`, the revision serialized without its report, and
// the serialized report `content` as its field `report`. Fields may come in any order on the
// wire, so the content is appended as it is instead of copied into the message and serialized
// again.
std::string RevisionRecord(absl::string_view revision, absl::string_view content) {
  std::string record;
  record.reserve(revision.size() + content.size() + 16);
  record.append(revision.data(), revision.size());
  constexpr int kReportField = v1::Revision::kReportFieldNumber;
  uint8_t header[10];  // a tag and a length: two varints of at most 5 bytes
  uint8_t* end = google::protobuf::io::CodedOutputStream::WriteTagToArray(
      google::protobuf::internal::WireFormatLite::MakeTag(
          kReportField, google::protobuf::internal::WireFormatLite::WIRETYPE_LENGTH_DELIMITED),
      header);
  end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(content.size()), end);
  record.append(reinterpret_cast<const char*>(header), end - header);
  record.append(content.data(), content.size());
  return record;
}

// The change log entry of `revision`, which follows revision `previous` (0: none).
v1::ChangeEvent ChangeOf(const v1::Revision& revision, int64_t previous,
                         const google::protobuf::Timestamp& time) {
  v1::ChangeEvent change;
  change.set_sequence(revision.change_sequence());
  *change.mutable_key() = revision.key();
  change.set_revision(revision.revision());
  change.set_previous_revision(previous);
  *change.mutable_time() = time;
  *change.mutable_review() = revision.review();
  return change;
}

// The review of a new revision: pending, with what changed since the last approval.
v1::Review SubmitReview(const v1::Revision& revision, const v1::Report& report,
                        const std::optional<v1::Revision>& head, const v1::Report* approved) {
  v1::Review review;
  review.set_state(v1::REVIEW_STATE_PENDING);
  review.set_action(v1::REVIEW_ACTION_SUBMIT);
  review.set_revision(revision.revision());
  review.set_principal(revision.principal());
  *review.mutable_time() = revision.create_time();
  review.set_sequence(revision.change_sequence());
  if (head.has_value()) review.set_approved_revision(head->review().approved_revision());
  if (approved != nullptr) {
    for (v1::CellChange& change : DiffCells(*approved, report)) {
      *review.add_changes() = std::move(change);
    }
  }
  return review;
}

}  // namespace

absl::StatusOr<CommitResult> Store::Commit(const CommitRequest& request) {
  // Group commit: each caller queues its request; the first in line becomes the leader, takes
  // every queued request, and writes them all in one synced batch, so concurrent commits share
  // one WAL sync instead of queueing for one each. Callers wait until their request is done.
  PendingCommit mine{&request};
  // What does not depend on the stored head is made here, on the caller's thread, not by the
  // group's leader one request after the other.
  {
    const v1::Scope scope = NormalizedScope(request.report.key().scope());
    if (request.report.key().scope() == scope) {
      mine.content = SerializeDeterministic(request.report);
    } else {
      v1::Report stored = request.report;
      stored.mutable_key()->set_scope(scope);
      mine.content = SerializeDeterministic(stored);
    }
    mine.digest = DigestOfReport(request.report, request.verdict);
  }
  absl::MutexLock lock(&queue_mu_);
  queue_.push_back(&mine);
  auto my_turn = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
    return mine.done || (!leader_active_ && !queue_.empty() && queue_.front() == &mine);
  };
  queue_mu_.Await(absl::Condition(&my_turn));
  if (mine.done) return std::move(mine.result);
  leader_active_ = true;
  std::vector<PendingCommit*> group;
  while (!queue_.empty() && group.size() < kMaxGroupCommits) {
    group.push_back(queue_.front());
    queue_.pop_front();
  }
  queue_mu_.Unlock();
  CommitGroup(group);
  queue_mu_.Lock();
  for (PendingCommit* pending : group) pending->done = true;
  leader_active_ = false;
  return std::move(mine.result);
}

absl::Status Store::ReadStoredHead(const std::string& id, std::optional<v1::Revision>* head,
                                   std::string* content) const {
  absl::StatusOr<std::optional<v1::Revision>> stored_head = ReadHead(id);
  if (!stored_head.ok()) return stored_head.status();
  *head = *std::move(stored_head);
  if (head->has_value()) {
    absl::StatusOr<v1::Revision> stored = ReadRevision(id, (*head)->revision());
    if (!stored.ok()) return stored.status();
    *content = SerializeDeterministic(stored->report());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::Revision>> Store::ReadApproved(
    const std::string& id, const std::optional<v1::Revision>& head) const {
  if (!head.has_value() || head->review().approved_revision() == 0) return std::nullopt;
  GONGKAI_ASSIGN_OR_RETURN(v1::Revision approved,
                           ReadRevision(id, head->review().approved_revision()));
  return approved;
}

void Store::CommitGroup(const std::vector<PendingCommit*>& group) {
  absl::MutexLock lock(&commit_mu_);
  // One registry snapshot for the whole group (LoadRegistry and UpdateRegistry swap it under
  // commit_mu_).
  const std::shared_ptr<const registry::TimedRegistry> registry = this->registry();
  // The heads (and their contents) this group has written so far, by report id: later
  // requests of the group for the same report see them.
  struct Written {
    v1::Revision head;
    std::string content;
  };
  absl::flat_hash_map<std::string, Written> written;
  rocksdb::WriteBatch batch;
  int64_t sequence = last_sequence_;
  for (PendingCommit* pending : group) {
    const CommitRequest& request = *pending->request;
    absl::StatusOr<std::string> id = IdOf(*registry, request.report.key());
    if (!id.ok()) {
      pending->result = id.status();
      continue;
    }
    std::optional<v1::Revision> head;
    std::string head_content;
    if (auto it = written.find(*id); it != written.end()) {
      head = it->second.head;
      head_content = it->second.content;
    } else if (absl::Status s = ReadStoredHead(*id, &head, &head_content); !s.ok()) {
      pending->result = s;
      continue;
    }
    const int64_t current = head.has_value() ? head->revision() : 0;
    const std::string& content = pending->content;
    // Idempotency: identical content to the current revision writes nothing, even for a
    // retry whose expected_revision is now stale (its write already happened). A withdrawn
    // report is restored by any submission.
    if (current > 0 && !head->withdrawn() && content == head_content) {
      pending->result = CommitResult{*head, false};
      continue;
    }
    if (request.expected_revision.has_value() && *request.expected_revision != current) {
      pending->result = absl::FailedPreconditionError(
          absl::StrCat("expected revision ", *request.expected_revision,
                       " but the current revision is ", current));
      continue;
    }

    // The revision last approved, to say what changed since (stored already: reviews happen
    // outside groups).
    absl::StatusOr<std::optional<v1::Revision>> approved = ReadApproved(*id, head);
    if (!approved.ok()) {
      pending->result = approved.status();
      continue;
    }

    ++sequence;
    const google::protobuf::Timestamp time = ToProtoTime(request.time);
    v1::Revision revision = NewRevision(request, head, sequence, time);
    *revision.mutable_review() = SubmitReview(
        revision, request.report, head, approved->has_value() ? &(*approved)->report() : nullptr);
    const std::string head_bytes = revision.SerializeAsString();
    batch.Put(keys::RevisionKey(*id, revision.revision()), RevisionRecord(head_bytes, content));
    batch.Put(keys::HeadKey(*id), head_bytes);
    AddRevisionToDigest(revision, &pending->digest);
    batch.Put(keys::DigestKey(*id), pending->digest.SerializeAsString());
    batch.Put(IndexKeyOf(*registry->Tree(revision.key().year()), revision.key()), *id);
    batch.Put(keys::ChangeKey(sequence), ChangeOf(revision, current, time).SerializeAsString());
    batch.Put(keys::ReviewKey(*id, sequence), revision.review().SerializeAsString());
    written[*id] = Written{revision, content};
    pending->result = CommitResult{std::move(revision), true};
  }
  if (batch.Count() == 0) return;
  if (absl::Status s = Write(&batch, "commit revision"); !s.ok()) {
    // Nothing of the batch was applied, and results decided against its pending heads (an
    // unchanged resubmission, a stale expected_revision) may not hold: every request fails
    // alike, and a retry decides afresh.
    for (PendingCommit* pending : group) pending->result = s;
    return;
  }
  last_sequence_ = sequence;
  PublishHead(sequence);
}

}  // namespace gongkai::storage
