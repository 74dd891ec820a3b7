#include "worker/settings.h"

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"

namespace gongkai::worker {

absl::Status ParseDeadlines(absl::string_view text, Settings* settings) {
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::vector<absl::string_view> parts = absl::StrSplit(item, '=');
    std::vector<absl::string_view> day;
    if (parts.size() == 2) day = absl::StrSplit(parts[1], '-');
    int month = 0, day_of_month = 0;
    if (day.size() != 2 || !absl::SimpleAtoi(day[0], &month) ||
        !absl::SimpleAtoi(day[1], &day_of_month) || month < 1 || month > 12 || day_of_month < 1 ||
        absl::CivilDay(2001, month, day_of_month).month() != month) {  // 2001: no 29 Feb
      return absl::InvalidArgumentError(absl::StrCat("deadline \"", item, "\" is not LEVEL=MM-DD"));
    }
    const Deadline deadline{month, day_of_month};
    if (parts[0] == "township") {
      settings->township_deadline = deadline;
    } else if (parts[0] == "department") {
      settings->department_deadline = deadline;
    } else if (parts[0] == "county") {
      settings->county_and_above_deadline = deadline;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("deadline level \"", parts[0], "\" is not township, department or county"));
    }
  }
  return absl::OkStatus();
}

}  // namespace gongkai::worker
