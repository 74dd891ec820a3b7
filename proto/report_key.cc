#include "proto/report_key.h"

namespace gongkai {
namespace {

constexpr size_t kFixedBytes = 4 + 12 + 1 + 1;  // year, code, scope, body length

}  // namespace

std::string ReportId(const v1::ReportKey& key) {
  std::string out;
  out.reserve(kFixedBytes + key.body().size());
  const uint32_t year = static_cast<uint32_t>(key.year());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((year >> shift) & 0xff));
  }
  out.append(key.region_code());
  out.push_back(static_cast<char>(NormalizedScope(key.scope())));
  out.push_back(static_cast<char>(key.body().size()));
  out.append(key.body());
  return out;
}

bool ParseReportId(absl::string_view id, v1::ReportKey* key) {
  if (id.size() < kFixedBytes) return false;
  const size_t body_size = static_cast<unsigned char>(id[kFixedBytes - 1]);
  if (id.size() != kFixedBytes + body_size) return false;
  for (size_t i = 4; i < 16; ++i) {
    if (id[i] < '0' || id[i] > '9') return false;
  }
  if (!v1::Scope_IsValid(static_cast<unsigned char>(id[16]))) return false;
  uint32_t year = 0;
  for (int i = 0; i < 4; ++i) year = (year << 8) | static_cast<unsigned char>(id[i]);
  key->set_year(static_cast<int>(year));
  key->set_region_code(std::string(id.substr(4, 12)));
  key->set_scope(static_cast<v1::Scope>(static_cast<unsigned char>(id[16])));
  key->set_body(std::string(id.substr(kFixedBytes)));
  return true;
}

}  // namespace gongkai
