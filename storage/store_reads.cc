// The read path of the store: heads and revisions, the listings (one bounded, scope-filtered
// page at a time) and the change log.
#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/constants.h"
#include "common/status_macros.h"
#include "proto/digest.h"
#include "rocksdb/db.h"
#include "storage/keys.h"
#include "storage/rocks_util.h"
#include "storage/store.h"

namespace gongkai::storage {
namespace {

constexpr int kDefaultPageSize = 100;
// A page ends early once its records reach this size, so that it fits gRPC's default 4 MiB
// message limit: validation keeps one report under about 1.3 MB (six narrative sections of
// 200 KB), so a page stays below 2 MiB + 1.3 MB. The next page token continues after the last
// record returned.
constexpr size_t kMaxPageBytes = 2 << 20;

int ClampPageSize(int page_size) {
  if (page_size <= 0) return kDefaultPageSize;
  return std::min(page_size, kMaxPageSize);
}

}  // namespace

absl::StatusOr<std::optional<v1::Revision>> Store::ReadHead(const std::string& id) const {
  std::string value;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), keys::HeadKey(id), &value);
  if (status.IsNotFound()) return std::nullopt;
  GONGKAI_RETURN_IF_ERROR(FromRocks(status, "read report head"));
  v1::Revision head;
  if (!head.ParseFromString(value)) return absl::DataLossError("unreadable report head");
  if (!head.has_review()) {
    // Stored before reviews existed: submitted, awaiting review.
    v1::Review* review = head.mutable_review();
    review->set_state(v1::REVIEW_STATE_PENDING);
    review->set_action(v1::REVIEW_ACTION_SUBMIT);
    review->set_revision(head.revision());
    review->set_principal(head.principal());
    *review->mutable_time() = head.create_time();
    review->set_sequence(head.change_sequence());
  }
  return head;
}

void Store::WithHeadReview(const v1::Revision& head, v1::Revision* revision) {
  if (revision->revision() == head.revision()) *revision->mutable_review() = head.review();
}

absl::StatusOr<v1::ReportDigest> Store::ReadDigest(const std::string& id,
                                                   const v1::Revision& head) const {
  std::string value;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), keys::DigestKey(id), &value);
  v1::ReportDigest digest;
  if (status.IsNotFound()) {
    GONGKAI_ASSIGN_OR_RETURN(v1::Revision revision, ReadRevision(id, head.revision()));
    digest = DigestOf(revision);
  } else {
    GONGKAI_RETURN_IF_ERROR(FromRocks(status, "read a report's digest"));
    if (!digest.ParseFromString(value)) return absl::DataLossError("unreadable report digest");
  }
  digest.set_review_state(head.review().state());
  digest.set_review_sequence(head.review().sequence());
  return digest;
}

absl::StatusOr<v1::Revision> Store::ReadRevision(const std::string& id, int64_t revision) const {
  std::string value;
  rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(), keys::RevisionKey(id, revision), &value);
  if (status.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("revision ", revision, " does not exist"));
  }
  GONGKAI_RETURN_IF_ERROR(FromRocks(status, "read revision"));
  v1::Revision out;
  if (!out.ParseFromString(value)) return absl::DataLossError("unreadable revision record");
  return out;
}

absl::StatusOr<v1::Revision> Store::GetRevision(const v1::ReportKey& key, int64_t revision,
                                                bool full) const {
  GONGKAI_ASSIGN_OR_RETURN(std::string id, IdOf(key));
  GONGKAI_ASSIGN_OR_RETURN(std::optional<v1::Revision> head, ReadHead(id));
  if (!head.has_value()) return absl::NotFoundError("no such report");
  if (revision == 0) {
    if (!full) return *head;
    revision = head->revision();
  }
  absl::StatusOr<v1::Revision> out = ReadRevision(id, revision);
  if (!out.ok()) return out;
  if (!full) out->clear_report();
  WithHeadReview(*head, &*out);
  return out;
}

absl::StatusOr<v1::ReportDigest> Store::GetDigest(const v1::ReportKey& key,
                                                  int64_t revision) const {
  GONGKAI_ASSIGN_OR_RETURN(std::string id, IdOf(key));
  GONGKAI_ASSIGN_OR_RETURN(std::optional<v1::Revision> head, ReadHead(id));
  if (!head.has_value()) return absl::NotFoundError("no such report");
  // The current revision's digest is stored beside it (with the review it had then), unless
  // a new revision was committed between the two reads: the digest is then the new one's.
  if (revision == head->revision() && !head->withdrawn()) {
    GONGKAI_ASSIGN_OR_RETURN(v1::ReportDigest digest, ReadDigest(id, *head));
    if (digest.revision() == revision) return digest;
  }
  GONGKAI_ASSIGN_OR_RETURN(v1::Revision record, ReadRevision(id, revision));
  WithHeadReview(*head, &record);
  return DigestOf(record);
}

absl::Status Store::ScanPage(const std::string& prefix, int page_size,
                             const std::string& page_token, const ScanAccept& accept,
                             const ScanAdd& add, bool fill_cache,
                             std::string* next_page_token) const {
  page_size = ClampPageSize(page_size);
  std::string start = prefix;
  if (!page_token.empty()) {
    GONGKAI_ASSIGN_OR_RETURN(std::string last_key, keys::ReadPageToken(prefix, page_token));
    start = last_key + '\0';  // The first key after the last one returned.
  }
  PrefixIterator it(db_.get(), prefix, fill_cache);
  int count = 0;
  size_t bytes = 0;
  std::string last_key;
  next_page_token->clear();
  for (it->Seek(start); it->Valid(); it->Next()) {
    const absl::string_view key(it->key().data(), it->key().size());
    const absl::string_view value(it->value().data(), it->value().size());
    // Records the caller may not see are neither counted nor named by a token, and a token is
    // given only when another record it may see follows: pages never hint at hidden rows.
    if (accept != nullptr) {
      GONGKAI_ASSIGN_OR_RETURN(bool accepted, accept(key, value));
      if (!accepted) continue;
    }
    if (count == page_size || bytes >= kMaxPageBytes) {
      next_page_token->assign(keys::PageToken(prefix, last_key));
      break;
    }
    GONGKAI_ASSIGN_OR_RETURN(size_t added, add(key, value));
    bytes += added;
    last_key = std::string(key);
    ++count;
  }
  return FromRocks(it->status(), "scan");
}

absl::StatusOr<std::vector<v1::ReportDigest>> Store::ListDigestsAt(const std::string& region_code,
                                                                   int year) const {
  std::shared_ptr<const registry::YearTree> tree = Tree(year);
  if (tree->Find(region_code) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("region ", region_code, " is not in the registry of ", year));
  }
  // The region's own locators: its path, then '/' (its descendants' continue with a digit).
  const std::string prefix =
      keys::IndexKey(keys::SubtreePrefix(year, tree->PathOf(region_code)) + "/");
  std::vector<v1::ReportDigest> out;
  PrefixIterator it(db_.get(), prefix);
  std::string value;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    // The current revision's stored digest, its review kept with it (what ListDigests lists).
    // A withdrawal deletes it with the index entry: one missing was withdrawn a moment ago.
    const absl::string_view id(it->value().data(), it->value().size());
    rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), keys::DigestKey(id), &value);
    if (status.IsNotFound()) continue;
    GONGKAI_RETURN_IF_ERROR(FromRocks(status, "read a report's digest"));
    if (!out.emplace_back().ParseFromString(value)) {
      return absl::DataLossError("unreadable report digest");
    }
  }
  GONGKAI_RETURN_IF_ERROR(FromRocks(it->status(), "list a region's reports"));
  return out;
}

absl::StatusOr<Page<v1::Revision>> Store::ListReports(const std::string& region_code, int year,
                                                      int page_size, const std::string& page_token,
                                                      bool full, const ReportFilter& keep,
                                                      const HeadFilter& keep_head) const {
  std::shared_ptr<const registry::YearTree> tree = Tree(year);
  if (tree->Find(region_code) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("region ", region_code, " is not in the registry of ", year));
  }
  const std::string prefix = keys::IndexKey(keys::SubtreePrefix(year, tree->PathOf(region_code)));
  Page<v1::Revision> page;
  ScanAccept accept = nullptr;
  if (keep != nullptr || keep_head != nullptr) {
    accept = [&](absl::string_view, absl::string_view id) -> absl::StatusOr<bool> {
      v1::ReportKey key;
      if (!ParseReportId(id, &key)) return absl::DataLossError("subtree index holds no report id");
      if (keep != nullptr && !keep(key)) return false;
      if (keep_head == nullptr) return true;
      GONGKAI_ASSIGN_OR_RETURN(std::optional<v1::Revision> head, ReadHead(std::string(id)));
      return head.has_value() && keep_head(*head);
    };
  }
  absl::Status status = ScanPage(
      prefix, page_size, page_token, accept,
      [&](absl::string_view, absl::string_view id) -> absl::StatusOr<size_t> {
        GONGKAI_ASSIGN_OR_RETURN(std::optional<v1::Revision> head, ReadHead(std::string(id)));
        if (!head.has_value()) return absl::DataLossError("subtree index names no report");
        // Withdrawn while this scan's iterator still held its index entry: not listed.
        if (head->withdrawn()) return 0;
        v1::Revision revision = *std::move(head);
        if (full) {
          GONGKAI_ASSIGN_OR_RETURN(v1::Revision stored,
                                   ReadRevision(std::string(id), revision.revision()));
          WithHeadReview(revision, &stored);
          revision = std::move(stored);
        }
        const size_t size = revision.ByteSizeLong();
        page.items.push_back(std::move(revision));
        return size;
      },
      /*fill_cache=*/true, &page.next_page_token);
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<std::string> Store::ListDigests(
    int year, int page_size, const std::string& page_token,
    google::protobuf::RepeatedPtrField<v1::ReportDigest>* digests) const {
  std::string next_page_token;
  const int before = digests->size();
  absl::Status status = ScanPage(
      keys::DigestPrefix(year), page_size, page_token, nullptr,
      [&](absl::string_view, absl::string_view value) -> absl::StatusOr<size_t> {
        if (!digests->Add()->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          return absl::DataLossError("unreadable report digest");
        }
        return value.size();
      },
      // The worker reads a whole year at once, to load it or recompute it.
      /*fill_cache=*/false, &next_page_token);
  if (!status.ok()) {
    // No part of a page that failed.
    digests->DeleteSubrange(before, digests->size() - before);
    return status;
  }
  return next_page_token;
}

absl::StatusOr<Page<v1::Revision>> Store::ListRevisions(const v1::ReportKey& key, int page_size,
                                                        const std::string& page_token,
                                                        bool full) const {
  GONGKAI_ASSIGN_OR_RETURN(std::string id, IdOf(key));
  Page<v1::Revision> page;
  absl::Status status = ScanPage(
      keys::RevisionPrefix(id), page_size, page_token, nullptr,
      [&](absl::string_view, absl::string_view value) -> absl::StatusOr<size_t> {
        v1::Revision revision;
        if (!revision.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          return absl::DataLossError("unreadable revision record");
        }
        if (!full) revision.clear_report();
        const size_t size = revision.ByteSizeLong();
        page.items.push_back(std::move(revision));
        return size;
      },
      /*fill_cache=*/true, &page.next_page_token);
  if (!status.ok()) return status;
  if (page.items.empty() && page_token.empty()) return absl::NotFoundError("no such report");
  if (!page.items.empty()) {
    GONGKAI_ASSIGN_OR_RETURN(std::optional<v1::Revision> head, ReadHead(id));
    if (head.has_value()) WithHeadReview(*head, &page.items.back());
  }
  return page;
}

absl::StatusOr<std::vector<v1::ChangeEvent>> Store::ReadChanges(int64_t start, int limit) const {
  limit = ClampPageSize(limit);
  const std::string lower = keys::ChangeKey(std::max<int64_t>(start, 1));
  PrefixIterator it(db_.get(), std::string(1, keys::kChange));
  std::vector<v1::ChangeEvent> changes;
  // Entries carry review decisions (reasons, notes, changed cells): a page also ends at
  // kMaxPageBytes, so that it fits every reader's message limit.
  size_t bytes = 0;
  for (it->Seek(lower);
       it->Valid() && static_cast<int>(changes.size()) < limit && bytes < kMaxPageBytes;
       it->Next()) {
    v1::ChangeEvent change;
    if (!change.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("unreadable change log entry");
    }
    bytes += it->value().size();
    changes.push_back(std::move(change));
  }
  GONGKAI_RETURN_IF_ERROR(FromRocks(it->status(), "read change log"));
  return changes;
}

}  // namespace gongkai::storage
