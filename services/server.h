// Assembles the gRPC server: our services, health checking and reflection.
#ifndef GONGKAI_SERVICES_SERVER_H_
#define GONGKAI_SERVICES_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/server.h"
#include "services/env.h"
#include "services/grpc_services.h"

namespace gongkai {

// A running server. Thread-safe to Shutdown from any thread.
class Server {
 public:
  // Starts serving on `listen` ("host:port"; port 0 picks a free one). Returns UNAVAILABLE
  // when the address cannot be bound. `env` must outlive the server.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const Env* env, const std::string& listen);

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
        region_service_(env),
        rollup_service_(env),
        worker_service_(env),
        admin_service_(env) {}
  ReportServiceImpl report_service_;
  RegionServiceImpl region_service_;
  RollupServiceImpl rollup_service_;
  WorkerServiceImpl worker_service_;
  AdminServiceImpl admin_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_SERVER_H_
