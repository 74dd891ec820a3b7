#include "client/credentials.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status_macros.h"

namespace gongkai::client {

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(
    const Security& security) {
  if (security.ca_file.empty() && security.cert_file.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions options;
  if (!security.ca_file.empty()) {
    GONGKAI_ASSIGN_OR_RETURN(std::string ca, ReadCredentialFile(security.ca_file, "--tls_ca"));
    options.pem_root_certs = ca;
  }
  if (!security.cert_file.empty() || !security.key_file.empty()) {
    if (security.cert_file.empty() || security.key_file.empty()) {
      return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
    }
    GONGKAI_ASSIGN_OR_RETURN(std::string cert,
                             ReadCredentialFile(security.cert_file, "--tls_cert"));
    GONGKAI_ASSIGN_OR_RETURN(std::string key, ReadCredentialFile(security.key_file, "--tls_key"));
    options.pem_cert_chain = cert;
    options.pem_private_key = key;
  }
  return grpc::SslCredentials(options);
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  GONGKAI_ASSIGN_OR_RETURN(std::string text, ReadCredentialFile(path, "--token_file"));
  std::string token(absl::StripAsciiWhitespace(text));
  if (token.empty()) return absl::InvalidArgumentError(absl::StrCat(path, " holds no token"));
  return token;
}

void Authorize(const Security& security, grpc::ClientContext* context) {
  if (!security.token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", security.token));
  }
}

}  // namespace gongkai::client
