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

// Parses argv[first..]. Every flag takes a value; `known` lists the accepted names. Returns
// INVALID_ARGUMENT for an unknown flag or a flag without a value.
absl::StatusOr<Args> ParseArgs(int argc, char** argv, int first,
                               const std::set<std::string>& known);

}  // namespace gongkai::cli

#endif  // GONGKAI_CLI_ARGS_H_
