#include "proto/anomaly_kind.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace gongkai {
namespace {

constexpr absl::string_view kPrefix = "ANOMALY_KIND_";

}  // namespace

std::string AnomalyKindName(v1::AnomalyKind kind) {
  return std::string(absl::StripPrefix(v1::AnomalyKind_Name(kind), kPrefix));
}

bool ParseAnomalyKind(absl::string_view text, v1::AnomalyKind* kind) {
  std::string name = absl::AsciiStrToUpper(text);
  if (!absl::StartsWith(name, kPrefix)) name = absl::StrCat(kPrefix, name);
  return v1::AnomalyKind_Parse(name, kind) && *kind != v1::ANOMALY_KIND_UNSPECIFIED;
}

}  // namespace gongkai
