// The gongkai command line: the help text and running one command. Names, flags, output and
// exit codes are an interface that scripts and other agencies' tooling call: keep them stable.
#ifndef GONGKAI_CLI_COMMANDS_H_
#define GONGKAI_CLI_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

namespace gongkai::cli {

// The text `gongkai help` prints, made from the command table (Cli::Commands()).
std::string HelpText();

// Runs the command line `words` (the words after the program's name: the command, then its
// arguments) and returns the process exit code: 0 success; 1 the server refused, or the
// outcome is a failure (validate rejects the report, health is not SERVING, recompute finds
// drift or its job fails, import has failures); 2 usage or local input errors (see
// outcome.h). No words: the help on `out`, exit 2; `help` or `--help`: the help, exit 0.
int RunCommand(const std::vector<std::string>& words, std::ostream& out, std::ostream& err);

}  // namespace gongkai::cli

#endif  // GONGKAI_CLI_COMMANDS_H_
