// The SQLite peer: the same graph in `nodes` and `edges` tables (WAL mode,
// synchronous=NORMAL, indexes on edges(from, kind) and (to, kind)), asked
// the same questions as AIM: what-implements and callers as joins,
// blast-radius depth 3 as a recursive CTE, and a file's facts replaced in
// one transaction. Queries are compared twice (see CompareOp): by name
// through the public API, and by id through AIM's query functions.
#include "bench/rig/rig.h"

#ifndef AIM_BENCH_HAVE_SQLITE

aim::bench::rig::Json aim::bench::rig::RunSqlitePeer(const World&) {
  return PeerNotBuilt("AIM_BENCH_SQLITE", "libsqlite3-dev");
}

#else

#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <map>

#include "aim/extract.h"
#include "engine/graph/graph.h"
#include "engine/query/query.h"

namespace aim::bench::rig {

namespace {

// A prepared statement, finalized on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql)
      : ok_(sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) == SQLITE_OK) {}
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return ok_; }
  sqlite3_stmt* get() { return s_; }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void Bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  // Steps to the end, reading every column of every row as text (as a
  // caller would); returns the rows.
  size_t Drain() {
    size_t rows = 0;
    while (sqlite3_step(s_) == SQLITE_ROW) {
      ++rows;
      for (int c = 0; c < sqlite3_column_count(s_); ++c) {
        sqlite3_column_text(s_, c);
        bytes_read_ += static_cast<uint64_t>(sqlite3_column_bytes(s_, c));
      }
    }
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    return rows;
  }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  sqlite3_stmt* s_ = nullptr;
  bool ok_ = false;
  uint64_t bytes_read_ = 0;
};

bool Exec(sqlite3* db, const char* sql) {
  return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

int64_t Id(uint64_t id) { return static_cast<int64_t>(id); }

struct Rows {
  std::vector<EntityInfo> entities;
  std::vector<EdgeInfo> edges;
};

constexpr const char* kSchema = R"(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE nodes(id INTEGER PRIMARY KEY, kind TEXT, name TEXT,
                   qualified TEXT, file TEXT, line INTEGER, sig TEXT);
CREATE TABLE edges("from" INTEGER, "to" INTEGER, kind TEXT, file TEXT,
                   line INTEGER);
CREATE INDEX edges_from ON edges("from", kind);
CREATE INDEX edges_to ON edges("to", kind);
CREATE INDEX nodes_qualified ON nodes(qualified);
CREATE INDEX nodes_file ON nodes(file);
CREATE INDEX edges_file ON edges(file);
)";

constexpr const char* kLookup = "SELECT id, kind FROM nodes WHERE qualified = ?1";
constexpr const char* kById = "SELECT id, kind FROM nodes WHERE id = ?1";

constexpr const char* kWhatImplements = R"(
SELECT n.id, n.kind, n.qualified, n.file, n.line FROM edges e
JOIN nodes n ON n.id = e."from" WHERE e."to" = ?1 AND e.kind = 'implements')";

constexpr const char* kCallers = R"(
SELECT n.id, n.kind, n.qualified, n.file, n.line, e.file, e.line FROM edges e
JOIN nodes n ON n.id = e."from" WHERE e."to" = ?1 AND e.kind = 'calls')";

// Members of a type or trait (?2 = 2 levels of `contains`; 0 otherwise)
// start at depth 0, as in AIM; UNION (not UNION ALL) on (id, depth) keeps
// a cycle from being walked twice, and the depth bound ends the walk.
constexpr const char* kBlastRadius = R"(
WITH RECURSIVE
  members(id, lvl) AS (
    SELECT ?1, 0
    UNION SELECT e."to", m.lvl + 1 FROM members m
      JOIN edges e ON e."from" = m.id AND e.kind = 'contains' WHERE m.lvl < ?2),
  r(id, depth) AS (
    SELECT id, 0 FROM members
    UNION SELECT e."from", r.depth + 1 FROM r
      JOIN edges e ON e."to" = r.id
       AND e.kind IN ('calls', 'implements', 'uses', 'imports')
      WHERE r.depth < 3)
SELECT n.id, n.kind, n.qualified, n.file, n.line, MIN(r.depth) FROM r
JOIN nodes n ON n.id = r.id
WHERE r.id NOT IN (SELECT id FROM members) GROUP BY r.id)";

class Peer {
 public:
  ~Peer() { sqlite3_close(db_); }
  bool Open(const std::string& path) {
    return sqlite3_open(path.c_str(), &db_) == SQLITE_OK && Exec(db_, kSchema);
  }
  sqlite3* db() { return db_; }

  // Writes one file's rows as one transaction; with `replace`, the rows
  // the file had are deleted first (in the same transaction).
  bool WriteFile(const std::string& file,
                 const std::vector<const EntityInfo*>& ents,
                 const std::vector<const EdgeInfo*>& edges, bool replace) {
    if (!insert_node_) {
      insert_node_ = std::make_unique<Stmt>(db_, "INSERT OR REPLACE INTO nodes VALUES(?1,?2,?3,?4,?5,?6,?7)");
      insert_edge_ = std::make_unique<Stmt>(db_, "INSERT INTO edges VALUES(?1,?2,?3,?4,?5)");
      delete_nodes_ = std::make_unique<Stmt>(db_, "DELETE FROM nodes WHERE file = ?1");
      delete_edges_ = std::make_unique<Stmt>(db_, "DELETE FROM edges WHERE file = ?1");
    }
    if (!Exec(db_, "BEGIN")) return false;
    if (replace) {
      delete_nodes_->Bind(1, file);
      delete_nodes_->Drain();
      delete_edges_->Bind(1, file);
      delete_edges_->Drain();
    }
    for (const EntityInfo* e : ents) {
      Stmt& s = *insert_node_;
      s.Bind(1, Id(e->id)); s.Bind(2, e->kind); s.Bind(3, e->name);
      s.Bind(4, e->qualified); s.Bind(5, e->file); s.Bind(6, int64_t{e->line});
      s.Bind(7, e->sig);
      if (sqlite3_step(s.get()) != SQLITE_DONE) return false;
      sqlite3_reset(s.get());
    }
    for (const EdgeInfo* e : edges) {
      Stmt& s = *insert_edge_;
      s.Bind(1, Id(e->from)); s.Bind(2, Id(e->to)); s.Bind(3, e->kind);
      s.Bind(4, e->file); s.Bind(5, int64_t{e->line});
      if (sqlite3_step(s.get()) != SQLITE_DONE) return false;
      sqlite3_reset(s.get());
    }
    return Exec(db_, "COMMIT");
  }

 private:
  sqlite3* db_ = nullptr;
  std::unique_ptr<Stmt> insert_node_, insert_edge_, delete_nodes_, delete_edges_;
};

// The graph the engine holds, built directly (engine/graph): AIM's query
// functions by entity index, without the Engine API's name lookup and
// conversion to strings.
std::unique_ptr<graph::Graph> BuildGraph(const World& w) {
  auto g = std::make_unique<graph::Graph>();
  g->BeginBatch();
  for (const CorpusFile& f : w.files)
    g->UpsertFile({f.rel_path, f.crate, f.module, ExtractFacts(f.rel_path, f.bytes)});
  g->EndBatch();
  return g;
}

// One operation, asked of both sides.
struct Op {
  const char* kind;  // the Engine query kind
  const char* sql;   // ?1 = the target's id (?2 = member levels)
  // AIM's query function on the graph; returns the hits.
  std::function<size_t(const graph::Graph&, graph::EntityIdx)> core;
};

double Ratio(const Json& slow, const Json& fast, const char* stat) {
  return slow[stat].get<double>() / std::max(1e-3, fast[stat].get<double>());
}

// Each side runs all targets in turn (so that neither evicts the other's
// caches between calls):
//   aim         Engine::Query by qualified path (public API: name lookup,
//               the query, display order, conversion to strings)
//   aim_core    Graph::ById + the engine/query function (hits with paths)
//   sqlite      SELECT by qualified path, then the query, every column read
//   sqlite_by_id  the row by primary key, then the query
Json CompareOp(const Op& op, Engine& engine, const graph::Graph& g, Peer& peer,
               const std::vector<Target>& targets) {
  Stmt lookup(peer.db(), kLookup), by_id(peer.db(), kById), query(peer.db(), op.sql);
  if (!lookup.ok() || !by_id.ok() || !query.ok())
    return {{"error", sqlite3_errmsg(peer.db())}};
  std::vector<double> aim_us, core_us, sql_us, sql_id_us;
  double aim_hits = 0, core_hits = 0, sql_hits = 0;
  for (const Target& t : targets) {
    QueryRequest req{.kind = op.kind, .args = {t.qualified}};
    if (req.kind == "blast-radius") req.depth = 3;
    const auto t0 = Clock::now();
    auto r = engine.Query(req);
    aim_us.push_back(MicrosSince(t0));
    if (r.ok()) aim_hits += static_cast<double>(r->results.size());
  }
  for (const Target& t : targets) {
    const auto t0 = Clock::now();
    const graph::EntityIdx e = g.ById(t.id);
    const size_t hits = e == graph::kNoEntity ? 0 : op.core(g, e);
    core_us.push_back(MicrosSince(t0));
    core_hits += static_cast<double>(hits);
  }
  // The SQLite side: `find` binds the target and steps to its row (id,
  // kind); then the query runs.
  auto run_sql = [&](Stmt& find, auto bind, std::vector<double>* us) {
    for (const Target& t : targets) {
      const auto t0 = Clock::now();
      bind(find, t);
      int64_t id = 0;
      std::string kind;
      if (sqlite3_step(find.get()) == SQLITE_ROW) {
        id = sqlite3_column_int64(find.get(), 0);
        kind = reinterpret_cast<const char*>(sqlite3_column_text(find.get(), 1));
      }
      sqlite3_reset(find.get());
      query.Bind(1, id);
      if (sqlite3_bind_parameter_count(query.get()) > 1) {
        const bool members = kind == "struct" || kind == "enum" || kind == "union" ||
                             kind == "type" || kind == "trait";
        query.Bind(2, int64_t{members ? 2 : 0});
      }
      const size_t rows = query.Drain();
      us->push_back(MicrosSince(t0));
      if (us == &sql_us) sql_hits += static_cast<double>(rows);
    }
  };
  run_sql(lookup, [](Stmt& s, const Target& t) { s.Bind(1, t.qualified); }, &sql_us);
  run_sql(by_id, [](Stmt& s, const Target& t) { s.Bind(1, Id(t.id)); }, &sql_id_us);
  const double n = targets.empty() ? 1 : static_cast<double>(targets.size());
  Json out = {{"aim", QuantilesJson(aim_us)},
              {"aim_core", QuantilesJson(core_us)},
              {"sqlite", QuantilesJson(sql_us)},
              {"sqlite_by_id", QuantilesJson(sql_id_us)},
              {"aim_hits_mean", aim_hits / n},
              {"aim_core_hits_mean", core_hits / n},
              {"sqlite_hits_mean", sql_hits / n}};
  out["ratio_mean"] = Ratio(out["sqlite"], out["aim"], "mean_us");
  out["ratio_p50"] = Ratio(out["sqlite"], out["aim"], "p50_us");
  out["core_ratio_mean"] = Ratio(out["sqlite_by_id"], out["aim_core"], "mean_us");
  out["core_ratio_p50"] = Ratio(out["sqlite_by_id"], out["aim_core"], "p50_us");
  return out;
}

}  // namespace

Json RunSqlitePeer(const World& w) {
  Json out = {{"built", true}, {"version", sqlite3_libversion()}};
  auto engine = OpenDb(w, Durability::kNone);
  if (!engine.ok()) return {{"built", true}, {"error", std::string(engine.status().message())}};
  Rows rows;
  (*engine)->ForEachEntity([&](const EntityInfo& e) { rows.entities.push_back(e); });
  (*engine)->ForEachEdge([&](const EdgeInfo& e) { rows.edges.push_back(e); });
  std::map<std::string, std::pair<std::vector<const EntityInfo*>,
                                  std::vector<const EdgeInfo*>>> by_file;
  for (const auto& e : rows.entities) by_file[e.file].first.push_back(&e);
  for (const auto& e : rows.edges) by_file[e.file].second.push_back(&e);

  Peer peer;
  if (!peer.Open(w.scratch + "/sqlite.db"))
    return {{"built", true}, {"error", sqlite3_errmsg(peer.db())}};
  // Load: one transaction per file.
  std::vector<double> tx_us;
  const auto t0 = Clock::now();
  for (const auto& [file, facts] : by_file) {
    const auto a = Clock::now();
    if (!peer.WriteFile(file, facts.first, facts.second, false))
      return {{"built", true}, {"error", sqlite3_errmsg(peer.db())}};
    tx_us.push_back(MicrosSince(a));
  }
  out["load"] = {{"seconds", SecondsSince(t0)},
                 {"files", by_file.size()},
                 {"nodes", rows.entities.size()},
                 {"edges", rows.edges.size()},
                 {"file_transaction", QuantilesJson(tx_us)}};
  Exec(peer.db(), "PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;");

  const size_t n = w.options.peer_samples;
  Json ops = Json::object();
  const std::unique_ptr<graph::Graph> g = BuildGraph(w);
  const Op what_implements{"what-implements", kWhatImplements,
                           [](const graph::Graph& gr, graph::EntityIdx e) {
                             return query::WhatImplements(gr, e).size();
                           }};
  const Op callers{"callers", kCallers, [](const graph::Graph& gr, graph::EntityIdx e) {
                     return query::Callers(gr, e, 1).size();
                   }};
  const Op blast_radius{"blast-radius", kBlastRadius,
                        [](const graph::Graph& gr, graph::EntityIdx e) {
                          return query::BlastRadius(gr, e, 3).size();
                        }};
  ops["what-implements"] =
      CompareOp(what_implements, **engine, *g, peer, Sample(w.traits, n, 21));
  ops["callers"] = CompareOp(callers, **engine, *g, peer, Sample(w.callables, n, 22));
  ops["blast-radius"] =
      CompareOp(blast_radius, **engine, *g, peer, Sample(w.named, n, 23));

  // A file's facts replaced: AIM UpdateFile (re-extract, resolve, log with
  // durability none: SQLite's WAL + synchronous=NORMAL does not sync a
  // commit either) vs one SQLite transaction deleting and inserting the
  // file's rows.
  std::vector<double> aim_us, sql_us;
  for (size_t i = 0; i < n && !w.small_files.empty(); ++i) {
    const CorpusFile& f = w.files[w.small_files[(i * 104729) % w.small_files.size()]];
    auto a = Clock::now();
    auto lsn = (*engine)->UpdateFile(f.rel_path, f.bytes + "\n// sqlite peer " +
                                                     std::to_string(i) + "\n");
    aim_us.push_back(MicrosSince(a));
    if (!lsn.ok()) break;
    auto it = by_file.find(f.rel_path);
    if (it == by_file.end()) continue;
    a = Clock::now();
    if (!peer.WriteFile(f.rel_path, it->second.first, it->second.second, true))
      return {{"built", true}, {"error", sqlite3_errmsg(peer.db())}};
    sql_us.push_back(MicrosSince(a));
  }
  Json upd = {{"aim", QuantilesJson(aim_us)}, {"sqlite", QuantilesJson(sql_us)}};
  upd["ratio_mean"] = Ratio(upd["sqlite"], upd["aim"], "mean_us");
  upd["ratio_p50"] = Ratio(upd["sqlite"], upd["aim"], "p50_us");
  ops["update-file"] = std::move(upd);
  out["ops"] = std::move(ops);
  return out;
}

}  // namespace aim::bench::rig

#endif  // AIM_BENCH_HAVE_SQLITE
