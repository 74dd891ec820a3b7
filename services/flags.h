// Flag dispositions as readers see them: the stored answers joined to the worker's current
// flags (ListAnomalies, ListReviews), re-opened when the flagged numbers changed.
#ifndef GONGKAI_SERVICES_FLAGS_H_
#define GONGKAI_SERVICES_FLAGS_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "gongkai/v1/rollup.pb.h"
#include "storage/store.h"

namespace gongkai {

// Sets anomaly->disposition from `stored` (null: none): OPEN when there is none, or when it was
// made on other numbers (a fingerprint that differs; `reopened`, the old answers kept).
void JoinDisposition(const v1::FlagDisposition* stored, v1::Anomaly* anomaly);

// The stored dispositions of the flags of each region-year read so far (one read each).
class DispositionCache {
 public:
  explicit DispositionCache(const storage::Store* store) : store_(store) {}
  // Joins the anomaly's stored disposition (JoinDisposition).
  absl::Status Join(int year, v1::Anomaly* anomaly);
  // The state JoinDisposition would give the anomaly.
  absl::StatusOr<v1::FlagState> StateOf(int year, const v1::Anomaly& anomaly);

 private:
  // The stored disposition of the anomaly, if any.
  absl::StatusOr<const v1::FlagDisposition*> Find(int year, const v1::Anomaly& anomaly);

  const storage::Store* store_;
  std::map<std::string, std::map<std::string, v1::FlagDisposition>> by_prefix_;
};

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_FLAGS_H_
