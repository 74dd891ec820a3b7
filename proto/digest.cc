#include "proto/digest.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/text.h"
#include "proto/cells.h"

namespace gongkai {

v1::ReportDigest DigestOf(const v1::Revision& revision) {
  if (revision.withdrawn()) {
    v1::ReportDigest withdrawal;
    *withdrawal.mutable_key() = revision.key();
    withdrawal.set_revision(revision.revision());
    withdrawal.set_withdrawn(true);
    return withdrawal;
  }
  v1::ReportDigest digest = DigestOfReport(revision.report(), revision.verdict());
  AddRevisionToDigest(revision, &digest);
  return digest;
}

void AddRevisionToDigest(const v1::Revision& revision, v1::ReportDigest* digest) {
  *digest->mutable_key() = revision.key();
  digest->set_revision(revision.revision());
  *digest->mutable_first_create_time() =
      revision.has_first_create_time() ? revision.first_create_time() : revision.create_time();
  digest->set_review_state(revision.review().state());
  digest->set_review_sequence(revision.review().sequence());
}

v1::ReportDigest DigestOfReport(const v1::Report& report, const v1::Verdict& verdict) {
  v1::ReportDigest digest;
  digest.set_edition(report.edition());
  // "?" cells are left out: their value is unknown.
  const std::vector<bool> uncertain = UncertainCells(report);
  std::vector<std::pair<int, int64_t>> cells;
  ForEachFilledCell(report, [&](int index, int64_t value) {
    if (!uncertain[index]) cells.emplace_back(index, value);
  });
  std::sort(cells.begin(), cells.end());
  digest.mutable_cell_indices()->Reserve(static_cast<int>(cells.size()));
  digest.mutable_cell_values()->Reserve(static_cast<int>(cells.size()));
  for (const auto& [index, value] : cells) {
    digest.add_cell_indices(index);
    digest.add_cell_values(value);
  }
  digest.set_publication_date(report.publication_date());
  *digest.mutable_violations() = verdict.violations();
  digest.set_problems(report.narrative().problems());
  const v1::Narrative& n = report.narrative();
  if (std::optional<int64_t> stated = StatedRequests(
          absl::StrCat(n.overview(), "\n", n.proactive(), "\n", n.requests(), "\n",
                       n.review_litigation(), "\n", n.problems(), "\n", n.other_matters()))) {
    digest.set_stated_requests(*stated);
  }
  return digest;
}

}  // namespace gongkai
