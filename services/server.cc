#include "services/server.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "openssl/bio.h"
#include "openssl/err.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "services/interceptor.h"

namespace gongkai {

namespace {

// INVALID_ARGUMENT unless `cert` is a PEM certificate and `key` the PEM private key of it.
absl::Status CheckKeyPair(const std::string& cert, const std::string& key) {
  BIO* cert_bio = BIO_new_mem_buf(cert.data(), static_cast<int>(cert.size()));
  X509* x509 = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new_mem_buf(key.data(), static_cast<int>(key.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(key_bio);
  absl::Status status;
  if (x509 == nullptr) {
    status = absl::InvalidArgumentError("--tls_cert: not a PEM certificate");
  } else if (pkey == nullptr) {
    status = absl::InvalidArgumentError("--tls_key: not a PEM private key (or it is encrypted)");
  } else if (X509_check_private_key(x509, pkey) != 1) {
    status = absl::InvalidArgumentError("--tls_key is not the key of --tls_cert");
  }
  X509_free(x509);
  EVP_PKEY_free(pkey);
  ERR_clear_error();
  return status;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsCredentials(
    const std::string& cert_file, const std::string& key_file, const std::string& client_ca_file) {
  GONGKAI_ASSIGN_OR_RETURN(std::string cert, ReadCredentialFile(cert_file, "--tls_cert"));
  GONGKAI_ASSIGN_OR_RETURN(std::string key, ReadCredentialFile(key_file, "--tls_key"));
  // gRPC would only fail later, as "cannot listen": say what is wrong with the files.
  GONGKAI_RETURN_IF_ERROR(CheckKeyPair(cert, key));
  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_key_cert_pairs.push_back({key, cert});
  if (!client_ca_file.empty()) {
    GONGKAI_ASSIGN_OR_RETURN(options.pem_root_certs,
                             ReadCredentialFile(client_ca_file, "--tls_client_ca"));
    // A certificate is optional (token holders connect without one) but verified when sent.
    options.client_certificate_request = GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const Env* env, ServerOptions options) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  std::unique_ptr<Server> server(new Server(env));
  grpc::ServerBuilder builder;
  builder.AddListeningPort(
      options.listen,
      options.credentials != nullptr ? options.credentials : grpc::InsecureServerCredentials(),
      &server->port_);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  // A port taken by another process (a second gongkaid on another data directory) must fail
  // the start-up, not split the calls between two stores: no SO_REUSEPORT.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  grpc::ResourceQuota quota("gongkaid");
  quota.SetMaxThreads(options.max_threads);
  builder.SetResourceQuota(quota);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              std::clamp(options.waiting_threads, 1, options.max_threads));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options.max_concurrent_streams);
  builder.AddChannelArgument(
      GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.handshake_timeout)));
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONNECTION_IDLE_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.max_connection_idle)));
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> observers;
  observers.push_back(std::make_unique<ObservingInterceptorFactory>(
      env->metrics, env->logger, env->clock, options.failed_call_log_lines_per_second));
  builder.experimental().SetInterceptorCreators(std::move(observers));
  builder.RegisterService(&server->report_service_);
  builder.RegisterService(&server->review_service_);
  builder.RegisterService(&server->region_service_);
  builder.RegisterService(&server->rollup_service_);
  builder.RegisterService(&server->worker_service_);
  builder.RegisterService(&server->admin_service_);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen));
  }
  grpc::HealthCheckServiceInterface* health = server->server_->GetHealthCheckService();
  // Each registered service by the name its descriptor gives (what grpc.health.v1 clients
  // ask for).
  for (const char* name :
       {v1::ReportService::service_full_name(), v1::ReviewService::service_full_name(),
        v1::RegionService::service_full_name(), v1::RollupService::service_full_name(),
        v1::WorkerService::service_full_name(), v1::AdminService::service_full_name()}) {
    health->SetServingStatus(name, true);
  }
  return server;
}

std::shared_ptr<grpc::Channel> Server::InProcessChannel(const grpc::ChannelArguments& args) {
  return server_->InProcessChannel(args);
}

void Server::Shutdown(absl::Duration grace) {
  server_->GetHealthCheckService()->Shutdown();
  report_service_.EndStreams();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
}

}  // namespace gongkai
