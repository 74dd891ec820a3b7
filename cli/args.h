// Command-line arguments of the gongkai CLI: positionals plus flags given as `--flag value`
// or `--flag=value`.
#ifndef GONGKAI_CLI_ARGS_H_
#define GONGKAI_CLI_ARGS_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gongkai::cli {

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;

  std::optional<std::string> Flag(const std::string& name) const {
    auto it = flags.find(name);
    if (it == flags.end()) return std::nullopt;
    return it->second;
  }
  std::string FlagOr(const std::string& name, const std::string& fallback) const {
    return Flag(name).value_or(fallback);
  }
};

// Parses the words of `command` (those after its name). Every flag takes a value but the
// `switches`, which stand alone (`--dry_run`, value "true") or take one after '='
// (`--dry_run=false`); `known` lists the names the command accepts (switches included).
// Returns INVALID_ARGUMENT for a flag without a value or an unknown flag (naming the flag and
// `command`).
absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& words,
                               const std::set<std::string>& known,
                               const std::set<std::string>& switches, absl::string_view command);

}  // namespace gongkai::cli

#endif  // GONGKAI_CLI_ARGS_H_
