// The CLI's commands, each a function of parsed arguments that talks to gongkaid over gRPC.
#ifndef GONGKAI_CLI_COMMANDS_H_
#define GONGKAI_CLI_COMMANDS_H_

#include <ostream>
#include <string>

#include "cli/args.h"

namespace gongkai::cli {

// Runs `command`; returns the process exit code (0 ok, 1 refused by the server, 2 usage).
int RunCommand(const std::string& command, const Args& args, std::ostream& out, std::ostream& err);

}  // namespace gongkai::cli

#endif  // GONGKAI_CLI_COMMANDS_H_
