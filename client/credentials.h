// The client side of docs/SECURITY.md, shared by the gongkai CLI and gongkai-worker: channel
// credentials (plaintext, or TLS with an optional client certificate) and the bearer token
// every call sends as "authorization: Bearer <token>".
#ifndef GONGKAI_CLIENT_CREDENTIALS_H_
#define GONGKAI_CLIENT_CREDENTIALS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"

namespace gongkai::client {

struct Security {
  // PEM file of the CA that signed the server's certificate; set (or a client certificate
  // set) means TLS.
  std::string ca_file;
  // Mutual TLS: the client certificate chain and key (PEM files).
  std::string cert_file;
  std::string key_file;
  // The bearer token ("gk1.<name>.<secret>"); empty: none.
  std::string token;
};

// Plaintext without ca_file/cert_file, else TLS. INVALID_ARGUMENT naming an unreadable file
// or a certificate without its key.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(
    const Security& security);

// The token in `path` (surrounding whitespace removed). INVALID_ARGUMENT when unreadable or
// empty.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// Adds the authorization metadata when a token is set.
void Authorize(const Security& security, grpc::ClientContext* context);

}  // namespace gongkai::client

#endif  // GONGKAI_CLIENT_CREDENTIALS_H_
