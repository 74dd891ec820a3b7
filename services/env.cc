#include "services/env.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/time.h"
#include "services/errors.h"

namespace gongkai {

int CurrentYear(const Env& env) { return ReportingYearOf(env.clock()); }

std::shared_ptr<const registry::YearTree> NewestTree(const Env& env) {
  return env.store->Tree(CurrentYear(env));
}

absl::Status CheckReportingYear(const Env& env, int year, absl::string_view field_path) {
  if (year == 0) return error::MissingField(field_path);
  if (year < kFirstReportingYear || year > CurrentYear(env)) {
    return error::InvalidField(field_path, absl::StrCat("must be between ", kFirstReportingYear,
                                                        " and ", CurrentYear(env)));
  }
  return absl::OkStatus();
}

}  // namespace gongkai
