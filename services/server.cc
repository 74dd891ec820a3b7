#include "services/server.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "services/interceptor.h"

namespace gongkai {

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const Env* env, const std::string& listen) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  std::unique_ptr<Server> server(new Server(env));
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &server->port_);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> observers;
  observers.push_back(std::make_unique<ObservingInterceptorFactory>(env->metrics, env->logger));
  builder.experimental().SetInterceptorCreators(std::move(observers));
  builder.RegisterService(&server->report_service_);
  builder.RegisterService(&server->region_service_);
  builder.RegisterService(&server->rollup_service_);
  builder.RegisterService(&server->worker_service_);
  builder.RegisterService(&server->admin_service_);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen));
  }
  grpc::HealthCheckServiceInterface* health = server->server_->GetHealthCheckService();
  for (const char* name : {"gongkai.v1.ReportService", "gongkai.v1.RegionService",
                           "gongkai.v1.RollupService", "gongkai.v1.WorkerService",
                           "gongkai.v1.AdminService"}) {
    health->SetServingStatus(name, true);
  }
  return server;
}

std::shared_ptr<grpc::Channel> Server::InProcessChannel(const grpc::ChannelArguments& args) {
  return server_->InProcessChannel(args);
}

void Server::Shutdown(absl::Duration grace) {
  server_->GetHealthCheckService()->Shutdown();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
}

}  // namespace gongkai
