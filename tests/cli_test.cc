// The gongkai command line without a server: the help made from the command table, usage
// errors and their exit codes, how a status becomes an exit code, and the local parse command.
#include "cli/cli.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/outcome.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace gongkai::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

Result Gongkai(const std::vector<std::string>& words) {
  std::ostringstream out, err;
  const int exit_code = RunCommand(words, out, err);
  return {exit_code, out.str(), err.str()};
}

TEST(CliTest, HelpListsEveryCommandOfTheTable) {
  const Result help = Gongkai({"help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_EQ(help.err, "");
  EXPECT_THAT(help.out, StartsWith("usage: gongkai COMMAND"));
  for (const Command& command : Cli::Commands()) {
    EXPECT_THAT(help.out, HasSubstr(absl::StrCat("\n  ", command.name, " "))) << command.name;
  }
  EXPECT_THAT(help.out, HasSubstr("Flags take `--flag value` or `--flag=value`.\n"));
}

TEST(CliTest, HelpPutsNotesInTheSecondColumn) {
  const std::string help = Gongkai({"help"}).out;
  EXPECT_THAT(help, HasSubstr("\n  parse FILE [--output cells|json|table|text] a published report, "
                              "parsed locally: text,\n" +
                              std::string(46, ' ') + "HTML, .docx"));
  EXPECT_THAT(help, HasSubstr("[--rate_limit N]\n" + std::string(46, ' ') +
                              "prints the new token (shown only this once)\n"));
}

TEST(CliTest, DashDashHelpPrintsTheHelpAndNoArgumentsIsAUsageError) {
  const std::string help = Gongkai({"help"}).out;
  const Result dashes = Gongkai({"--help"});
  EXPECT_EQ(dashes.exit_code, 0);
  EXPECT_EQ(dashes.out, help);
  const Result none = Gongkai({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(none.out, help);
}

TEST(CliTest, UnknownCommandIsAUsageError) {
  const Result result = Gongkai({"frobnicate", "--server", "127.0.0.1:1"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_THAT(result.err, HasSubstr("unknown command \"frobnicate\""));
}

TEST(CliTest, FlagOfAnotherCommandIsAUsageErrorNamingFlagAndCommand) {
  const Result result = Gongkai({"get", "330226104000", "2019", "--kind", "LATE_REPORT"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("--kind"));
  EXPECT_THAT(result.err, HasSubstr("get"));
}

TEST(CliTest, EveryCommandRefusesAnUnknownFlag) {
  for (const Command& command : Cli::Commands()) {
    const Result result = Gongkai({std::string(command.name), "--no_such_flag", "1"});
    EXPECT_EQ(result.exit_code, 2) << command.name;
    EXPECT_THAT(result.err, HasSubstr("--no_such_flag")) << command.name;
    EXPECT_THAT(result.err, HasSubstr(absl::StrCat("command ", command.name))) << command.name;
  }
}

TEST(CliTest, MissingPositionalIsAUsageErrorWithTheUsage) {
  const Result result = Gongkai({"get", "330226104000"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_THAT(result.err, StartsWith("gongkai: usage: gongkai get REGION YEAR"));
}

TEST(CliTest, ParseWithCellsOutputGivesTheExpectedCells) {
  const std::string samples = std::string(GONGKAI_SOURCE_DIR) + "/tests/testdata/samples/";
  const Result result =
      Gongkai({"parse", samples + "2019_town_yishi.txt", "--output", "cells", "--server", "x:1"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, gongkai::testing::ReadFile(samples + "2019_town_yishi.tsv"));
}

TEST(CliTest, ParseOfAMissingFileIsAUsageError) {
  const Result result = Gongkai({"parse", "/nonexistent/report.txt"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "gongkai: cannot read /nonexistent/report.txt\n");
}

TEST(CliTest, ExitCodeFollowsTheKindOfTheStatus) {
  std::ostringstream err;
  EXPECT_EQ(ExitCode(absl::OkStatus(), err), 0);
  EXPECT_EQ(ExitCode(UsageError("usage: gongkai backup DIR"), err), 2);
  EXPECT_EQ(ExitCode(absl::NotFoundError("cannot read x"), err), 2);
  EXPECT_EQ(ExitCode(Failed(), err), 1);
  EXPECT_EQ(err.str(), "gongkai: usage: gongkai backup DIR\ngongkai: cannot read x\n");

  std::ostringstream failed;
  EXPECT_EQ(ExitCode(Failed("job failed: out of memory"), failed), 1);
  EXPECT_EQ(failed.str(), "gongkai: job failed: out of memory\n");
}

TEST(CliTest, RefusalKeepsTheServersCodeAndPrintsItsFirstLine) {
  Args args;
  std::ostringstream out, log;
  auto cli = Cli::Connect(args, out, log);
  ASSERT_TRUE(cli.ok()) << cli.status();
  const absl::Status refused =
      (*cli)->Refused(grpc::Status(grpc::StatusCode::NOT_FOUND, "no report 330226104000\nmore"));
  EXPECT_EQ(refused.code(), absl::StatusCode::kNotFound);
  std::ostringstream err;
  EXPECT_EQ(ExitCode(refused, err), 1);
  EXPECT_EQ(err.str(), "gongkai: NOT_FOUND: no report 330226104000\n");
}

}  // namespace
}  // namespace gongkai::cli
