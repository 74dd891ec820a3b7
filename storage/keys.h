// The one module that encodes RocksDB keys. Every key starts with a keyspace byte; integers
// are fixed-width big-endian and strings are fixed-width or length-prefixed, so that encoded
// (bytewise) order is logical order. Tests: tests/keys_test.cc.
//
// Report id (proto/report_key.h): year (u32) · region code (12 digits) · scope (u8) · body
// (u8 length + bytes). Heads and revisions are keyed by it, so they do not depend on where the
// region sits in the registry.
//
// Report locator (the subtree index): year (u32) · the region's ancestry path (12-digit codes
// from the province down to the region itself; empty for the nation) · '/' · scope (u8) ·
// body (u8 length + bytes). A region's subtree for a year is therefore one key range: year ·
// path(region). The '/' terminator sorts before any digit, so a region's own reports come
// before its children's. The index is rebuilt whenever the registry is loaded.
#ifndef GONGKAI_STORAGE_KEYS_H_
#define GONGKAI_STORAGE_KEYS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gongkai/v1/report.pb.h"
#include "proto/report_key.h"

namespace gongkai::storage::keys {

inline constexpr char kRegion = 'g';       // g · code                → Region
inline constexpr char kHead = 'h';         // h · id                  → Head (current revision)
inline constexpr char kRevision = 'v';     // v · id · rev(u64)       → Revision
inline constexpr char kIndex = 'x';        // x · locator             → id (subtree index)
inline constexpr char kChange = 'l';       // l · seq(u64)            → ChangeEvent
inline constexpr char kMeta = 'm';         // m · name                → value
inline constexpr char kRollup = 'r';       // r · year · path · '/'   → Rollup
inline constexpr char kAnomalies = 'f';    // f · year · path · '/'   → AnomalySet
inline constexpr char kJob = 'j';          // j · id(u64)             → RollupJob
inline constexpr char kPrincipal = 'p';    // p · name                → StoredPrincipal
inline constexpr char kReview = 'w';       // w · id · seq(u64)       → Review (review history)
inline constexpr char kDisposition = 'd';  // d · flag id            → FlagDisposition
inline constexpr char kDigest = 'e';       // e · id                  → ReportDigest (current)

void AppendBigEndian64(std::string* out, uint64_t value);
uint64_t ReadBigEndian64(absl::string_view bytes);

std::string RegionKey(absl::string_view code);
std::string RegionPrefix();

// `path` is the region's ancestry from the province down to the region (empty: the nation).
std::string Locator(int year, const std::vector<std::string>& path, v1::Scope scope,
                    absl::string_view body);
// The prefix shared by every locator in the subtree of the region with that path.
std::string SubtreePrefix(int year, const std::vector<std::string>& path);

std::string HeadKey(absl::string_view id);
std::string RevisionKey(absl::string_view id, int64_t revision);
std::string RevisionPrefix(absl::string_view id);
std::string IndexKey(absl::string_view locator);
// The digest of report `id`'s current revision; every digest of a year starts DigestPrefix.
std::string DigestKey(absl::string_view id);
std::string DigestPrefix(int year);
std::string ChangeKey(int64_t sequence);
std::string MetaKey(absl::string_view name);
// The worker's checkpoint: the last change-log sequence whose effects the results hold.
std::string CheckpointKey();

// Per-region results of the worker: `path` as for Locator.
std::string RollupKey(int year, const std::vector<std::string>& path);
std::string AnomaliesKey(int year, const std::vector<std::string>& path);
// Every AnomaliesKey in the subtree of the region with that path.
std::string AnomaliesPrefix(int year, const std::vector<std::string>& path);
std::string JobKey(int64_t id);
std::string PrincipalKey(absl::string_view name);
// A review event of report `id`, by the change log sequence that announced it.
std::string ReviewKey(absl::string_view id, int64_t sequence);
std::string ReviewPrefix(absl::string_view id);
// A flag's disposition, by the flag's id (Anomaly.id, which starts "<region>-<year>-").
std::string DispositionKey(absl::string_view flag_id);

// A page token: the last key a page returned, bound to its listing (the prefix scanned) so
// that a token of one listing is refused by another (a child's by its parent's, say). Opaque
// to clients (web-safe base64 of an 8-byte tag of the prefix and the key).
std::string PageToken(absl::string_view prefix, absl::string_view last_key);
// The key of a token of the listing of `prefix`; INVALID_ARGUMENT for a token of another
// listing or not a token at all.
absl::StatusOr<std::string> ReadPageToken(absl::string_view prefix, absl::string_view token);

// The smallest key greater than every key that starts with `prefix` (for iterate_upper_bound).
std::string PrefixEnd(absl::string_view prefix);

}  // namespace gongkai::storage::keys

#endif  // GONGKAI_STORAGE_KEYS_H_
