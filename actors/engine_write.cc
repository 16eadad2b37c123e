// Mutations: file updates from a host, the WAL, background checkpoints.
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "actors/engine_impl.h"
#include "actors/workspace.h"
#include "aim/extract.h"
#include "engine/graph/layout.h"
#include "recovery/store.h"

namespace aim::host {

namespace fs = std::filesystem;

absl::Status EngineImpl::CheckWritable() const {
  if (options_.read_only)
    return absl::FailedPreconditionError("the engine was opened read-only");
  if (store_) return store_->health();
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> EngineImpl::Commit(
    std::vector<recovery::Mutation> mutations) {
  uint64_t lsn;
  if (store_) {
    absl::StatusOr<uint64_t> logged = store_->Append(mutations);
    if (!logged.ok()) return logged.status();
    lsn = *logged;
  } else {
    std::shared_lock lock(mu_);
    lsn = version_ + mutations.size();
  }
  {
    std::unique_lock lock(mu_);
    graph_->BeginBatch();
    for (recovery::Mutation& m : mutations)
      recovery::ApplyMutation(std::move(m), *graph_, &root_);
    graph_->EndBatch();
    version_ = lsn;
    // The search index follows the change (O(slots), not a rebuild).
    std::lock_guard index_lock(index_mu_);
    if (index_) index_->Sync(*graph_);
  }
  NotifyVersion();
  MaybeCompact();
  return lsn;
}

void EngineImpl::MaybeCompact() {
  if (!store_ || options_.checkpoint_wal_bytes == 0) return;
  const wal::LogStats st = store_->log_stats();
  if (st.live_bytes < options_.checkpoint_wal_bytes) return;
  if (compacting_.exchange(true)) return;  // one at a time
  std::lock_guard lock(compact_mu_);
  if (compactor_.joinable()) compactor_.join();  // finished: it cleared the flag
  compactor_ = std::thread([this] {
    absl::StatusOr<uint64_t> lsn = store_->Compact();
    {
      std::lock_guard error_lock(error_mu_);
      checkpoint_error_ = lsn.ok() ? "" : std::string(lsn.status().message());
    }
    compacting_ = false;
  });
}

void EngineImpl::JoinCompactor() {
  std::lock_guard lock(compact_mu_);
  if (compactor_.joinable()) compactor_.join();
}

absl::StatusOr<uint64_t> EngineImpl::Checkpoint() {
  if (options_.read_only)
    return absl::FailedPreconditionError("the engine was opened read-only");
  if (!store_)
    return absl::FailedPreconditionError("an in-memory engine has no database");
  JoinCompactor();
  return store_->Compact();
}

absl::StatusOr<std::string> EngineImpl::RelativePath(const std::string& path) const {
  std::string root;
  {
    std::shared_lock lock(mu_);
    root = root_;
  }
  fs::path p(path);
  if (p.is_relative()) {
    std::string rel = p.lexically_normal().generic_string();
    if (rel.empty() || rel == "." || rel.rfind("..", 0) == 0)
      return absl::InvalidArgumentError(path + ": not a file inside the workspace");
    return rel;
  }
  if (root.empty())
    return absl::FailedPreconditionError(
        path + ": an absolute path needs a workspace root (ingest a tree first)");
  fs::path rel = p.lexically_normal().lexically_relative(root);
  std::string s = rel.generic_string();
  if (s.empty() || s == "." || s.rfind("..", 0) == 0)
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": outside the workspace ", root));
  return s;
}

absl::StatusOr<uint64_t> EngineImpl::UpdateFile(const std::string& path,
                                                std::string_view bytes) {
  if (absl::Status s = CheckWritable(); !s.ok()) return s;
  absl::StatusOr<std::string> rel = RelativePath(path);
  if (!rel.ok()) return rel.status();
  const uint64_t hash = ContentHash(bytes);
  if (FileHash(*rel) == hash) {
    std::shared_lock lock(mu_);
    return version_;  // nothing changed
  }
  std::string root;
  {
    std::shared_lock lock(mu_);
    root = root_;
  }
  ParsedFile f;
  f.path = *rel;
  if (root.empty()) {
    // No workspace on disk: the host's files form one crate, "crate".
    graph::FilePlace place = graph::PlaceFile(*rel, "crate");
    f.input.path = *rel;
    f.input.crate = place.crate;
    f.input.module = place.module;
  } else {
    f.input = PlaceOneFile(root, *rel);
  }
  f.input.facts = ExtractFacts(f.input.path, bytes);
  for (const Diagnostic& d : f.input.facts.errors)
    if (d.message == "invalid UTF-8")
      return absl::InvalidArgumentError(absl::StrCat(
          *rel, ":", d.line, ":", d.col, ": not UTF-8; the file was not changed"));
  return Write({std::move(f)});
}

absl::StatusOr<uint64_t> EngineImpl::RemoveFile(const std::string& path) {
  if (absl::Status s = CheckWritable(); !s.ok()) return s;
  absl::StatusOr<std::string> rel = RelativePath(path);
  if (!rel.ok()) return rel.status();
  if (FileHash(*rel) == 0)
    return absl::NotFoundError(*rel + ": the engine holds no such file");
  ParsedFile f;
  f.path = *rel;
  f.removed = true;
  return Write({std::move(f)});
}

absl::StatusOr<uint64_t> EngineImpl::Write(std::vector<ParsedFile> files) {
  {
    std::lock_guard lock(live_mu_);
    if (live_) return live_->Apply(std::move(files));  // the graph owner
  }
  return CommitParsed(std::move(files));
}

}  // namespace aim::host
