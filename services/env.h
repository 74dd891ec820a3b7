// The environment the services run in, built once in main (or a test) and passed explicitly:
// no singletons, and the clock is injectable so tests control time.
#ifndef GONGKAI_SERVICES_ENV_H_
#define GONGKAI_SERVICES_ENV_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/constants.h"
#include "observability/log.h"
#include "observability/metrics.h"
#include "services/authenticator.h"
#include "services/limiter.h"
#include "storage/store.h"
#include "worker/settings.h"

namespace gongkai {

struct Env {
  storage::Store* store = nullptr;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // Optional: where RPCs, submissions and jobs are counted, and where access logs go.
  Metrics* metrics = nullptr;
  Logger* logger = nullptr;
  // Credentials and rate limits; null: every call is Caller::Open() (tests of other parts).
  Authenticator* auth = nullptr;
  // Bounds how many ParseReport calls run at once; null: no bound (tests of other parts).
  Limiter* parse_limiter = nullptr;
  // WatchChanges streams at once (each holds a server thread while it waits); null: no bound.
  Limiter* watch_limiter = nullptr;
  // Restated rollups computed at once (each holds its subtree's reports' cells while it
  // runs); null: no bound.
  Limiter* restate_limiter = nullptr;
  // Deadlines and thresholds of the worker's arithmetic, for what the services compute on
  // demand (restated rollups); null: the defaults.
  const worker::Settings* worker_settings = nullptr;
};

// Who is calling, as the edge saw it.
struct RequestContext {
  Caller caller = Caller::Open();
  std::string peer;
  // The caller's deadline: a write that has not started by then is not made (the caller has
  // already been told DEADLINE_EXCEEDED and will retry; submissions are idempotent).
  absl::Time deadline = absl::InfiniteFuture();
};

// Reporting years follow China Standard Time (UTC+8).
int CurrentYear(const Env& env);

// The newest tree: the current reporting year's (for what has no year of its own: scopes of
// principals, nation-wide checks).
std::shared_ptr<const registry::YearTree> NewestTree(const Env& env);

// INVALID_ARGUMENT (naming `field_path`) unless 2019 <= year <= CurrentYear(env): the years
// reports exist for. Every RPC that takes a year checks it at the edge.
absl::Status CheckReportingYear(const Env& env, int year, absl::string_view field_path);

// INVALID_ARGUMENT (naming key.region_code, key.year or key.scope) unless the key names a
// region, a reporting year and a known scope.
absl::Status CheckReportKey(const Env& env, const v1::ReportKey& key);
// The key with an unset scope read as SCOPE_OWN (how every key is stored).
v1::ReportKey NormalizedKey(v1::ReportKey key);

}  // namespace gongkai

#endif  // GONGKAI_SERVICES_ENV_H_
