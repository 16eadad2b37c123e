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
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace aim {

namespace wal {
class Env;
}  // namespace wal

// When a write is acknowledged (see README "Durability"):
//   kSync   on stable storage; every write has its own fdatasync.
//   kBatch  on stable storage; concurrent writes share an fdatasync (group
//           commit). The default.
//   kNone   handed to the OS: survives the process dying, not a power cut.
enum class Durability { kSync, kBatch, kNone };

// What opening does with a log that does not verify (see wal/FORMAT.md):
//   kPointInTime  a torn tail (an unacknowledged write cut short) is
//                 truncated; damage anywhere else refuses to open, naming
//                 the file, offset and LSN. The default.
//   kStrict       any anomaly, a torn tail included, refuses to open.
//   kSalvage      keeps what verifies, moves the rest to <db>/wal/lost/ and
//                 reports it (an operator's choice, never automatic).
enum class RecoveryMode { kPointInTime, kStrict, kSalvage };

struct Options {
  // Directory of the database (MANIFEST, checkpoints, wal/). Created if
  // missing unless read_only. Empty: an in-memory engine that persists
  // nothing.
  std::string db_dir;
  // Queries only: no lock is taken and no file is changed (a torn tail is
  // left as it is and not replayed).
  bool read_only = false;
  Durability durability = Durability::kBatch;
  RecoveryMode recovery = RecoveryMode::kPointInTime;
  // Size of each WAL segment file (preallocated).
  uint64_t wal_segment_bytes = uint64_t{64} << 20;
  // A background checkpoint starts once the WAL holds this many bytes
  // beyond the last checkpoint (0: never on its own).
  uint64_t checkpoint_wal_bytes = uint64_t{32} << 20;
  // The file system for the database (tests and fault injection);
  // nullptr: the real one.
  wal::Env* env = nullptr;
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
  // blast-radius: how the last update of the start's file that changed
  // the start changed it: "signature" (its signature or visibility),
  // "body" (its text, not its signature), "added", or "" (not since the
  // engine first saw its file, or not known). Best effort: after a
  // restart, the edits since the last checkpoint count as one per file.
  std::string change;
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
  size_t files = 0;       // ingested (read and extracted)
  size_t unchanged = 0;   // same content as in the database: not extracted
  size_t removed = 0;     // in the database but no longer in the tree
  uint64_t version = 0;   // the LSN of the new state
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
  // Durability (zero for an in-memory engine).
  uint64_t durable_lsn = 0;     // every version <= this is on disk
  uint64_t checkpoint_lsn = 0;  // the checkpoint a restart would load
  uint64_t wal_bytes = 0;       // log bytes beyond it
  size_t wal_segments = 0;
  uint64_t wal_syncs = 0;       // fdatasyncs since open, and their time
  uint64_t wal_sync_us = 0;
  // The writer since open: commits, the time spent applying them to the
  // copy about to be published (what a waiting query waits for), then to
  // the other copy (after publishing), and waiting for queries still on
  // that copy to finish (the grace period).
  uint64_t commits = 0;
  uint64_t apply_us = 0;
  uint64_t catchup_us = 0;
  uint64_t grace_us = 0;
  std::string write_error;      // set once writes are refused (fail-stop)
  std::string checkpoint_error; // the last background checkpoint's failure
  // What opening did.
  uint64_t replayed = 0;        // WAL records applied at open
  uint64_t open_us = 0;         // the whole open, of which:
  uint64_t load_us = 0;         //   the checkpoint read, checked, loaded
  // Opened read-only with no log to replay, the graph holds only what
  // queries read (no resolution state: see memory_bytes).
  bool queries_only = false;
  std::string recovery_note;    // a torn tail cut, or what salvage dropped
  size_t files = 0;
  size_t entities = 0;
  size_t edges = 0;
  std::vector<std::pair<std::string, size_t>> entities_by_kind;
  std::vector<std::pair<std::string, size_t>> edges_by_kind;
  // exact (a path resolved), name (one candidate), ambiguous (one of
  // several, all linked): how sure the graph is of its edges.
  std::vector<std::pair<std::string, size_t>> edges_by_confidence;
  size_t memory_bytes = 0;
  std::string root;  // the workspace last ingested
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Opens (or creates) the database in options.db_dir: loads its newest
  // checkpoint and replays the write-ahead log after it. Errors: the
  // directory cannot be created or read; Unavailable when another process
  // has the database open for writing; DataLoss for a damaged manifest,
  // checkpoint or log (naming the file, offset and LSN).
  // Destroying the engine waits for a running checkpoint and flushes the
  // log.
  static absl::StatusOr<std::unique_ptr<Engine>> Open(const Options& options);

  // Ingests a workspace directory (every *.rs file; crates from Cargo.toml),
  // or a text dump of files separated by `FILE: <path>` lines, so that the
  // engine then holds exactly that tree. Into an empty database the state
  // is written as a checkpoint; otherwise only files whose content changed,
  // and files that vanished, become WAL records. Durable (per
  // Options::durability) when it returns. Unreadable and non-UTF-8 files
  // are reported in the result and skipped (a skipped file keeps what the
  // database held for it). `progress` (optional) is called from the
  // calling thread now and then.
  virtual absl::StatusOr<IngestReport> Ingest(
      const std::string& path,
      std::function<void(const IngestProgress&)> progress = nullptr) = 0;

  // One file's new content, from a host that owns the buffer. `path` is
  // relative to the workspace root ('/'-separated) or absolute under it.
  // Returns the version (LSN) that holds the change, durable per
  // Options::durability; content equal to what the engine has is a no-op
  // returning the current version. Errors: read-only engine; a path outside
  // the workspace; after a failed log write, the same error for every
  // later write (queries go on).
  virtual absl::StatusOr<uint64_t> UpdateFile(const std::string& path,
                                              std::string_view bytes) = 0;
  // Withdraws a file. NotFound if the engine does not hold it.
  virtual absl::StatusOr<uint64_t> RemoveFile(const std::string& path) = 0;

  // Writes a checkpoint now (normally a background job does when the log
  // grows) and returns its LSN.
  virtual absl::StatusOr<uint64_t> Checkpoint() = 0;

  // Watches the workspace `dir` and keeps the graph in step with it: first
  // it ingests the tree (incrementally when the database already holds
  // it), then it follows every change on disk (create, modify, delete,
  // rename, moves in and out, editors' atomic saves), debounced by
  // `debounce_ms`, until StopWatching() or destruction. Returns once the
  // initial ingest is durable. Errors: as Ingest; FailedPrecondition when
  // already watching or read-only.
  virtual absl::Status Watch(const std::string& dir, int debounce_ms = 5) = 0;
  virtual void StopWatching() = 0;

  // Answers on a reader thread; `done` receives the result (with its
  // version and pending count). Never blocks the caller.
  virtual void QueryAsync(
      QueryRequest request,
      std::function<void(absl::StatusOr<QueryResult>)> done) const = 0;

  // Waits until queries see version `lsn` or later (the freshness
  // contract: after UpdateFile returns n, WaitFor(n) then Query reflects
  // it). DeadlineExceeded after `timeout_ms`.
  virtual absl::Status WaitFor(uint64_t lsn, int64_t timeout_ms) const = 0;

  // Answers a query on the latest published version, on the caller's
  // thread, without waiting for the writer (snapshot isolation: the whole
  // answer comes from one version, QueryResult::version). Errors: unknown
  // query kind or missing arguments (InvalidArgument); a name that matches
  // nothing (NotFound, with near matches in the message). A name matching
  // several entities is not an error: the result has `ambiguous` set.
  virtual absl::StatusOr<QueryResult> Query(const QueryRequest& request) const = 0;

  virtual EngineStats Stats() const = 0;

  // Every entity and edge, in a deterministic order (entities by qualified
  // path; edges by source, kind, target, file and line), all from one
  // version. `fn` must not change the engine: the writer's next change
  // waits until the walk is over.
  virtual void ForEachEntity(
      const std::function<void(const EntityInfo&)>& fn) const = 0;
  virtual void ForEachEdge(
      const std::function<void(const EdgeInfo&)>& fn) const = 0;

  // The graph digest: equal digests, equal graphs.
  virtual uint64_t Digest() const = 0;
};

// `aim check`: verifies a database without changing it.
struct CheckSummary {
  std::string checkpoint;  // file name ("" if none)
  uint64_t checkpoint_lsn = 0;
  size_t checkpoint_files = 0;
  size_t wal_segments = 0;
  uint64_t wal_records = 0;
  uint64_t wal_bytes = 0;
  uint64_t first_lsn = 0, last_lsn = 0;
  std::string torn_tail;  // not damage: the next writable open cuts it
};
// Errors: DataLoss naming what is damaged; NotFound without a database.
absl::StatusOr<CheckSummary> CheckDatabase(const std::string& db_dir);

}  // namespace aim

#endif  // AIM_ENGINE_H_
