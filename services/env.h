// The environment the services run in, built once in main (or a test) and passed explicitly:
// no singletons, and the clock is injectable so tests control time.
#ifndef GONGKAI_SERVICES_ENV_H_
#define GONGKAI_SERVICES_ENV_H_

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "storage/store.h"

namespace gongkai {

struct Env {
  storage::Store* store = nullptr;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// Who is calling, as the edge saw it.
struct RequestContext {
  std::string principal = "anonymous";
  std::string peer;
};

// Reporting years follow China Standard Time (UTC+8).
int CurrentYear(const Env& env);

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_ENV_H_
