// Administration and audit: health, backups, principals (tokens), and the audit trail of a
// region.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "cli/cli.h"
#include "cli/outcome.h"
#include "common/status_macros.h"
#include "common/time.h"
#include "export/text_width.h"
#include "google/protobuf/util/time_util.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace gongkai::cli {
namespace {

constexpr char kPrincipalUsage[] =
    "gongkai principal create NAME --roles R[,R...] --regions CODE[,CODE...] [--body B] "
    "[--expires RFC3339|--ttl DURATION] [--subject CERT_SUBJECT] [--rate_limit N]\n"
    "       gongkai principal list [--output table|json]\n"
    "       gongkai principal revoke NAME";

std::string RoleText(int role) {
  std::string name = v1::Role_Name(static_cast<v1::Role>(role));
  return absl::AsciiStrToLower(absl::string_view(name).substr(5));  // drop "ROLE_"
}

absl::Status PrincipalUsage() { return UsageError(absl::StrCat("usage: ", kPrincipalUsage)); }

std::vector<std::string> ListFlag(const Args& args, const std::string& name) {
  std::vector<std::string> out;
  for (absl::string_view item : absl::StrSplit(args.FlagOr(name, ""), ',', absl::SkipEmpty())) {
    out.emplace_back(absl::StripAsciiWhitespace(item));
  }
  return out;
}

// --roles: the roles named, each one of submitter, reader, reviewer, worker, admin.
absl::StatusOr<std::vector<v1::Role>> RolesFlag(const Args& args) {
  std::vector<v1::Role> roles;
  for (const std::string& role : ListFlag(args, "roles")) {
    v1::Role value;
    if (!v1::Role_Parse("ROLE_" + absl::AsciiStrToUpper(role), &value) ||
        value == v1::ROLE_UNSPECIFIED) {
      return UsageError(absl::StrCat(
          "--roles: \"", role, "\" is not one of submitter, reader, reviewer, worker, admin"));
    }
    roles.push_back(value);
  }
  return roles;
}

// --expires (RFC 3339) or else --ttl (from now); the infinite future without either.
absl::StatusOr<absl::Time> ExpiryFlag(const Args& args) {
  absl::Time expires = absl::InfiniteFuture();
  if (std::optional<std::string> text = args.Flag("expires"); text.has_value()) {
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, *text, &expires, &error)) {
      return UsageError(
          absl::StrCat("--expires must be RFC 3339 (2027-01-01T00:00:00+08:00): ", error));
    }
  } else if (std::optional<std::string> ttl = args.Flag("ttl"); ttl.has_value()) {
    absl::Duration duration;
    if (!absl::ParseDuration(*ttl, &duration) || duration <= absl::ZeroDuration()) {
      return UsageError(
          absl::StrCat("--ttl must be a positive duration such as 720h, not \"", *ttl, "\""));
    }
    expires = absl::Now() + duration;
  }
  return expires;
}

// The principal that `principal create NAME` describes with its flags.
absl::StatusOr<v1::Principal> PrincipalFromFlags(const Args& args) {
  v1::Principal p;
  p.set_name(args.positional[1]);
  GONGKAI_ASSIGN_OR_RETURN(const std::vector<v1::Role> roles, RolesFlag(args));
  for (v1::Role role : roles) p.add_roles(role);
  for (const std::string& code : ListFlag(args, "regions")) p.add_region_codes(code);
  p.set_body(args.FlagOr("body", ""));
  p.set_certificate_subject(args.FlagOr("subject", ""));
  if (std::optional<std::string> limit = args.Flag("rate_limit"); limit.has_value()) {
    double value = 0;
    if (!absl::SimpleAtod(*limit, &value)) {
      return UsageError(absl::StrCat("--rate_limit must be a number, not \"", *limit, "\""));
    }
    p.set_rate_limit(value);
  }
  GONGKAI_ASSIGN_OR_RETURN(const absl::Time expires, ExpiryFlag(args));
  if (expires != absl::InfiniteFuture()) *p.mutable_expire_time() = ToProtoTime(expires);
  return p;
}

// One line of `principal list`: name, roles, regions, body, state and certificate subject.
std::string PrincipalLine(const v1::Principal& p) {
  std::vector<std::string> roles;
  for (int role : p.roles()) roles.push_back(RoleText(role));
  std::string state = p.revoked() ? "revoked" : "active";
  if (!p.revoked() && p.has_expire_time()) {
    state = absl::StrCat(FromProtoTime(p.expire_time()) <= absl::Now() ? "expired " : "expires ",
                         TimeText(p.expire_time()));
  }
  return absl::StrCat(
      exports::Pad(p.name(), 24), exports::Pad(absl::StrJoin(roles, ","), 30),
      exports::Pad(absl::StrJoin(p.region_codes(), ","), 28),
      exports::Pad(p.body().empty() ? "*" : p.body(), 20), state,
      p.certificate_subject().empty() ? "" : "  subject " + p.certificate_subject());
}

}  // namespace

absl::Status Cli::Health() {
  GONGKAI_RETURN_IF_ERROR(Need(0, "gongkai health [--service NAME]"));
  auto stub = grpc::health::v1::Health::NewStub(channel_);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(args_.FlagOr("service", ""));
  grpc::health::v1::HealthCheckResponse response;
  auto context = Context();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  grpc::Status status = stub->Check(context.get(), request, &response);
  if (!status.ok()) return Refused(status);
  out_ << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status()) << "\n";
  // Any status but SERVING is a failed outcome; the line above has said which.
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? absl::OkStatus()
                                                                             : Failed();
}

absl::Status Cli::Backup() {
  GONGKAI_RETURN_IF_ERROR(
      Need(1, "gongkai backup DIR   (a new directory on the server's filesystem)"));
  auto stub = v1::AdminService::NewStub(channel_);
  v1::CreateBackupRequest request;
  request.set_directory(args_.positional[0]);
  v1::Backup backup;
  grpc::Status status = stub->CreateBackup(Context(absl::Minutes(30)).get(), request, &backup);
  if (!status.ok()) return Refused(status);
  out_ << "backed up to " << backup.directory() << " (change log at " << backup.sequence() << ")\n";
  return absl::OkStatus();
}

absl::Status Cli::Principal() {
  if (args_.positional.empty()) return PrincipalUsage();
  const std::string& action = args_.positional[0];
  if (action == "create") return PrincipalCreate();
  if (action == "list") return PrincipalList();
  if (action == "revoke") return PrincipalRevoke();
  return PrincipalUsage();
}

absl::Status Cli::PrincipalCreate() {
  GONGKAI_RETURN_IF_ERROR(Need(2, kPrincipalUsage));
  v1::CreatePrincipalRequest request;
  GONGKAI_ASSIGN_OR_RETURN(*request.mutable_principal(), PrincipalFromFlags(args_));
  auto stub = v1::AdminService::NewStub(channel_);
  v1::CreatePrincipalResponse response;
  grpc::Status status = stub->CreatePrincipal(Context().get(), request, &response);
  if (!status.ok()) return Refused(status);
  // The token alone on stdout (TOKEN=$(gongkai principal create ...)); it is never shown
  // again.
  out_ << response.token() << "\n";
  err_ << "created principal " << response.principal().name()
       << "; keep the token: the server stores only its hash\n";
  return absl::OkStatus();
}

absl::Status Cli::PrincipalList() {
  GONGKAI_RETURN_IF_ERROR(Need(1, kPrincipalUsage));
  GONGKAI_ASSIGN_OR_RETURN(const std::string output, OutputFlag("table", {"json", "table"}));
  auto stub = v1::AdminService::NewStub(channel_);
  v1::ListPrincipalsResponse response;
  grpc::Status status = stub->ListPrincipals(Context().get(), {}, &response);
  if (!status.ok()) return Refused(status);
  for (const v1::Principal& p : response.principals()) {
    out_ << (output == "json" ? Json(p) : PrincipalLine(p)) << "\n";
  }
  return absl::OkStatus();
}

absl::Status Cli::PrincipalRevoke() {
  GONGKAI_RETURN_IF_ERROR(Need(2, kPrincipalUsage));
  auto stub = v1::AdminService::NewStub(channel_);
  v1::RevokePrincipalRequest request;
  request.set_name(args_.positional[1]);
  v1::Principal revoked;
  grpc::Status status = stub->RevokePrincipal(Context().get(), request, &revoked);
  if (!status.ok()) return Refused(status);
  out_ << "revoked " << revoked.name() << " at " << TimeText(revoked.revoke_time()) << "\n";
  return absl::OkStatus();
}

absl::Status Cli::History() {
  GONGKAI_RETURN_IF_ERROR(Need(2, "gongkai history REGION YEAR [--output table|json]"));
  GONGKAI_ASSIGN_OR_RETURN(const std::string output, OutputFlag("table", {"json", "table"}));
  const std::string region = args_.positional[0];
  // The region's own reports (its government's and its bodies'), each with every revision.
  v1::ListReportsRequest list;
  list.set_region_code(region);
  GONGKAI_ASSIGN_OR_RETURN(const int year, YearArg(1));
  list.set_year(year);
  list.set_page_size(1000);
  list.set_view(v1::REPORT_VIEW_BASIC);
  std::vector<v1::ReportKey> keys;
  do {
    v1::ListReportsResponse response;
    grpc::Status status = reports_->ListReports(Context().get(), list, &response);
    if (!status.ok()) return Refused(status);
    for (const v1::Revision& head : response.reports()) {
      if (head.key().region_code() == region) keys.push_back(head.key());
    }
    list.set_page_token(response.next_page_token());
  } while (!list.page_token().empty());
  for (const v1::ReportKey& key : keys) {
    if (output == "table") out_ << KeyText(key) << "\n";
    GONGKAI_RETURN_IF_ERROR(ForEachRevision(key, [&](const v1::Revision& revision) {
      out_ << (output == "json" ? Json(revision) : "  " + RevisionLine(revision)) << "\n";
    }));
  }
  if (keys.empty() && output == "table") out_ << "no reports\n";
  return absl::OkStatus();
}

}  // namespace gongkai::cli
