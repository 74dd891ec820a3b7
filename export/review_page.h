// The reviewer's page: one self-contained HTML document (no scripts, no network; charts as
// inline SVG) on a region's year — completeness by child region, open flags by kind and by
// child, late and missing filers, the reports awaiting review and the key figures against last
// year. Made by `gongkai export review` from what the server's RPCs return.
#ifndef GONGKAI_EXPORT_REVIEW_PAGE_H_
#define GONGKAI_EXPORT_REVIEW_PAGE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "export/language.h"
#include "gongkai/v1/review_service.pb.h"
#include "gongkai/v1/rollup.pb.h"

namespace gongkai::exports {

struct ReviewPageData {
  std::string region_code;
  std::string region_name;
  int year = 0;
  v1::Rollup rollup;
  // The year before's rollup of the region, when there is one.
  std::optional<v1::Rollup> last_year;
  struct Child {
    std::string code;
    std::string name;
    v1::Rollup rollup;
    // Flags in the child's subtree still to deal with (open or explained).
    int open_flags = 0;
  };
  std::vector<Child> children;
  // The flags in the region's subtree still to deal with.
  std::vector<v1::Anomaly> open_flags;
  // Every LATE_REPORT flag of the subtree, whatever its disposition.
  std::vector<v1::Anomaly> late;
  // Names of the missing regions (rollup.completeness.missing_regions), by position.
  std::vector<std::string> missing_names;
  // The reports awaiting the caller's review; unset when the caller is no reviewer.
  std::optional<std::vector<v1::ReviewItem>> awaiting;
  absl::Time generated;
  Language language = Language::kChinese;
};

// The page, UTF-8. Every text from the data is HTML-escaped.
std::string RenderReviewPage(const ReviewPageData& data);

// The name of an anomaly kind as people read it ("逾期报送" / "Late report").
std::string AnomalyKindLabel(v1::AnomalyKind kind, Language language);

}  // namespace gongkai::exports

#endif  // GONGKAI_EXPORT_REVIEW_PAGE_H_
