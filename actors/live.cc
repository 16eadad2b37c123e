#include "actors/live.h"

#include "actors/live_actors.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"
#include "actors/engine_impl.h"
#include "actors/watcher.h"
#include "actors/workspace.h"
#include "aim/extract.h"

namespace aim::host {

caf::behavior ReaderActor(caf::event_based_actor*, EngineImpl* engine) {
  return {[engine](query_atom, QueryJob& job) {
    HandOffReceive();
    job.done(engine->Query(job.request));
  }};
}

caf::behavior ParserActor(caf::event_based_actor*, int /*index*/) {
  return {[](parse_atom, const std::string& root, const std::string& rel,
             uint64_t old_hash) {
    HandOffReceive();
    ParsedFile f = ParseWorkspaceFile(root, rel, old_hash);
    HandOffSend();
    return f;
  }};
}

caf::behavior OwnerActor(caf::event_based_actor*, EngineImpl* engine) {
  return {[engine](apply_atom, std::vector<ParsedFile>& files) {
    HandOffReceive();
    absl::StatusOr<uint64_t> lsn = engine->CommitParsed(std::move(files));
    HandOffSend();
    return lsn.ok() ? ApplyReply{absl::OkStatus(), *lsn}
                    : ApplyReply{lsn.status(), 0};
  }};
}

namespace {

namespace fs = std::filesystem;

caf::actor_system_config MakeConfig(const LiveOptions& o) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", o.scheduler_threads);
  return cfg;
}

}  // namespace

struct LiveSystem::Impl {
  Impl(EngineImpl& e, const LiveOptions& o)
      : engine(e), options(o), cfg(MakeConfig(o)), sys(cfg) {
    auto* eu = sys.dummy_execution_unit();
    readers = caf::actor_pool::make(
        eu, static_cast<size_t>(o.readers),
        [this] { return sys.spawn(ReaderActor, &engine); },
        caf::actor_pool::round_robin());
    parsers = caf::actor_pool::make(
        eu, static_cast<size_t>(o.parsers),
        [this, n = 0]() mutable { return sys.spawn(ParserActor, n++); },
        caf::actor_pool::round_robin());
    owner = sys.spawn(OwnerActor, &engine);
  }
  ~Impl() {
    Stop();
    for (const caf::actor& a : {readers, parsers, owner})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
  void Stop() {
    stopping = true;
    {
      std::lock_guard lock(mu);
      if (watcher) watcher->Stop();
    }
    if (watch_loop) {
      // The watcher actor leaves its loop once Next() returns after Stop.
      caf::scoped_actor self{sys};
      self->wait_for(watch_loop);
      watch_loop = caf::actor();
    }
    std::lock_guard lock(mu);
    watcher.reset();
  }

  // The watcher actor's body: batches from inotify, parsed by the pool,
  // applied by the owner.
  static void WatchLoop(caf::blocking_actor* self, Impl* impl, Watcher* watcher) {
    const std::string root = watcher->root();
    while (true) {
      std::optional<WatchBatch> batch = watcher->Next(std::chrono::milliseconds(200));
      if (!batch) {
        if (impl->stopping) return;
        continue;
      }
      for (const std::string& w : batch->warnings)
        std::fprintf(stderr, "aim watch: %s\n", w.c_str());
      std::vector<FileChange> changes = impl->Expand(batch->changes);
      if (changes.empty()) continue;
      impl->engine.AddPending(static_cast<int64_t>(changes.size()));
      std::vector<ParsedFile> files(changes.size());
      // Every request is sent before any reply is awaited: the parsers
      // work in parallel.
      std::vector<size_t> asked;
      using Handle = decltype(self->request(impl->parsers, caf::infinite,
                                            parse_atom::value, root,
                                            std::string(), uint64_t{0}));
      std::vector<Handle> handles;
      for (size_t i = 0; i < changes.size(); ++i) {
        files[i].path = changes[i].path;
        if (changes[i].kind == ChangeKind::kRemoved) {
          files[i].removed = true;
          continue;
        }
        asked.push_back(i);
        // A file below a changed Cargo.toml is parsed whatever its hash.
        const uint64_t old_hash = impl->forced.erase(changes[i].path)
                                      ? 0
                                      : impl->engine.FileHash(changes[i].path);
        HandOffSend();
        handles.push_back(self->request(impl->parsers, caf::infinite,
                                        parse_atom::value, root, changes[i].path,
                                        old_hash));
      }
      for (size_t k = 0; k < handles.size(); ++k)
        handles[k].receive(
            [&](ParsedFile& f) {
              HandOffReceive();
              files[asked[k]] = std::move(f);
            },
            [&](caf::error& e) {
              files[asked[k]].skip = true;
              files[asked[k]].problem = to_string(e);
            });
      HandOffSend();
      self->request(impl->owner, caf::infinite, apply_atom::value, std::move(files))
          .receive(
              [&](ApplyReply& r) {
                HandOffReceive();
                if (!r.status.ok())
                  std::fprintf(stderr, "aim watch: %s\n",
                               std::string(r.status.message()).c_str());
              },
              [&](caf::error& e) {
                std::fprintf(stderr, "aim watch: %s\n", to_string(e).c_str());
              });
      impl->engine.AddPending(-static_cast<int64_t>(changes.size()));
    }
  }

  // A changed Cargo.toml can rename the crate of every file below it: those
  // files are parsed again (their place changes even if their bytes do not).
  std::vector<FileChange> Expand(const std::vector<FileChange>& in) {
    std::vector<FileChange> out;
    std::vector<std::string> manifests;
    for (const FileChange& c : in) {
      if (fs::path(c.path).filename() == "Cargo.toml")
        manifests.push_back(fs::path(c.path).parent_path().generic_string());
      else
        out.push_back(c);
    }
    for (const std::string& dir : manifests)
      for (const std::string& p : engine.FilesUnder(dir)) {
        out.push_back({p, ChangeKind::kChanged});
        forced.insert(p);
      }
    std::sort(out.begin(), out.end(),
              [](const FileChange& a, const FileChange& b) { return a.path < b.path; });
    out.erase(std::unique(out.begin(), out.end(),
                          [](const FileChange& a, const FileChange& b) {
                            return a.path == b.path;
                          }),
              out.end());
    return out;
  }

  EngineImpl& engine;
  LiveOptions options;
  std::atomic<bool> stopping{false};  // before sys: outlives the actors
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::actor readers, parsers, owner, watch_loop;
  std::mutex mu;  // watcher
  std::unique_ptr<Watcher> watcher;
  std::set<std::string> forced;  // watcher actor only
};

ParsedFile ParseWorkspaceFile(const std::string& root, const std::string& rel,
                              uint64_t old_hash) {
  ParsedFile out;
  out.path = rel;
  const std::string abs = (fs::path(root) / rel).string();
  std::error_code ec;
  if (!fs::exists(abs, ec)) {
    out.removed = true;
    return out;
  }
  std::string bytes, error;
  if (!ReadAll(abs, bytes, error)) {
    out.skip = true;
    out.problem = absl::StrCat(rel, ": cannot read: ", error);
    return out;
  }
  if (old_hash != 0 && ContentHash(bytes) == old_hash) {
    out.unchanged = true;
    return out;
  }
  out.input = PlaceOneFile(root, rel);
  out.input.facts = ExtractFacts(rel, bytes);
  for (const Diagnostic& d : out.input.facts.errors) {
    if (d.message == "invalid UTF-8") out.skip = true;
    if (!out.problem.empty()) out.problem += "\n";
    absl::StrAppend(&out.problem, rel, ":", d.line, ":", d.col, ": ", d.message);
  }
  return out;
}

LiveSystem::LiveSystem(EngineImpl& engine, const LiveOptions& options)
    : impl_(std::make_unique<Impl>(engine, options)) {}

LiveSystem::~LiveSystem() = default;

absl::Status LiveSystem::StartWatching(const std::string& root, int debounce_ms,
                                       const std::vector<std::string>& skip_abs) {
  WatchOptions o;
  o.root = root;
  o.initial_scan = false;  // the caller ingested the tree just before
  o.debounce = std::chrono::milliseconds(debounce_ms);
  o.skip_abs = skip_abs;
  absl::StatusOr<std::unique_ptr<Watcher>> w = Watcher::Start(o);
  if (!w.ok()) return w.status();
  std::lock_guard lock(impl_->mu);
  if (impl_->watcher) return absl::FailedPreconditionError("already watching");
  impl_->watcher = std::move(*w);
  impl_->stopping = false;
  impl_->watch_loop = impl_->sys.spawn<caf::detached>(Impl::WatchLoop, impl_.get(),
                                                      impl_->watcher.get());
  return absl::OkStatus();
}

void LiveSystem::StopWatching() { impl_->Stop(); }

bool LiveSystem::watching() const {
  std::lock_guard lock(impl_->mu);
  return impl_->watcher != nullptr;
}

void LiveSystem::Query(QueryRequest request,
                       std::function<void(absl::StatusOr<QueryResult>)> done) {
  HandOffSend();
  caf::anon_send(impl_->readers, query_atom::value,
                 QueryJob{std::move(request), std::move(done)});
}

absl::StatusOr<uint64_t> LiveSystem::Apply(std::vector<ParsedFile> files) {
  const size_t n = files.size();
  impl_->engine.AddPending(static_cast<int64_t>(n));
  absl::StatusOr<uint64_t> out = absl::InternalError("no reply from the graph owner");
  {
    caf::scoped_actor self{impl_->sys};
    HandOffSend();
    self->request(impl_->owner, caf::infinite, apply_atom::value, std::move(files))
        .receive(
            [&](ApplyReply& r) {
              HandOffReceive();
              out = r.status.ok() ? absl::StatusOr<uint64_t>(r.lsn)
                                  : absl::StatusOr<uint64_t>(r.status);
            },
            [&](caf::error& e) { out = absl::InternalError(to_string(e)); });
  }
  impl_->engine.AddPending(-static_cast<int64_t>(n));
  return out;
}


}  // namespace aim::host
