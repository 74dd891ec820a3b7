// Reading the registry's data files: one national edition (four CSV files), or the time-valid
// registry (regions.csv, lineage.csv). See registry.h and data/regions/README.md.
#include <algorithm>
#include <fstream>
#include <functional>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "registry/registry.h"

namespace gongkai::registry {
namespace {

// Splits one CSV line (RFC 4180 quoting, no embedded newlines in this data).
std::vector<std::string> SplitCsvLine(absl::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back().push_back(c);
    }
  }
  return fields;
}

std::string Pad12(absl::string_view code) {
  std::string out(code);
  out.resize(12, '0');
  return out;
}

bool IsDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

using RowFn =
    std::function<absl::Status(const std::vector<std::string>& fields, const std::string& where)>;

// Reads `file` (header skipped) and calls `add(fields, where)` for each row of at least
// `columns` fields whose first field is a code of digits.
absl::Status ReadCsv(const std::string& dir, const std::string& file, size_t columns,
                     const RowFn& add) {
  const std::string path = dir + "/" + file;
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("registry file not found: ", path));
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line_number == 1 || line.empty()) continue;
    const std::string where = absl::StrCat(path, ":", line_number);
    std::vector<std::string> fields = SplitCsvLine(line);
    if (fields.size() < columns || !IsDigits(fields[0]) || fields[0].size() > 12) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": malformed row"));
    }
    GONGKAI_RETURN_IF_ERROR(add(fields, where));
  }
  return absl::OkStatus();
}

v1::Region MakeRegion(const std::string& code, const std::string& name, v1::Level level,
                      const std::string& parent) {
  v1::Region region;
  region.set_code(code);
  region.set_name(name);
  region.set_level(level);
  region.set_parent_code(parent);
  region.set_placeholder(level == v1::LEVEL_PREFECTURE && IsPlaceholderName(name));
  return region;
}

std::optional<v1::Level> ParseLevel(absl::string_view text) {
  if (text == "province") return v1::LEVEL_PROVINCE;
  if (text == "prefecture") return v1::LEVEL_PREFECTURE;
  if (text == "county") return v1::LEVEL_COUNTY;
  if (text == "township") return v1::LEVEL_TOWNSHIP;
  return std::nullopt;
}

v1::RegionVersion EditionVersion(int from_year, const v1::Region& region) {
  v1::RegionVersion version;
  version.set_from_year(from_year);
  version.set_name(region.name());
  version.set_level(region.level());
  version.set_parent_code(region.parent_code());
  version.set_placeholder(region.placeholder());
  version.set_source(v1::REGISTRY_SOURCE_EDITION);
  return version;
}

v1::RegionHistory NationHistory(int from_year) {
  v1::RegionHistory nation;
  nation.set_code(std::string(kNationCode));
  *nation.add_versions() =
      EditionVersion(from_year, MakeRegion(std::string(kNationCode), "全国", v1::LEVEL_NATION, ""));
  return nation;
}

}  // namespace

bool IsPlaceholderName(absl::string_view name) {
  return name == "市辖区" || absl::EndsWith(name, "直辖县级行政区划");
}

absl::StatusOr<std::vector<v1::Region>> ReadRegistryCsv(const std::string& dir) {
  std::vector<v1::Region> regions;
  regions.push_back(MakeRegion(std::string(kNationCode), "全国", v1::LEVEL_NATION, ""));
  GONGKAI_RETURN_IF_ERROR(ReadCsv(dir, "provinces.csv", 2, [&](const auto& f, const auto&) {
    regions.push_back(MakeRegion(Pad12(f[0]), f[1], v1::LEVEL_PROVINCE, std::string(kNationCode)));
    return absl::OkStatus();
  }));
  GONGKAI_RETURN_IF_ERROR(ReadCsv(dir, "cities.csv", 3, [&](const auto& f, const auto&) {
    regions.push_back(MakeRegion(Pad12(f[0]), f[1], v1::LEVEL_PREFECTURE, Pad12(f[2])));
    return absl::OkStatus();
  }));
  GONGKAI_RETURN_IF_ERROR(ReadCsv(dir, "areas.csv", 3, [&](const auto& f, const auto&) {
    // A city without counties is listed again as one county-level row with the same padded
    // code; its townships belong straight to the city.
    if (Pad12(f[0]) == Pad12(f[2])) return absl::OkStatus();
    regions.push_back(MakeRegion(Pad12(f[0]), f[1], v1::LEVEL_COUNTY, Pad12(f[2])));
    return absl::OkStatus();
  }));
  GONGKAI_RETURN_IF_ERROR(ReadCsv(dir, "streets.csv", 3, [&](const auto& f, const auto&) {
    // 金门县 is listed again as its own township-level row with the same padded code.
    if (Pad12(f[0]) == Pad12(f[2])) return absl::OkStatus();
    regions.push_back(MakeRegion(Pad12(f[0]), f[1], v1::LEVEL_TOWNSHIP, Pad12(f[2])));
    return absl::OkStatus();
  }));
  return regions;
}

std::vector<v1::RegionHistory> HistoriesOf(const std::vector<v1::Region>& regions, int from_year) {
  std::vector<v1::RegionHistory> histories;
  histories.reserve(regions.size());
  for (const v1::Region& region : regions) {
    v1::RegionHistory& history = histories.emplace_back();
    history.set_code(region.code());
    *history.add_versions() = EditionVersion(from_year, region);
  }
  return histories;
}

absl::StatusOr<std::vector<v1::RegionHistory>> ReadRegistryHistory(const std::string& dir) {
  // Rows are versions: code, first_year, last_year (empty: still in use), name, parent, level.
  std::map<std::string, v1::RegionHistory> histories;
  int first_year = 0;
  GONGKAI_RETURN_IF_ERROR(ReadCsv(dir, "regions.csv", 6, [&](const auto& f, const auto& where) {
    int first = 0, last = 0;
    const std::optional<v1::Level> level = ParseLevel(f[5]);
    if (!absl::SimpleAtoi(f[1], &first) || (!f[2].empty() && !absl::SimpleAtoi(f[2], &last)) ||
        (last != 0 && last < first) || !level || f[0].size() != 12 || !IsDigits(f[4])) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": malformed row"));
    }
    v1::RegionHistory& history = histories[f[0]];
    history.set_code(f[0]);
    v1::RegionVersion* previous = history.versions_size() > 0
                                      ? history.mutable_versions(history.versions_size() - 1)
                                      : nullptr;
    // A code's rows come in year order; each but the last ends (last_year), which left a
    // retirement behind it: this row either continues right after it or follows a gap.
    if (previous != nullptr && previous->retired() && previous->from_year() == first) {
      history.mutable_versions()->RemoveLast();
    } else if (previous != nullptr && (!previous->retired() || previous->from_year() > first)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": versions of ", f[0], " overlap or are out of order"));
    }
    *history.add_versions() = EditionVersion(first, MakeRegion(f[0], f[3], *level, f[4]));
    if (last != 0) {
      v1::RegionVersion* retired = history.add_versions();
      retired->set_from_year(last + 1);
      retired->set_retired(true);
      retired->set_source(v1::REGISTRY_SOURCE_EDITION);
    }
    first_year = first_year == 0 ? first : std::min(first_year, first);
    return absl::OkStatus();
  }));
  GONGKAI_RETURN_IF_ERROR(ReadCsv(dir, "lineage.csv", 4, [&](const auto& f, const auto& where) {
    int year = 0;
    if (!absl::SimpleAtoi(f[0], &year) || !histories.contains(f[1]) || !histories.contains(f[2])) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": a link needs a year and two codes of regions.csv"));
    }
    v1::RegionLink link;
    link.set_year(year);
    link.set_source(v1::REGISTRY_SOURCE_EDITION);
    link.set_change(f[3]);
    link.set_code(f[2]);
    *histories[f[1]].add_successors() = link;
    link.set_code(f[1]);
    *histories[f[2]].add_predecessors() = link;
    return absl::OkStatus();
  }));
  std::vector<v1::RegionHistory> out;
  out.reserve(histories.size() + 1);
  out.push_back(NationHistory(first_year == 0 ? kFirstReportingYear : first_year));
  for (auto& [code, history] : histories) out.push_back(std::move(history));
  return out;
}

absl::StatusOr<std::vector<v1::RegionHistory>> ReadRegistryDir(const std::string& dir,
                                                               int from_year) {
  if (std::ifstream(dir + "/regions.csv")) return ReadRegistryHistory(dir);
  GONGKAI_ASSIGN_OR_RETURN(std::vector<v1::Region> regions, ReadRegistryCsv(dir));
  return HistoriesOf(regions, from_year);
}

}  // namespace gongkai::registry
