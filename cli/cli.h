// The CLI's shared context: the connection, argument helpers and output helpers that every
// command uses. Commands live in commands.cc (reports, regions) and rollup_commands.cc.
#ifndef GONGKAI_CLI_CLI_H_
#define GONGKAI_CLI_CLI_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cli/args.h"
#include "cli/report_file.h"
#include "client/credentials.h"
#include "gongkai/v1/admin_service.grpc.pb.h"
#include "gongkai/v1/region_service.grpc.pb.h"
#include "gongkai/v1/report_service.grpc.pb.h"
#include "gongkai/v1/rollup_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace gongkai::cli {

inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;
inline constexpr absl::Duration kDeadline = absl::Seconds(60);

// A local problem (usage or input): message for stderr, exit code 2. This is the one place
// the project throws: argument helpers deep inside a command throw it and RunCommand turns it
// into the exit code, which keeps every command a straight line. It never crosses a library
// boundary; everything below the CLI speaks absl::Status.
struct Problem {
  std::string message;
};

std::string ScopeName(v1::Scope scope);
std::string TimeText(const google::protobuf::Timestamp& time);
std::string KeyText(const v1::ReportKey& key);

class Cli {
 public:
  Cli(const Args& args, std::ostream& out, std::ostream& err);

  int Run(const std::string& command);

 private:
  // commands.cc
  int Submit();
  int Validate();
  int Get();
  int List();
  int Revisions();
  int Changes();
  int Regions();
  int Health();
  // admin_commands.cc
  int Backup();
  int Principal();
  int History();
  // rollup_commands.cc
  int Rollup();
  int Anomalies();
  int Children();
  int Recompute();
  int Export();
  // import_commands.cc
  int Parse();
  int Import();

  // A context with the deadline and the credentials (--token, --token_file, $GONGKAI_TOKEN).
  std::unique_ptr<grpc::ClientContext> Context(absl::Duration deadline = kDeadline) const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    client::Authorize(security_, context.get());
    return context;
  }
  // Prints the server's refusal (and a rejected report's violations); returns 1.
  int Refused(const grpc::Status& status);
  void Need(size_t positional, const char* what) const {
    if (args_.positional.size() != positional) throw Problem{absl::StrCat("usage: ", what)};
  }
  int64_t IntFlag(const std::string& name, int64_t fallback) const;
  int YearArg(size_t index) const;
  v1::Scope ScopeFlag() const;
  // --mode; the default is lenient for published reports, strict for JSON.
  v1::ValidationMode ModeFlag(bool published = false) const;
  std::string OutputFlag(const std::string& fallback,
                         std::initializer_list<const char*> allowed) const;
  v1::ReportKey KeyFromPositionals() const;
  // The report in FILE with the key flags applied; parse diagnostics go to stderr.
  ReportFile ReadReport(const std::string& path) const;
  std::string Json(const google::protobuf::Message& message) const;

  // Calls `visit` with every revision of the report, oldest first; returns 0, or Refused().
  int ForEachRevision(const v1::ReportKey& key,
                      const std::function<void(const v1::Revision&)>& visit);
  // One line describing a revision: number, time, principal, peer, change, flags.
  std::string RevisionLine(const v1::Revision& revision) const;

  const Args& args_;
  std::ostream& out_;
  std::ostream& err_;
  client::Security security_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::RegionService::Stub> regions_;
  std::unique_ptr<v1::RollupService::Stub> rollups_;
};

}  // namespace gongkai::cli

#endif  // GONGKAI_CLI_CLI_H_
