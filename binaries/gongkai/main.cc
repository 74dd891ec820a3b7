// gongkai: the command-line client of gongkaid. The commands, their flags and the help text
// are the table in cli/commands.cc; exit codes: 0 success; 1 the server refused or failed the
// request (reason on stderr), or the outcome is a failure; 2 usage or input errors.
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  return gongkai::cli::RunCommand(std::vector<std::string>(argv + 1, argv + argc), std::cout,
                                  std::cerr);
}
