// The AIM engine, for embedding in a host process.
//
//   auto engine = aim::Engine::Open({.db_dir = ".aim"});
//   if (!engine.ok()) { /* engine.status().message() says why */ }
//   (*engine)->Ingest("path/to/workspace");
//   auto r = (*engine)->Query({.kind = "callers", .args = {"Foo::bar"}});
//
// Thread-safety: every method may be called from any thread; queries run
// concurrently with each other, mutations are serialised.
#ifndef AIM_ENGINE_H_
#define AIM_ENGINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace aim {

struct Options {
  // Directory of the database (checkpoint files). Created if missing unless
  // read_only. Empty: an in-memory engine that persists nothing.
  std::string db_dir;
  bool read_only = false;
  // Threads used to extract facts during Ingest (1 or more).
  int threads = 2;
  // Build a name index on the first query (about 300 bytes per entity, ~1 s
  // per 250k entities): search and unknown-name suggestions then take
  // microseconds instead of milliseconds. One-shot tools turn it off.
  bool search_index = true;
};

struct EntityInfo {
  uint64_t id = 0;
  std::string kind;       // fn, method, struct, ..., impl, external
  std::string name;
  std::string qualified;  // crate::module::Item::member
  std::string file;       // relative to the workspace root; "" for external
  uint32_t line = 0;
  uint32_t end_line = 0;
  std::string sig;
  std::string vis;
  bool in_macro = false;
  bool test = false;
};

struct EdgeInfo {
  std::string kind;  // calls, implements, uses, contains, imports
  uint64_t from = 0;
  uint64_t to = 0;
  std::string file;  // where the reference is written
  uint32_t line = 0;
  std::string confidence;  // exact, name, ambiguous
  bool in_macro = false;
  bool derive = false;   // an implements edge from #[derive(..)]
  bool blanket = false;  // an implements edge of a blanket impl
};

struct QueryRequest {
  // what-implements, blast-radius, callers, callees, uses, used-by, cycles,
  // path, search, context.
  std::string kind;
  std::vector<std::string> args;  // names (path takes two)
  uint32_t depth = 0;             // 0: the query's default
  size_t limit = 0;               // 0: no limit
  std::string direction = "up";   // blast-radius: up | down
  std::string scope = "calls";    // cycles: calls | modules
  uint32_t budget = 2000;         // context: tokens
};

struct QueryHit {
  EntityInfo entity;
  uint32_t depth = 0;
  std::vector<EdgeInfo> path;  // the edges that led to this hit
};

struct QueryResult {
  std::string query;
  // The entities the names resolved to. With `ambiguous`, the candidates
  // for a name that matched several (and nothing else is filled in).
  std::vector<EntityInfo> target;
  bool ambiguous = false;
  std::vector<QueryHit> results;
  size_t total = 0;  // results before `limit`
  std::vector<std::vector<EntityInfo>> cycles;  // cycles
  std::string text;                             // context
  uint64_t version = 0;   // the snapshot the answer comes from
  uint64_t pending = 0;   // edits accepted but not yet visible
  uint64_t elapsed_us = 0;
};

struct IngestProgress {
  size_t files_done = 0;
  size_t files_total = 0;
  uint64_t lines = 0;
  uint64_t bytes = 0;
};

struct IngestReport {
  size_t files = 0;       // ingested
  uint64_t lines = 0;
  uint64_t bytes = 0;
  size_t skipped = 0;     // unreadable or not UTF-8 (see problems)
  size_t syntax_errors = 0;
  std::vector<std::string> problems;  // "file:line:col: message"
  size_t entities = 0;
  size_t edges = 0;
  double extract_ms = 0;  // scan, read, extract, add to the graph (pipelined)
  double resolve_ms = 0;  // resolve every reference
  double persist_ms = 0;  // write the checkpoint
  double total_ms = 0;
};

struct EngineStats {
  uint64_t version = 0;
  uint64_t pending = 0;
  size_t files = 0;
  size_t entities = 0;
  size_t edges = 0;
  std::vector<std::pair<std::string, size_t>> entities_by_kind;
  std::vector<std::pair<std::string, size_t>> edges_by_kind;
  size_t memory_bytes = 0;
  std::string root;  // the workspace last ingested
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Opens (or creates) the database in options.db_dir and loads its latest
  // checkpoint. Errors: the directory cannot be created or read; a damaged
  // checkpoint (DataLoss, naming the file and what failed).
  static absl::StatusOr<std::unique_ptr<Engine>> Open(const Options& options);

  // Ingests a workspace directory (every *.rs file; crates from Cargo.toml),
  // or a text dump of files separated by `FILE: <path>` lines, replacing
  // what the engine held, and persists it. Unreadable and non-UTF-8 files
  // are reported in the result and skipped. `progress` (optional) is
  // called from the calling thread now and then.
  virtual absl::StatusOr<IngestReport> Ingest(
      const std::string& path,
      std::function<void(const IngestProgress&)> progress = nullptr) = 0;

  // Answers a query on the latest state. Errors: unknown query kind or
  // missing arguments (InvalidArgument); a name that matches nothing
  // (NotFound, with near matches in the message). A name matching several
  // entities is not an error: the result has `ambiguous` set.
  virtual absl::StatusOr<QueryResult> Query(const QueryRequest& request) const = 0;

  virtual EngineStats Stats() const = 0;

  // Every entity and edge, in a deterministic order (entities by qualified
  // path; edges by source, kind, target, file and line).
  virtual void ForEachEntity(
      const std::function<void(const EntityInfo&)>& fn) const = 0;
  virtual void ForEachEdge(
      const std::function<void(const EdgeInfo&)>& fn) const = 0;

  // The graph digest: equal digests, equal graphs.
  virtual uint64_t Digest() const = 0;
};

}  // namespace aim

#endif  // AIM_ENGINE_H_
