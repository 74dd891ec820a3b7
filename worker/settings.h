// Every threshold of the aggregation worker, named and documented in one place
// (docs/WORKER.md lists them with their defaults and reasons).
#ifndef GONGKAI_WORKER_SETTINGS_H_
#define GONGKAI_WORKER_SETTINGS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/time.h"

namespace gongkai::worker {

// A deadline as a day of the year after the reporting year.
struct Deadline {
  int month;
  int day;
};

struct Settings {
  // 《条例》 article 49: departments (and, by county practice, townships) by 31 January,
  // governments of counties and above by 31 March, of the year after the reporting year.
  Deadline township_deadline{1, 31};
  Deadline department_deadline{1, 31};
  Deadline county_and_above_deadline{3, 31};
  // Dates (publication dates, submission times) are read in China Standard Time.
  absl::TimeZone zone = ReportingZone();
  // MISSING_REPORT / LATE_REPORT severity rises to HIGH this many days past the deadline.
  int days_late_for_high = 60;

  // PEER_OUTLIER: modified z-score (Iglewicz–Hoaglin) above this flags, with at least
  // `min_peers` values in the group; counts are compared as log(1 + x) and must also differ
  // from the median by `outlier_min_count_difference`; ratios need a denominator of at least
  // `min_ratio_denominator`.
  double outlier_z = 3.5;
  double outlier_z_high = 7.0;
  int min_peers = 8;
  int outlier_min_count_difference = 10;
  int min_ratio_denominator = 5;

  // YEAR_OVER_YEAR_SWING: requests received change by at least this factor (either way) and
  // by at least `swing_min_difference`, and (when at least `min_peers` peers have both years)
  // by more than `swing_peer_factor` times the peers' median swing.
  double swing_ratio = 5.0;
  int swing_min_difference = 50;
  double swing_peer_factor = 3.0;

  // COPIED_NARRATIVE: Jaccard similarity of character 5-gram shingles of section 五, for
  // texts of at least `narrative_min_chars` characters.
  double copied_similarity = 0.8;
  int narrative_min_chars = 50;
  int shingle_size = 5;

  // ZERO_PUBLICATION severity: HIGH when at least this share of same-level siblings published
  // in the sub-table, MEDIUM from `zero_peer_share_medium`, else LOW.
  double zero_peer_share_high = 0.5;
  double zero_peer_share_medium = 0.2;
};

// Sets deadlines from "township=01-31,department=01-31,county=03-31" (any subset; "county"
// means governments of counties and above). INVALID_ARGUMENT for anything else.
absl::Status ParseDeadlines(absl::string_view text, Settings* settings);

}  // namespace gongkai::worker

#endif  // GONGKAI_WORKER_SETTINGS_H_
