#include "storage/keys.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace gongkai::storage::keys {

void AppendBigEndian64(std::string* out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

uint64_t ReadBigEndian64(absl::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return value;
}

std::string RegionKey(absl::string_view code) { return absl::StrCat(RegionPrefix(), code); }

std::string RegionPrefix() { return std::string(1, kRegion); }

std::string SubtreePrefix(int year, const std::vector<std::string>& path) {
  std::string out;
  const uint32_t y = static_cast<uint32_t>(year);
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((y >> shift) & 0xff));
  for (const std::string& code : path) out.append(code);
  return out;
}

std::string Locator(int year, const std::vector<std::string>& path, v1::Scope scope,
                    absl::string_view body) {
  std::string out = SubtreePrefix(year, path);
  out.push_back('/');
  out.push_back(static_cast<char>(scope));
  out.push_back(static_cast<char>(body.size()));
  out.append(body.data(), body.size());
  return out;
}

std::string IndexKey(absl::string_view locator) {
  return absl::StrCat(absl::string_view(&kIndex, 1), locator);
}

std::string DigestKey(absl::string_view id) {
  return absl::StrCat(absl::string_view(&kDigest, 1), id);
}

std::string DigestPrefix(int year) {
  v1::ReportKey key;
  key.set_year(year);
  // A report id starts with its year (4 bytes).
  return DigestKey(ReportId(key).substr(0, 4));
}

std::string HeadKey(absl::string_view locator) {
  return absl::StrCat(absl::string_view(&kHead, 1), locator);
}

std::string RevisionPrefix(absl::string_view locator) {
  return absl::StrCat(absl::string_view(&kRevision, 1), locator);
}

std::string RevisionKey(absl::string_view locator, int64_t revision) {
  std::string out = RevisionPrefix(locator);
  AppendBigEndian64(&out, static_cast<uint64_t>(revision));
  return out;
}

std::string ChangeKey(int64_t sequence) {
  std::string out(1, kChange);
  AppendBigEndian64(&out, static_cast<uint64_t>(sequence));
  return out;
}

std::string CheckpointKey() { return MetaKey("worker_checkpoint"); }

std::string MetaKey(absl::string_view name) {
  return absl::StrCat(absl::string_view(&kMeta, 1), name);
}

std::string RollupKey(int year, const std::vector<std::string>& path) {
  return absl::StrCat(absl::string_view(&kRollup, 1), SubtreePrefix(year, path), "/");
}

std::string AnomaliesPrefix(int year, const std::vector<std::string>& path) {
  return absl::StrCat(absl::string_view(&kAnomalies, 1), SubtreePrefix(year, path));
}

std::string AnomaliesKey(int year, const std::vector<std::string>& path) {
  return absl::StrCat(AnomaliesPrefix(year, path), "/");
}

std::string JobKey(int64_t id) {
  std::string out(1, kJob);
  AppendBigEndian64(&out, static_cast<uint64_t>(id));
  return out;
}

std::string PrincipalKey(absl::string_view name) {
  return absl::StrCat(absl::string_view(&kPrincipal, 1), name);
}

std::string DispositionKey(absl::string_view flag_id) {
  return absl::StrCat(absl::string_view(&kDisposition, 1), flag_id);
}

std::string ReviewPrefix(absl::string_view id) {
  return absl::StrCat(absl::string_view(&kReview, 1), id);
}

std::string ReviewKey(absl::string_view id, int64_t sequence) {
  std::string out = ReviewPrefix(id);
  AppendBigEndian64(&out, static_cast<uint64_t>(sequence));
  return out;
}

std::string PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;  // Empty: no upper bound.
}

namespace {

// FNV-1a, 64 bits: stable across processes and releases (tokens outlive a restart).
uint64_t ListingTag(absl::string_view prefix) {
  uint64_t hash = 14695981039346656037ull;
  for (char c : prefix) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace

std::string PageToken(absl::string_view prefix, absl::string_view last_key) {
  std::string raw;
  AppendBigEndian64(&raw, ListingTag(prefix));
  raw.append(last_key.data(), last_key.size());
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<std::string> ReadPageToken(absl::string_view prefix, absl::string_view token) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.size() < 8 + prefix.size() ||
      ReadBigEndian64(raw) != ListingTag(prefix) ||
      !absl::StartsWith(absl::string_view(raw).substr(8), prefix)) {
    return absl::InvalidArgumentError("invalid page_token for this listing");
  }
  return raw.substr(8);
}

}  // namespace gongkai::storage::keys
