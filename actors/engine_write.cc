// Mutations: file updates from a host, the WAL, background checkpoints.
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

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

void EngineImpl::WaitSide() {
  if (side_) side_->Wait();
}

void EngineImpl::PrepareForEdits() {
  std::lock_guard write_lock(write_mu_);
  WaitSide();
  if (!side_) side_ = std::make_unique<SideThread>();
  // The published copy stays published until the next change, which waits
  // for the side thread first; queries meanwhile wait on index_mu (as
  // they would while building it themselves).
  side_->Start([this] {
    if (options_.search_index) state_.front().EnsureIndex();
    // The second copy (with a copy of the index). Should this fail, the
    // first change tries again and reports it.
    (void)EnsureBack();
  });
}

absl::StatusOr<uint64_t> EngineImpl::Commit(
    std::vector<recovery::Mutation> mutations) {
  WaitSide();  // the last commit's catch-up
  if (absl::Status s = EnsureBack(); !s.ok()) return s;
  if (!side_) side_ = std::make_unique<SideThread>();
  // The unpublished copy gets the change while the log encodes and syncs
  // it: both only read the mutations, which then become the other copy's
  // catch-up.
  auto work = [this, &mutations] {
    CatchUp();
    const auto t = std::chrono::steady_clock::now();
    ApplyTo(*state_.back(), mutations, /*before_publish=*/true);
    apply_us_.fetch_add(MicrosSince(t), std::memory_order_relaxed);
  };
  uint64_t lsn;
  if (store_) {
    absl::StatusOr<uint64_t> logged;
    if (options_.durability != Durability::kNone) {
      side_->Start(work);
      logged = store_->Append(mutations);
      side_->Wait();
    } else {
      logged = store_->Append(mutations);  // no sync to hide work behind
      if (logged.ok()) work();
    }
    if (!logged.ok()) {
      // The unpublished copy may hold a change the log refused: drop it
      // (once the readers of the old version have left it; writes are
      // refused from now on anyway).
      state_.WaitForReaders();
      state_.set_back(nullptr);
      catchup_.clear();
      catchup_pending_ = false;
      return logged.status();
    }
    lsn = *logged;
  } else {
    lsn = state_.front().version + mutations.size();
    work();
  }
  state_.back()->version = lsn;
  state_.Publish();
  published_version_.store(lsn, std::memory_order_release);
  NotifyVersion();
  commits_.fetch_add(1, std::memory_order_relaxed);
  catchup_ = std::move(mutations);
  catchup_pending_ = true;
  // The other copy catches up in the background (after the grace period);
  // the next change to the copies waits for it.
  side_->Start([this] { CatchUp(); });
  MaybeCompact();
  return lsn;
}

void EngineImpl::ApplyTo(Replica& r, const std::vector<recovery::Mutation>& mutations,
                         bool before_publish) {
  r.graph->BeginBatch();
  for (const recovery::Mutation& m : mutations)
    recovery::ApplyMutation(m, *r.graph, &r.root);
  r.graph->EndBatch();
  // The search index follows the slots that changed (O(change)). Its
  // occasional rebuild (O(graph)) waits for the catch-up, after the change
  // was published: a save does not wait for it to become visible.
  r.graph->TakeChangedSlots(&changed_slots_);
  std::lock_guard index_lock(r.index_mu);
  if (r.index) r.index->Update(*r.graph, changed_slots_, !before_publish);
}

void EngineImpl::CatchUp() {
  Replica& back = *state_.back();
  if (catchup_pending_) {
    // The grace period: then the old copy is the writer's alone.
    auto t = std::chrono::steady_clock::now();
    state_.WaitForReaders();
    grace_us_.fetch_add(MicrosSince(t), std::memory_order_relaxed);
    t = std::chrono::steady_clock::now();
    ApplyTo(back, catchup_, /*before_publish=*/false);
    back.version = state_.front().version;  // the state it caught up to
    catchup_.clear();
    catchup_pending_ = false;
    catchup_us_.fetch_add(MicrosSince(t), std::memory_order_relaxed);
  }
  if (!back.index) {
    // The published copy's index (built by a query since) describes this
    // copy's state too: copy it rather than have a query build another.
    const Replica& front = state_.front();
    std::lock_guard index_lock(front.index_mu);
    if (front.index)
      back.index = std::make_unique<query::SearchIndex>(front.index->Clone());
  }
}

void EngineImpl::PublishNew(std::unique_ptr<Replica> r) {
  WaitSide();
  const uint64_t lsn = r->version;
  catchup_.clear();  // the other copy is replaced, not caught up
  catchup_pending_ = false;
  state_.WaitForReaders();
  state_.set_back(std::move(r));
  state_.Publish();
  published_version_.store(lsn, std::memory_order_release);
  NotifyVersion();
  state_.WaitForReaders();
  state_.set_back(nullptr);  // EnsureBack clones the new state when needed
}

absl::Status EngineImpl::EnsureBack() {
  if (state_.back() != nullptr) return absl::OkStatus();
  const Replica& front = state_.front();
  auto r = std::make_unique<Replica>();
  // An image reproduces the graph exactly (same slots, same behaviour
  // under later edits), so the two copies stay equal.
  std::string image;
  front.graph->SaveImage(&image);
  absl::StatusOr<std::unique_ptr<graph::Graph>> g = graph::Graph::LoadImage(image);
  if (!g.ok())  // an image this build just wrote: a bug, reported as one
    return absl::InternalError(absl::StrCat("copying the graph: ", g.status().message()));
  r->graph = std::move(*g);
  r->graph->set_track_changes(true);
  r->version = front.version;
  r->root = front.root;
  {
    std::lock_guard index_lock(front.index_mu);
    if (front.index)
      r->index = std::make_unique<query::SearchIndex>(front.index->Clone());
  }
  state_.set_back(std::move(r));
  return absl::OkStatus();
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
  const std::string root = state_.Read()->root;
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
  std::string root;
  {
    LeftRight<Replica>::ReadGuard state = state_.Read();
    if (state->graph->FileHash(*rel) == hash) return state->version;  // no change
    root = state->root;
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
