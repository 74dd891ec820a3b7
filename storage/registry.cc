#include "storage/registry.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace gongkai::storage {
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

// Reads `file` (header skipped) and calls `add(fields, where)` for each row.
absl::Status ReadCsv(
    const std::string& dir, const std::string& file, size_t columns,
    const std::function<absl::Status(const std::vector<std::string>&, const std::string&)>& add) {
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
  return region;
}

}  // namespace

absl::StatusOr<std::vector<v1::Region>> ReadRegistryCsv(const std::string& dir) {
  std::vector<v1::Region> regions;
  regions.push_back(MakeRegion(std::string(kNationCode), "全国", v1::LEVEL_NATION, ""));
  absl::Status status = ReadCsv(dir, "provinces.csv", 2, [&](const auto& f, const auto&) {
    regions.push_back(MakeRegion(Pad12(f[0]), f[1], v1::LEVEL_PROVINCE, std::string(kNationCode)));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  status = ReadCsv(dir, "cities.csv", 3, [&](const auto& f, const auto&) {
    regions.push_back(MakeRegion(Pad12(f[0]), f[1], v1::LEVEL_PREFECTURE, Pad12(f[2])));
    // Grouping rows with no government: 市辖区 of a municipality, and the rows that gather
    // the counties a province administers directly.
    regions.back().set_placeholder(f[1] == "市辖区" || absl::EndsWith(f[1], "直辖县级行政区划"));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  status = ReadCsv(dir, "areas.csv", 3, [&](const auto& f, const auto&) {
    // A city without counties is listed again as one county-level row with the same padded
    // code; its townships belong straight to the city.
    if (Pad12(f[0]) == Pad12(f[2])) return absl::OkStatus();
    regions.push_back(MakeRegion(Pad12(f[0]), f[1], v1::LEVEL_COUNTY, Pad12(f[2])));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  status = ReadCsv(dir, "streets.csv", 3, [&](const auto& f, const auto&) {
    // 金门县 is listed again as its own township-level row with the same padded code.
    if (Pad12(f[0]) == Pad12(f[2])) return absl::OkStatus();
    regions.push_back(MakeRegion(Pad12(f[0]), f[1], v1::LEVEL_TOWNSHIP, Pad12(f[2])));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return regions;
}

absl::StatusOr<Registry> Registry::Build(std::vector<v1::Region> regions) {
  Registry registry;
  std::sort(regions.begin(), regions.end(),
            [](const v1::Region& a, const v1::Region& b) { return a.code() < b.code(); });
  registry.regions_ = std::move(regions);
  for (size_t i = 0; i < registry.regions_.size(); ++i) {
    if (!registry.index_.emplace(registry.regions_[i].code(), i).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("region code repeats: ", registry.regions_[i].code()));
    }
  }
  for (const v1::Region& region : registry.regions_) {
    if (region.parent_code().empty()) continue;
    if (!registry.index_.contains(region.parent_code())) {
      return absl::InvalidArgumentError(
          absl::StrCat("region ", region.code(), " has unknown parent ", region.parent_code()));
    }
    registry.children_[region.parent_code()].push_back(region.code());
  }
  // Guard against cycles: every path must reach the root within a few steps.
  for (const v1::Region& region : registry.regions_) {
    const v1::Region* at = &region;
    for (int depth = 0; !at->parent_code().empty(); ++depth) {
      if (depth > 16) {
        return absl::InvalidArgumentError(absl::StrCat("region ", region.code(), " is in a cycle"));
      }
      at = registry.Find(at->parent_code());
    }
  }
  return registry;
}

const v1::Region* Registry::Find(absl::string_view code) const {
  auto it = index_.find(code);
  return it == index_.end() ? nullptr : &regions_[it->second];
}

const std::vector<std::string>& Registry::ChildrenOf(absl::string_view code) const {
  static const std::vector<std::string>* const kNone = new std::vector<std::string>();
  auto it = children_.find(code);
  return it == children_.end() ? *kNone : it->second;
}

std::vector<std::string> Registry::PathOf(absl::string_view code) const {
  std::vector<std::string> path;
  for (const v1::Region* at = Find(code); at != nullptr && !at->parent_code().empty();
       at = Find(at->parent_code())) {
    path.push_back(at->code());
  }
  std::reverse(path.begin(), path.end());
  return path;
}

std::vector<v1::Region> Registry::SearchByName(absl::string_view prefix, size_t limit) const {
  std::vector<v1::Region> found;
  for (const v1::Region& region : regions_) {
    if (found.size() >= limit) break;
    if (absl::StartsWith(region.name(), prefix)) found.push_back(region);
  }
  return found;
}

}  // namespace gongkai::storage
