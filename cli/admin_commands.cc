// Administration and audit: backups, principals (tokens), and the audit trail of a region.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "cli/cli.h"
#include "common/time.h"
#include "export/text_width.h"
#include "google/protobuf/util/time_util.h"

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

std::vector<std::string> ListFlag(const Args& args, const std::string& name) {
  std::vector<std::string> out;
  for (absl::string_view item : absl::StrSplit(args.FlagOr(name, ""), ',', absl::SkipEmpty())) {
    out.emplace_back(absl::StripAsciiWhitespace(item));
  }
  return out;
}

}  // namespace

int Cli::Backup() {
  Need(1, "gongkai backup DIR   (a new directory on the server's filesystem)");
  auto stub = v1::AdminService::NewStub(channel_);
  v1::CreateBackupRequest request;
  request.set_directory(args_.positional[0]);
  v1::Backup backup;
  grpc::Status status = stub->CreateBackup(Context(absl::Minutes(30)).get(), request, &backup);
  if (!status.ok()) return Refused(status);
  out_ << "backed up to " << backup.directory() << " (change log at " << backup.sequence() << ")\n";
  return 0;
}

int Cli::Principal() {
  if (args_.positional.empty()) throw Problem{absl::StrCat("usage: ", kPrincipalUsage)};
  const std::string action = args_.positional[0];
  auto stub = v1::AdminService::NewStub(channel_);
  if (action == "create") {
    Need(2, kPrincipalUsage);
    v1::CreatePrincipalRequest request;
    v1::Principal* p = request.mutable_principal();
    p->set_name(args_.positional[1]);
    for (const std::string& role : ListFlag(args_, "roles")) {
      v1::Role value;
      if (!v1::Role_Parse("ROLE_" + absl::AsciiStrToUpper(role), &value) ||
          value == v1::ROLE_UNSPECIFIED) {
        throw Problem{
            absl::StrCat("--roles: \"", role, "\" is not one of submitter, reader, worker, admin")};
      }
      p->add_roles(value);
    }
    for (const std::string& code : ListFlag(args_, "regions")) p->add_region_codes(code);
    p->set_body(args_.FlagOr("body", ""));
    p->set_certificate_subject(args_.FlagOr("subject", ""));
    if (std::optional<std::string> limit = args_.Flag("rate_limit"); limit.has_value()) {
      double value = 0;
      if (!absl::SimpleAtod(*limit, &value)) {
        throw Problem{absl::StrCat("--rate_limit must be a number, not \"", *limit, "\"")};
      }
      p->set_rate_limit(value);
    }
    absl::Time expires = absl::InfiniteFuture();
    if (std::optional<std::string> text = args_.Flag("expires"); text.has_value()) {
      std::string error;
      if (!absl::ParseTime(absl::RFC3339_full, *text, &expires, &error)) {
        throw Problem{
            absl::StrCat("--expires must be RFC 3339 (2027-01-01T00:00:00+08:00): ", error)};
      }
    } else if (std::optional<std::string> ttl = args_.Flag("ttl"); ttl.has_value()) {
      absl::Duration duration;
      if (!absl::ParseDuration(*ttl, &duration) || duration <= absl::ZeroDuration()) {
        throw Problem{
            absl::StrCat("--ttl must be a positive duration such as 720h, not \"", *ttl, "\"")};
      }
      expires = absl::Now() + duration;
    }
    if (expires != absl::InfiniteFuture()) {
      *p->mutable_expire_time() = ToProtoTime(expires);
    }
    v1::CreatePrincipalResponse response;
    grpc::Status status = stub->CreatePrincipal(Context().get(), request, &response);
    if (!status.ok()) return Refused(status);
    // The token alone on stdout (TOKEN=$(gongkai principal create ...)); it is never shown
    // again.
    out_ << response.token() << "\n";
    err_ << "created principal " << response.principal().name()
         << "; keep the token: the server stores only its hash\n";
    return 0;
  }
  if (action == "list") {
    Need(1, kPrincipalUsage);
    const std::string output = OutputFlag("table", {"json", "table"});
    v1::ListPrincipalsResponse response;
    grpc::Status status = stub->ListPrincipals(Context().get(), {}, &response);
    if (!status.ok()) return Refused(status);
    for (const v1::Principal& p : response.principals()) {
      if (output == "json") {
        out_ << Json(p) << "\n";
        continue;
      }
      std::vector<std::string> roles;
      for (int role : p.roles()) roles.push_back(RoleText(role));
      std::string state = p.revoked() ? "revoked" : "active";
      if (!p.revoked() && p.has_expire_time()) {
        state =
            absl::StrCat(FromProtoTime(p.expire_time()) <= absl::Now() ? "expired " : "expires ",
                         TimeText(p.expire_time()));
      }
      out_ << exports::Pad(p.name(), 24) << exports::Pad(absl::StrJoin(roles, ","), 30)
           << exports::Pad(absl::StrJoin(p.region_codes(), ","), 28)
           << exports::Pad(p.body().empty() ? "*" : p.body(), 20) << state
           << (p.certificate_subject().empty() ? "" : "  subject " + p.certificate_subject())
           << "\n";
    }
    return 0;
  }
  if (action == "revoke") {
    Need(2, kPrincipalUsage);
    v1::RevokePrincipalRequest request;
    request.set_name(args_.positional[1]);
    v1::Principal revoked;
    grpc::Status status = stub->RevokePrincipal(Context().get(), request, &revoked);
    if (!status.ok()) return Refused(status);
    out_ << "revoked " << revoked.name() << " at " << TimeText(revoked.revoke_time()) << "\n";
    return 0;
  }
  throw Problem{absl::StrCat("usage: ", kPrincipalUsage)};
}

int Cli::History() {
  Need(2, "gongkai history REGION YEAR [--output table|json]");
  const std::string output = OutputFlag("table", {"json", "table"});
  const std::string region = args_.positional[0];
  // The region's own reports (its government's and its bodies'), each with every revision.
  v1::ListReportsRequest list;
  list.set_region_code(region);
  list.set_year(YearArg(1));
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
    const int refused = ForEachRevision(key, [&](const v1::Revision& revision) {
      out_ << (output == "json" ? Json(revision) : "  " + RevisionLine(revision)) << "\n";
    });
    if (refused != 0) return refused;
  }
  if (keys.empty() && output == "table") out_ << "no reports\n";
  return 0;
}

}  // namespace gongkai::cli
