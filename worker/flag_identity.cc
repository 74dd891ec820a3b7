#include "worker/flag_identity.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gongkai::worker {
namespace {

// FNV-1a, 64 bits, over length-prefixed fields (so "ab","c" and "a","bc" differ).
class Digest {
 public:
  void Add(absl::string_view field) {
    const std::string length = absl::StrCat(field.size(), ":");
    for (char c : length) Byte(c);
    for (char c : field) Byte(c);
  }
  std::string Hex() const { return absl::StrFormat("%016x", hash_); }

 private:
  void Byte(char c) {
    hash_ ^= static_cast<unsigned char>(c);
    hash_ *= 0x100000001b3ULL;
  }
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// The evidence that names the other report a flag compares with.
constexpr absl::string_view kCounterpartLabel = "对比报告";

}  // namespace

std::string FlagIdPrefix(const std::string& region_code, int year) {
  return absl::StrCat(region_code, "-", year, "-");
}

void AssignIdentities(v1::AnomalySet* set) {
  std::map<std::string, int> seen;
  for (v1::Anomaly& anomaly : *set->mutable_anomalies()) {
    Digest identity;
    identity.Add(v1::AnomalyKind_Name(anomaly.kind()));
    const v1::ReportKey& key = anomaly.key();
    identity.Add(key.region_code());
    identity.Add(absl::StrCat(key.year()));
    identity.Add(
        v1::Scope_Name(key.scope() == v1::SCOPE_UNSPECIFIED ? v1::SCOPE_OWN : key.scope()));
    identity.Add(key.body());
    std::vector<std::string> cells;
    for (const v1::CellRef& cell : anomaly.cells()) cells.push_back(cell.field_path());
    std::sort(cells.begin(), cells.end());
    for (const std::string& cell : cells) identity.Add(cell);
    // What the flag compares the report with, when it names one (COPIED_NARRATIVE: last year's
    // own report, or a peer's): two such flags are two flags, and a new counterpart a new flag.
    for (const v1::Evidence& evidence : anomaly.evidence()) {
      if (evidence.label() == kCounterpartLabel) identity.Add(evidence.value());
    }
    std::string id = absl::StrCat(FlagIdPrefix(key.region_code(), key.year()), identity.Hex());
    if (const int n = ++seen[id]; n > 1) absl::StrAppend(&id, "-", n);
    anomaly.set_id(std::move(id));

    Digest facts;
    if (anomaly.kind() != v1::ANOMALY_KIND_MISSING_REPORT) {
      for (const v1::Evidence& evidence : anomaly.evidence()) {
        if (evidence.about_peers()) continue;
        facts.Add(evidence.label());
        facts.Add(evidence.value());
      }
    }
    anomaly.set_fingerprint(facts.Hex());
  }
}

}  // namespace gongkai::worker
