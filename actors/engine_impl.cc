#include "actors/engine_impl.h"

#include <algorithm>
#include <filesystem>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "recovery/store.h"
#include "wal/env.h"

namespace aim {

static_assert(static_cast<int>(Durability::kSync) ==
                  static_cast<int>(wal::Durability::kSync) &&
              static_cast<int>(Durability::kBatch) ==
                  static_cast<int>(wal::Durability::kBatch) &&
              static_cast<int>(Durability::kNone) ==
                  static_cast<int>(wal::Durability::kNone));
static_assert(static_cast<int>(RecoveryMode::kPointInTime) ==
                  static_cast<int>(wal::RecoveryMode::kPointInTime) &&
              static_cast<int>(RecoveryMode::kStrict) ==
                  static_cast<int>(wal::RecoveryMode::kStrict) &&
              static_cast<int>(RecoveryMode::kSalvage) ==
                  static_cast<int>(wal::RecoveryMode::kSalvage));

absl::StatusOr<std::unique_ptr<Engine>> Engine::Open(const Options& options) {
  if (options.threads < 1)
    return absl::InvalidArgumentError("Options::threads must be at least 1");
  if (options.env != nullptr && !options.db_dir.empty()) {
    if (!options.env->Exists(options.db_dir)) {
      if (options.read_only)
        return absl::NotFoundError(
            absl::StrCat(options.db_dir, ": no database here (run `aim ingest`)"));
      if (absl::Status s = options.env->CreateDir(options.db_dir); !s.ok()) return s;
    }
  } else if (!options.db_dir.empty()) {
    std::error_code ec;
    namespace fs = std::filesystem;
    if (fs::exists(options.db_dir, ec)) {
      if (!fs::is_directory(options.db_dir, ec))
        return absl::FailedPreconditionError(
            absl::StrCat(options.db_dir, ": exists and is not a directory"));
    } else if (options.read_only) {
      return absl::NotFoundError(
          absl::StrCat(options.db_dir, ": no database here (run `aim ingest`)"));
    } else if (!fs::create_directories(options.db_dir, ec)) {
      return absl::PermissionDeniedError(absl::StrCat(
          options.db_dir, ": cannot create directory: ", ec.message()));
    }
  }
  auto engine = std::make_unique<host::EngineImpl>(options);
  if (absl::Status s = engine->Load(); !s.ok()) return s;
  return std::unique_ptr<Engine>(std::move(engine));
}

namespace host {

EngineImpl::EngineImpl(Options options)
    : options_(std::move(options)), state_([] {
        auto r = std::make_unique<Replica>();
        r->graph = std::make_unique<graph::Graph>();
        r->graph->set_track_changes(true);
        return r;
      }()) {}

EngineImpl::~EngineImpl() {
  {
    // The actors call into the engine: they go first.
    std::unique_ptr<LiveSystem> live;
    {
      std::lock_guard lock(live_mu_);
      live = std::move(live_);
    }
    live.reset();
  }
  JoinCompactor();
  store_.reset();  // flushes the log
}

absl::Status EngineImpl::Load() {
  if (options_.db_dir.empty()) return absl::OkStatus();
  recovery::StoreOptions so;
  so.env = options_.env;
  so.read_only = options_.read_only;
  so.log.segment_bytes = options_.wal_segment_bytes;
  so.log.durability = static_cast<wal::Durability>(options_.durability);
  so.log.recovery = static_cast<wal::RecoveryMode>(options_.recovery);
  recovery::Recovered r;
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::unique_ptr<recovery::Store>> store =
      recovery::Store::Open(options_.db_dir, so, &r);
  if (!store.ok()) return store.status();
  open_us_ = MicrosSince(start);
  load_us_ = static_cast<uint64_t>(r.info.load_ms * 1000);
  replayed_ = r.info.replayed;
  if (r.info.torn_tail) recovery_note_ = "torn WAL tail cut: " + r.info.torn_why;
  if (!r.info.salvaged.empty())
    recovery_note_ = absl::StrCat("salvage: ", r.info.salvage_why, "; moved aside: ",
                                  absl::StrJoin(r.info.salvaged, ", "));
  store_ = std::move(*store);
  auto replica = std::make_unique<Replica>();
  replica->graph = std::move(r.graph);
  replica->graph->set_track_changes(true);
  replica->version = r.lsn;
  replica->root = std::move(r.root);
  std::lock_guard write_lock(write_mu_);
  PublishNew(std::move(replica));
  return absl::OkStatus();
}

absl::StatusOr<QueryResult> EngineImpl::Query(const QueryRequest& request) const {
  LeftRight<Replica>::ReadGuard state = state_.Read();
  const query::SearchIndex* index =
      options_.search_index ? state->EnsureIndex() : nullptr;
  absl::StatusOr<QueryResult> r = RunQuery(*state->graph, index, request);
  if (r.ok()) {
    r->version = state->version;
    r->pending = pending_.load();
  }
  return r;
}

EngineStats EngineImpl::Stats() const {
  EngineStats s;
  if (store_) {
    const wal::LogStats log = store_->log_stats();
    s.durable_lsn = log.durable_lsn;
    s.wal_bytes = log.live_bytes;
    s.wal_segments = log.segments;
    s.wal_syncs = log.syncs;
    s.wal_sync_us = log.sync_micros;
    s.checkpoint_lsn = store_->checkpoint_lsn();
    if (absl::Status h = store_->health(); !h.ok())
      s.write_error = std::string(h.message());
  }
  {
    std::lock_guard lock(error_mu_);
    s.checkpoint_error = checkpoint_error_;
  }
  s.commits = commits_.load(std::memory_order_relaxed);
  s.apply_us = apply_us_.load(std::memory_order_relaxed);
  s.catchup_us = catchup_us_.load(std::memory_order_relaxed);
  s.grace_us = grace_us_.load(std::memory_order_relaxed);
  s.replayed = replayed_;
  s.open_us = open_us_;
  s.load_us = load_us_;
  s.pending = pending_.load();
  s.recovery_note = recovery_note_;
  LeftRight<Replica>::ReadGuard state = state_.Read();
  const graph::Graph& g = *state->graph;
  s.version = state->version;
  s.files = g.file_count();
  s.entities = g.entity_count();
  s.edges = g.edge_count();
  s.memory_bytes = g.MemoryBytes();
  s.queries_only = g.query_only();
  s.root = state->root;
  size_t by_kind[model::kEntityKindCount] = {};
  size_t by_edge[model::kEdgeKindCount] = {};
  size_t by_confidence[3] = {};
  for (graph::EntityIdx e : g.LiveEntities()) {
    ++by_kind[static_cast<int>(g.entity(e).kind)];
    for (const graph::Edge& ed : g.out(e)) {
      ++by_edge[static_cast<int>(ed.kind)];
      ++by_confidence[static_cast<int>(ed.confidence)];
    }
  }
  for (model::Confidence c : {model::Confidence::kExact, model::Confidence::kName,
                              model::Confidence::kAmbiguous})
    s.edges_by_confidence.emplace_back(model::ConfidenceName(c),
                                       by_confidence[static_cast<int>(c)]);
  for (int k = 0; k < model::kEntityKindCount; ++k)
    s.entities_by_kind.emplace_back(
        model::EntityKindName(static_cast<model::EntityKind>(k)), by_kind[k]);
  for (int k = 0; k < model::kEdgeKindCount; ++k)
    s.edges_by_kind.emplace_back(
        model::EdgeKindName(static_cast<model::EdgeKind>(k)), by_edge[k]);
  return s;
}

namespace {

std::vector<graph::EntityIdx> SortedEntities(const graph::Graph& g) {
  std::vector<graph::EntityIdx> v = g.LiveEntities();
  std::sort(v.begin(), v.end(), [&](graph::EntityIdx a, graph::EntityIdx b) {
    const auto& ea = g.entity(a);
    const auto& eb = g.entity(b);
    int c = g.qualified(ea).compare(g.qualified(eb));
    return c != 0 ? c < 0 : ea.id < eb.id;
  });
  return v;
}

}  // namespace

void EngineImpl::ForEachEntity(
    const std::function<void(const EntityInfo&)>& fn) const {
  LeftRight<Replica>::ReadGuard state = state_.Read();
  const graph::Graph& g = *state->graph;
  for (graph::EntityIdx e : SortedEntities(g)) fn(ToEntityInfo(g, e));
}

void EngineImpl::ForEachEdge(
    const std::function<void(const EdgeInfo&)>& fn) const {
  LeftRight<Replica>::ReadGuard state = state_.Read();
  const graph::Graph& g = *state->graph;
  for (graph::EntityIdx e : SortedEntities(g)) {
    std::vector<EdgeInfo> edges;
    for (const graph::Edge& ed : g.out(e)) edges.push_back(ToEdgeInfo(g, e, ed));
    std::sort(edges.begin(), edges.end(), [](const EdgeInfo& a, const EdgeInfo& b) {
      return std::tie(a.kind, a.to, a.file, a.line, a.confidence) <
             std::tie(b.kind, b.to, b.file, b.line, b.confidence);
    });
    for (const EdgeInfo& info : edges) fn(info);
  }
}

uint64_t EngineImpl::Digest() const {
  return state_.Read()->graph->Digest();
}

EntityInfo ToEntityInfo(const graph::Graph& g, graph::EntityIdx idx) {
  const graph::Entity& e = g.entity(idx);
  EntityInfo info;
  info.id = e.id;
  info.kind = std::string(model::EntityKindName(e.kind));
  info.name = std::string(g.str(e.name));
  info.qualified = g.qualified(e).str();
  info.file = std::string(g.str(e.file));
  info.line = e.line;
  info.end_line = e.end_line;
  info.sig = std::string(g.str(e.sig));
  info.vis = std::string(g.str(e.vis));
  info.in_macro = e.flags & graph::kInMacro;
  info.test = e.flags & graph::kTest;
  return info;
}

EdgeInfo ToEdgeInfo(const graph::Graph& g, graph::EntityIdx from,
                    const graph::Edge& edge) {
  EdgeInfo info;
  info.kind = std::string(model::EdgeKindName(edge.kind));
  info.from = g.entity(from).id;
  info.to = g.entity(edge.other).id;
  info.file = std::string(g.str(edge.file));
  info.line = edge.line;
  info.confidence = std::string(model::ConfidenceName(edge.confidence));
  info.in_macro = edge.flags & graph::kEdgeInMacro;
  info.derive = edge.flags & graph::kEdgeDerive;
  info.blanket = edge.flags & graph::kEdgeBlanket;
  return info;
}

}  // namespace host

absl::StatusOr<CheckSummary> CheckDatabase(const std::string& db_dir) {
  absl::StatusOr<recovery::CheckReport> r =
      recovery::CheckDatabase(wal::Env::Default(), db_dir);
  if (!r.ok()) return r.status();
  CheckSummary s;
  s.checkpoint = r->checkpoint;
  s.checkpoint_lsn = r->checkpoint_lsn;
  s.checkpoint_files = r->checkpoint_files;
  s.wal_segments = r->segments;
  s.wal_records = r->records;
  s.wal_bytes = r->record_bytes;
  s.first_lsn = r->first_lsn;
  s.last_lsn = r->last_lsn;
  if (r->torn_tail) s.torn_tail = r->torn_why;
  return s;
}

}  // namespace aim
