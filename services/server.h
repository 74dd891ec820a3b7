// Assembles the gRPC server: our services, health checking and reflection.
#ifndef GONGKAI_SERVICES_SERVER_H_
#define GONGKAI_SERVICES_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "services/env.h"
#include "services/grpc_services.h"

namespace gongkai {

struct ServerOptions {
  // "host:port"; port 0 picks a free one.
  std::string listen = "127.0.0.1:0";
  // TLS (see TlsCredentials) or, when null, plaintext.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // The largest request accepted (RESOURCE_EXHAUSTED beyond it).
  int max_receive_message_bytes = 4 << 20;
  // Bounds against clients that hold resources without using them (docs/SECURITY.md): each
  // call in progress holds a thread, so threads are capped (a call beyond the cap is refused
  // with RESOURCE_EXHAUSTED); one connection opens at most max_concurrent_streams calls at once;
  // a connection must finish its handshake (HTTP/2 preface, TLS) within handshake_timeout, and
  // is closed after max_connection_idle without calls.
  int max_threads = 256;
  int max_concurrent_streams = 100;
  // Threads kept waiting for the next call, at least 1 and at most max_threads are used
  // (gRPC's synchronous server calls them pollers, its MAX_POLLERS): a thread that finishes a
  // call while this many wait ends, and the thread that takes a call starts another when none
  // is left waiting. gRPC's default, 2, starts and ends a thread for most calls once more than
  // two are in progress at a time (bench/notes.md, issue 13 step 17).
  int waiting_threads = 32;
  absl::Duration handshake_timeout = absl::Seconds(10);
  absl::Duration max_connection_idle = absl::Minutes(5);
  // Access log lines of failed calls, at most this many a second for each method and code
  // (the rest are counted in the next line's `left_out`); 0: every one.
  int failed_call_log_lines_per_second = 10;
};

// Server credentials for TLS from PEM files: the certificate chain and key, and optionally
// the CA that client certificates must be signed by (mutual TLS: clients may then present a
// certificate, which is verified, instead of a token). INVALID_ARGUMENT naming an unreadable
// file.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsCredentials(
    const std::string& cert_file, const std::string& key_file, const std::string& client_ca_file);

// A running server. Thread-safe to Shutdown from any thread.
class Server {
 public:
  // Starts serving. Returns UNAVAILABLE when the address cannot be bound. `env` must outlive
  // the server.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const Env* env, ServerOptions options);

  // The port actually bound.
  int port() const { return port_; }
  // A channel to this server that does not go through the network (the in-process worker).
  std::shared_ptr<grpc::Channel> InProcessChannel(const grpc::ChannelArguments& args);
  // Stops accepting calls, waits for in-flight calls (at most `grace`), then returns.
  void Shutdown(absl::Duration grace = absl::Seconds(10));
  void Wait() { server_->Wait(); }

 private:
  explicit Server(const Env* env)
      : report_service_(env),
        review_service_(env),
        region_service_(env),
        rollup_service_(env),
        worker_service_(env),
        admin_service_(env) {}
  ReportServiceImpl report_service_;
  ReviewServiceImpl review_service_;
  RegionServiceImpl region_service_;
  RollupServiceImpl rollup_service_;
  WorkerServiceImpl worker_service_;
  AdminServiceImpl admin_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_SERVER_H_
