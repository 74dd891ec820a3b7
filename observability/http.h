// A small HTTP endpoint (cpp-httplib) serving /metrics on its own port and thread.
#ifndef GONGKAI_OBSERVABILITY_HTTP_H_
#define GONGKAI_OBSERVABILITY_HTTP_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace gongkai {

class MetricsEndpoint {
 public:
  // Serves GET /metrics with `render()` on `listen` ("host:port"; port 0 picks one).
  // UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& listen, std::function<std::string()> render);
  ~MetricsEndpoint();  // Stops serving.
  int port() const { return port_; }

 private:
  MetricsEndpoint() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace gongkai

#endif  // GONGKAI_OBSERVABILITY_HTTP_H_
