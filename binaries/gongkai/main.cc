// gongkai: the command-line client of gongkaid. Names, flags and exit codes are an interface
// that scripts and other agencies' tooling call: keep them stable.
//
// Exit codes: 0 success; 1 the server refused or failed the request (reason on stderr);
// 2 usage or input errors.
#include <iostream>
#include <set>
#include <string>

#include "cli/args.h"
#include "cli/commands.h"

namespace {

constexpr char kUsage[] = R"(usage: gongkai COMMAND [ARGS] [--server HOST:PORT]

  submit FILE [--mode strict|lenient] [--expected_revision N]
              [--region R] [--year Y] [--body B] [--scope own|summary]
              FILE: a report as JSON (strict by default) or a published report as text or
              HTML (lenient by default; --region needed, the year defaults to the text's)
  validate FILE [--mode strict|lenient] [--region R] [--year Y] [--body B] [--scope S]
  parse FILE [--output cells|json|table]      a published report, parsed locally
  import MANIFEST.csv [--mode strict|lenient] columns: file,region,year,body,scope
  get REGION YEAR [--body B] [--scope own|summary] [--revision N] [--output json|cells|table]
  list REGION YEAR [--output table|json]
  revisions REGION YEAR [--body B] [--scope own|summary] [--output table|json]
  changes [--from SEQUENCE] [--limit N]
  regions CODE [--output table|json]          the region and its children
  regions --search NAME [--output table|json]
  rollup REGION YEAR [--edition 2019|2021] [--output json|cells|table]
  anomalies REGION YEAR [--kind KIND] [--min_severity low|medium|high]
  children REGION YEAR                        each child's key figures and completeness
  recompute YEAR [--region R]                 a full recompute job; waits, exit 0 if no drift
  export report REGION YEAR [--body B] [--scope S] [--revision N] --format F [--out FILE]
  export rollup REGION YEAR [--edition E] --format F [--out FILE]
                                              F: cells|csv|table|json|xlsx (xlsx needs --out)

  health [--service NAME]                     exit 0 when the server is SERVING
  backup DIR                                  a consistent copy of the store into DIR (on the
                                              server's filesystem; DIR must not exist)
  history REGION YEAR [--output table|json]   the audit trail: every revision of the region's
                                              own reports, with principal, time and peer
  principal create NAME --roles R[,R] --regions CODE[,CODE] [--body B]
            [--expires RFC3339 | --ttl 720h] [--subject CERT_SUBJECT] [--rate_limit N]
                                              prints the new token (shown only this once)
  principal list [--output table|json]
  principal revoke NAME
                                              roles: submitter, reader, worker, admin

--server defaults to $GONGKAI_SERVER, else 127.0.0.1:50051.
Credentials: --token T, --token_file FILE, else $GONGKAI_TOKEN. TLS: --tls_ca CA.pem (and for
mutual TLS --tls_cert CERT.pem --tls_key KEY.pem).
Flags take `--flag value` or `--flag=value`.
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "help" || std::string(argv[1]) == "--help") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  const std::set<std::string> known = {"server",   "mode",       "expected_revision",
                                       "region",   "year",       "body",
                                       "scope",    "revision",   "output",
                                       "from",     "limit",      "search",
                                       "edition",  "kind",       "min_severity",
                                       "format",   "out",        "service",
                                       "token",    "token_file", "tls_ca",
                                       "tls_cert", "tls_key",    "roles",
                                       "regions",  "subject",    "expires",
                                       "ttl",      "rate_limit"};
  auto args = gongkai::cli::ParseArgs(argc, argv, 2, known);
  if (!args.ok()) {
    std::cerr << "gongkai: " << args.status().message() << "\n";
    return 2;
  }
  return gongkai::cli::RunCommand(command, *args, std::cout, std::cerr);
}
