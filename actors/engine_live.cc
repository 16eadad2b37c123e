// The live engine: watching a tree, asynchronous queries, freshness.
#include "actors/engine_impl.h"

namespace aim::host {

absl::Status EngineImpl::Watch(const std::string& dir, int debounce_ms) {
  (void)dir;
  (void)debounce_ms;
  return absl::UnimplementedError("watching lands with the live engine (Step 4)");
}

void EngineImpl::StopWatching() {}

void EngineImpl::QueryAsync(
    QueryRequest request,
    std::function<void(absl::StatusOr<QueryResult>)> done) const {
  done(Query(request));
}

absl::Status EngineImpl::WaitFor(uint64_t lsn, int64_t timeout_ms) const {
  (void)timeout_ms;
  std::shared_lock lock(mu_);
  if (version_ >= lsn) return absl::OkStatus();
  return absl::DeadlineExceededError("version " + std::to_string(lsn) +
                                     " is not visible yet");
}

}  // namespace aim::host
