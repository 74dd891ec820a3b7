#include "cli/args.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace gongkai::cli {

absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& words,
                               const std::set<std::string>& known,
                               const std::set<std::string>& switches, absl::string_view command) {
  Args args;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& arg = words[i];
    if (arg == "--") {
      args.positional.insert(args.positional.end(), words.begin() + i + 1, words.end());
      break;
    }
    if (!absl::StartsWith(arg, "--") || arg.size() == 2) {
      args.positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (switches.contains(name)) {
      value = "true";
    } else if (i + 1 < words.size()) {
      value = words[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
    }
    if (!known.contains(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, " for command ", command, " (see gongkai help)"));
    }
    args.flags[name] = value;
  }
  return args;
}

}  // namespace gongkai::cli
