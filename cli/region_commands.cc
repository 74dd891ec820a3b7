// The registry: reading a year's tree and a code's history (`regions`), and keeping it current
// (`region add|rename|move|retire|load-edition`).
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/cli.h"
#include "cli/outcome.h"
#include "common/status_macros.h"
#include "export/text_width.h"
#include "registry/registry.h"

namespace gongkai::cli {
namespace {

constexpr char kRegionUsage[] =
    "gongkai region add|rename|move|retire CODE ... --from YEAR, or "
    "gongkai region load-edition DIR --year YEAR (see gongkai help)";

std::string LevelText(v1::Level level) {
  return std::string(absl::string_view(v1::Level_Name(level)).substr(6));  // drop "LEVEL_"
}

std::string Years(int first, int last) {
  return last == 0 ? absl::StrCat(first, "–") : absl::StrCat(first, "–", last);
}

std::string SourceText(v1::RegistrySource source, const std::string& principal) {
  if (source == v1::REGISTRY_SOURCE_ENTERED) return absl::StrCat("entered by ", principal);
  return "national edition";
}

std::string LinkText(const v1::RegionLink& link, const char* arrow) {
  return absl::StrCat(arrow, " ", link.code(), " from ", link.year(), " (", link.change(),
                      link.one_to_one() ? ", one-to-one" : "",
                      link.source() == v1::REGISTRY_SOURCE_EDITION
                          ? "; paired by the editions' change lists, heuristic"
                          : absl::StrCat("; entered by ", link.principal()),
                      ")");
}

}  // namespace

absl::StatusOr<int> Cli::YearFlag() const {
  std::optional<std::string> text = args_.Flag("year");
  if (!text.has_value()) return 0;
  int year = 0;
  if (!absl::SimpleAtoi(*text, &year)) {
    return UsageError(absl::StrCat("--year must be a year, not \"", *text, "\""));
  }
  return year;
}

bool Cli::Switch(const std::string& name) const {
  const std::string value = args_.FlagOr(name, "false");
  return value == "true" || value == "1" || value == "yes";
}

absl::Status Cli::Regions() {
  if (Switch("history")) return RegionHistory();
  return RegionTree();
}

absl::Status Cli::RegionTree() {
  GONGKAI_ASSIGN_OR_RETURN(const std::string output, OutputFlag("table", {"json", "table"}));
  GONGKAI_ASSIGN_OR_RETURN(const int year, YearFlag());
  std::vector<v1::Region> shown;
  if (auto name = args_.Flag("search")) {
    GONGKAI_RETURN_IF_ERROR(Need(0, "gongkai regions --search NAME [--year Y]"));
    v1::SearchRegionsRequest request;
    request.set_name(*name);
    request.set_year(year);
    request.set_page_size(1000);
    v1::SearchRegionsResponse response;
    grpc::Status status = regions_->SearchRegions(Context().get(), request, &response);
    if (!status.ok()) return Refused(status);
    shown.assign(response.regions().begin(), response.regions().end());
  } else {
    GONGKAI_RETURN_IF_ERROR(Need(1, "gongkai regions CODE [--year Y] [--history]"));
    v1::GetRegionRequest get;
    get.set_code(args_.positional[0]);
    get.set_year(year);
    v1::Region region;
    grpc::Status status = regions_->GetRegion(Context().get(), get, &region);
    if (!status.ok()) return Refused(status);
    shown.push_back(region);
    v1::ListChildRegionsRequest request;
    request.set_code(region.code());
    request.set_year(year);
    request.set_page_size(1000);
    do {
      v1::ListChildRegionsResponse response;
      status = regions_->ListChildRegions(Context().get(), request, &response);
      if (!status.ok()) return Refused(status);
      shown.insert(shown.end(), response.regions().begin(), response.regions().end());
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
  }
  for (size_t i = 0; i < shown.size(); ++i) {
    const v1::Region& region = shown[i];
    if (output == "json") {
      out_ << Json(region) << "\n";
      continue;
    }
    const bool child = !args_.Flag("search") && i > 0;
    out_ << (child ? "  " : "") << exports::Pad(region.code(), 13)
         << exports::Pad(LevelText(region.level()), 11)
         << exports::Pad(region.name(), child ? 24 : 26)
         << Years(region.first_year(), region.last_year()) << "\n";
  }
  return absl::OkStatus();
}

absl::Status Cli::RegionHistory() {
  GONGKAI_RETURN_IF_ERROR(Need(1, "gongkai regions CODE --history"));
  GONGKAI_ASSIGN_OR_RETURN(const std::string output, OutputFlag("table", {"json", "table"}));
  v1::GetRegionHistoryRequest request;
  request.set_code(args_.positional[0]);
  v1::RegionHistory history;
  grpc::Status status = regions_->GetRegionHistory(Context().get(), request, &history);
  if (!status.ok()) return Refused(status);
  if (output == "json") {
    out_ << Json(history) << "\n";
    return absl::OkStatus();
  }
  out_ << history.code() << "\n";
  for (int v = 0; v < history.versions_size(); ++v) {
    const v1::RegionVersion& version = history.versions(v);
    const int end = v + 1 < history.versions_size() ? history.versions(v + 1).from_year() - 1 : 0;
    const std::string years = exports::Pad(Years(version.from_year(), end), 11);
    if (version.retired()) {
      out_ << "  " << years << "not in use  (" << SourceText(version.source(), version.principal())
           << ")\n";
      continue;
    }
    out_ << "  " << years << exports::Pad(version.name(), 24)
         << exports::Pad(LevelText(version.level()), 11) << "under " << version.parent_code()
         << "  (" << SourceText(version.source(), version.principal())
         << (version.note().empty() ? "" : absl::StrCat(": ", version.note())) << ")\n";
  }
  for (const v1::RegionLink& link : history.predecessors()) {
    out_ << "  " << LinkText(link, "continues") << "\n";
  }
  for (const v1::RegionLink& link : history.successors()) {
    out_ << "  " << LinkText(link, "continued by") << "\n";
  }
  return absl::OkStatus();
}

absl::Status Cli::RegionAdmin() {
  if (args_.positional.empty()) return UsageError(absl::StrCat("usage: ", kRegionUsage));
  const std::string& verb = args_.positional[0];
  using Request = v1::ChangeRegionRequest;
  if (verb == "add") return RegionChange(Request::ACTION_ADD);
  if (verb == "rename") return RegionChange(Request::ACTION_RENAME);
  if (verb == "move") return RegionChange(Request::ACTION_MOVE);
  if (verb == "retire") return RegionChange(Request::ACTION_RETIRE);
  if (verb == "load-edition") return RegionEdition();
  return UsageError(absl::StrCat("usage: ", kRegionUsage));
}

absl::Status Cli::RegionChange(v1::ChangeRegionRequest::Action action) {
  GONGKAI_RETURN_IF_ERROR(Need(2, kRegionUsage));
  v1::ChangeRegionRequest request;
  request.set_action(action);
  request.set_code(args_.positional[1]);
  GONGKAI_ASSIGN_OR_RETURN(const int64_t from, IntFlag("from", 0));
  if (from == 0) return UsageError("--from YEAR is needed: the first year the change holds for");
  request.set_effective_year(static_cast<int>(from));
  request.set_name(args_.FlagOr("name", ""));
  request.set_parent_code(args_.FlagOr("parent", ""));
  request.set_new_code(args_.FlagOr("new_code", ""));
  for (absl::string_view code :
       absl::StrSplit(args_.FlagOr("successors", ""), ',', absl::SkipEmpty())) {
    request.add_successor_codes(std::string(code));
  }
  request.set_note(args_.FlagOr("note", ""));
  request.set_dry_run(Switch("dry_run"));
  request.set_allow_stranding(Switch("allow_stranding"));
  auto stub = v1::AdminService::NewStub(channel_);
  v1::RegistryChangeResult result;
  grpc::Status status = stub->ChangeRegion(Context().get(), request, &result);
  if (!status.ok()) return Refused(status);
  PrintRegistryChange(result);
  return absl::OkStatus();
}

absl::Status Cli::RegionEdition() {
  GONGKAI_RETURN_IF_ERROR(Need(2, kRegionUsage));
  GONGKAI_ASSIGN_OR_RETURN(const int year, YearFlag());
  if (year == 0) return UsageError("--year YEAR is needed: the year of the edition");
  absl::StatusOr<std::vector<v1::Region>> regions = registry::ReadRegistryCsv(args_.positional[1]);
  if (!regions.ok()) return UsageError(regions.status().message());
  v1::LoadRegistryEditionRequest request;
  request.set_year(year);
  for (v1::Region& region : *regions) *request.add_regions() = std::move(region);
  request.set_note(args_.FlagOr("note", ""));
  request.set_dry_run(Switch("dry_run"));
  request.set_allow_stranding(Switch("allow_stranding"));
  auto stub = v1::AdminService::NewStub(channel_);
  v1::RegistryChangeResult result;
  grpc::Status status =
      stub->LoadRegistryEdition(Context(absl::Minutes(10)).get(), request, &result);
  if (!status.ok()) return Refused(status);
  PrintRegistryChange(result);
  return absl::OkStatus();
}

void Cli::PrintRegistryChange(const v1::RegistryChangeResult& result) {
  if (args_.FlagOr("output", "table") == "json") {
    out_ << Json(result) << "\n";
    return;
  }
  auto describe = [](const v1::Region& r) {
    return absl::StrCat(r.name(), " under ", r.parent_code());
  };
  for (const v1::RegionDiff& diff : result.diffs()) {
    out_ << exports::Pad(diff.change(), 11) << diff.code() << "  "
         << (diff.has_before() ? describe(diff.before()) : "-") << "  →  "
         << (diff.has_after() ? describe(diff.after()) : "not in use") << "\n";
  }
  std::vector<std::string> years;
  for (int year : result.affected_years()) years.push_back(absl::StrCat(year));
  out_ << (result.applied() ? "applied" : "dry run: nothing written") << "; " << result.diffs_size()
       << " region(s); rolled up again: " << absl::StrJoin(years, ", ");
  if (result.applied()) out_ << "; change " << result.change_sequence();
  out_ << "\n";
  for (const v1::ReportKey& key : result.stranded_reports()) {
    out_ << "stranded: " << KeyText(key) << "\n";
  }
}

}  // namespace gongkai::cli
