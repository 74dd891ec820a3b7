#include "services/flags.h"

#include "common/status_macros.h"
#include "worker/flag_identity.h"

namespace gongkai {

void JoinDisposition(const v1::FlagDisposition* stored, v1::Anomaly* anomaly) {
  v1::FlagDisposition* disposition = anomaly->mutable_disposition();
  if (stored == nullptr) {
    disposition->set_flag_id(anomaly->id());
    disposition->set_state(v1::FLAG_STATE_OPEN);
    return;
  }
  *disposition = *stored;
  if (stored->fingerprint() != anomaly->fingerprint()) {
    disposition->set_state(v1::FLAG_STATE_OPEN);
    disposition->set_reopened(true);
  }
}

absl::StatusOr<const v1::FlagDisposition*> DispositionCache::Find(int year,
                                                                  const v1::Anomaly& anomaly) {
  const std::string prefix = worker::FlagIdPrefix(anomaly.key().region_code(), year);
  auto [it, added] = by_prefix_.try_emplace(prefix);
  if (added) {
    GONGKAI_ASSIGN_OR_RETURN(it->second, store_->ListDispositions(prefix));
  }
  auto found = it->second.find(anomaly.id());
  return found == it->second.end() ? nullptr : &found->second;
}

absl::Status DispositionCache::Join(int year, v1::Anomaly* anomaly) {
  GONGKAI_ASSIGN_OR_RETURN(const v1::FlagDisposition* stored, Find(year, *anomaly));
  JoinDisposition(stored, anomaly);
  return absl::OkStatus();
}

absl::StatusOr<v1::FlagState> DispositionCache::StateOf(int year, const v1::Anomaly& anomaly) {
  GONGKAI_ASSIGN_OR_RETURN(const v1::FlagDisposition* stored, Find(year, anomaly));
  if (stored == nullptr || stored->fingerprint() != anomaly.fingerprint()) {
    return v1::FLAG_STATE_OPEN;
  }
  return stored->state();
}

}  // namespace gongkai
