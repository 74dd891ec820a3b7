#include "services/env.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/status_macros.h"
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

absl::Status CheckReportKey(const Env& env, const v1::ReportKey& key) {
  if (key.region_code().empty()) return error::MissingField("key.region_code");
  GONGKAI_RETURN_IF_ERROR(CheckReportingYear(env, key.year(), "key.year"));
  if (!v1::Scope_IsValid(key.scope())) {
    return error::InvalidField("key.scope", "is not a known scope");
  }
  return absl::OkStatus();
}

v1::ReportKey NormalizedKey(v1::ReportKey key) {
  if (key.scope() == v1::SCOPE_UNSPECIFIED) key.set_scope(v1::SCOPE_OWN);
  return key;
}

}  // namespace gongkai
