// The live engine: watching a tree, asynchronous queries, freshness, and
// the graph owner's commit of parsed files.
#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "actors/engine_impl.h"
#include "recovery/store.h"

namespace aim::host {

namespace fs = std::filesystem;

LiveSystem& EngineImpl::Live() const {
  std::lock_guard lock(live_mu_);
  if (!live_) {
    LiveOptions o;
    o.parsers = options_.threads;
    o.readers = options_.threads;
    o.scheduler_threads = std::max(2, options_.threads);
    live_ = std::make_unique<LiveSystem>(const_cast<EngineImpl&>(*this), o);
  }
  return *live_;
}

absl::Status EngineImpl::Watch(const std::string& dir, int debounce_ms) {
  if (options_.read_only)
    return absl::FailedPreconditionError("the engine was opened read-only");
  if (debounce_ms < 0 || debounce_ms > 60000)
    return absl::InvalidArgumentError("debounce must be 0..60000 ms");
  LiveSystem& live = Live();
  if (live.watching()) return absl::FailedPreconditionError("already watching");
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return absl::NotFoundError(dir + ": not a directory");
  const std::string root = fs::weakly_canonical(dir, ec).string();
  std::vector<std::string> skip;
  if (!options_.db_dir.empty())
    skip.push_back(fs::weakly_canonical(options_.db_dir, ec).string());
  // The watcher starts first, so a change made while the tree is being
  // ingested is seen by one or the other (or both: hashes make that cheap).
  if (absl::Status s = live.StartWatching(root, debounce_ms, skip); !s.ok())
    return s;
  absl::StatusOr<IngestReport> r = Ingest(root, nullptr);
  if (!r.ok()) {
    live.StopWatching();
    return r.status();
  }
  PrepareForEdits();
  return absl::OkStatus();
}

void EngineImpl::StopWatching() {
  std::lock_guard lock(live_mu_);
  if (live_) live_->StopWatching();
}

void EngineImpl::QueryAsync(
    QueryRequest request,
    std::function<void(absl::StatusOr<QueryResult>)> done) const {
  Live().Query(std::move(request), std::move(done));
}

absl::Status EngineImpl::WaitFor(uint64_t lsn, int64_t timeout_ms) const {
  std::unique_lock lock(version_mu_);
  const bool ok = version_cv_.wait_for(
      lock, std::chrono::milliseconds(std::max<int64_t>(0, timeout_ms)),
      [&] { return published_version_.load(std::memory_order_acquire) >= lsn; });
  if (ok) return absl::OkStatus();
  return absl::DeadlineExceededError(absl::StrCat(
      "version ", lsn, " not visible after ", timeout_ms, " ms"));
}

void EngineImpl::NotifyVersion() {
  { std::lock_guard lock(version_mu_); }
  version_cv_.notify_all();
}

uint64_t EngineImpl::FileHash(const std::string& rel) const {
  return state_.Read()->graph->FileHash(rel);
}

std::vector<std::string> EngineImpl::FilesUnder(const std::string& dir) const {
  std::vector<std::string> out;
  const std::string prefix = dir.empty() ? "" : dir + "/";
  LeftRight<Replica>::ReadGuard state = state_.Read();
  for (auto& [p, h] : state->graph->Files())
    if (p.rfind(prefix, 0) == 0) out.push_back(p);
  return out;
}

absl::StatusOr<uint64_t> EngineImpl::CommitParsed(std::vector<ParsedFile> files) {
  std::lock_guard write_lock(write_mu_);
  if (absl::Status s = CheckWritable(); !s.ok()) return s;
  std::vector<recovery::Mutation> mutations;
  for (ParsedFile& f : files) {
    if (f.unchanged || f.skip) continue;
    mutations.emplace_back();
    if (f.removed) {
      if (FileHash(f.path) == 0) {
        mutations.pop_back();  // never held: nothing to withdraw
        continue;
      }
      mutations.back().removals.push_back(f.path);
    } else {
      mutations.back().upserts.push_back(std::move(f.input));
    }
  }
  if (mutations.empty()) return state_.front().version;
  return Commit(std::move(mutations));
}

}  // namespace aim::host
