// aim-bench, the throughput benchmarking rig: AIM measured end to end on a
// directory of real crates, next to its peers (SQLite, universal-ctags,
// RocksDB) on the same input, into one JSON report (schema: bench/README.md).
//
// Each stage fills one member of the report and returns an error only for
// what makes the whole run meaningless (the corpus cannot be ingested); a
// peer that is not built or not installed reports {"built": false, "note"}.
#ifndef AIM_BENCH_RIG_RIG_H_
#define AIM_BENCH_RIG_RIG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "aim/engine.h"
#include "bench/measure.h"
#include "nlohmann/json.hpp"

namespace aim::bench::rig {

using Json = nlohmann::ordered_json;

struct RigOptions {
  std::string corpus;   // a workspace directory of crates
  std::string results;  // where report.json, report.md and chart.svg go
  bool quick = false;   // few samples: checks that the rig runs (CI)
  int wal_writers = 4;  // concurrent appenders, the same for AIM and RocksDB
  double wal_seconds = 2.0;    // per durability mode and side
  size_t query_samples = 2000;  // per query kind (p99.9 needs >= 1000)
  size_t peer_samples = 300;    // per operation on SQLite (and AIM alike)
  size_t edits = 200;           // save-to-query-ready measurements
};

// One file of the corpus, read into memory.
struct CorpusFile {
  std::string abs_path;
  std::string rel_path;  // relative to the corpus root, as the engine has it
  std::string crate, module;  // its place in the workspace
  std::string bytes;
  size_t lines = 0;
};

// A sampled entity the queries ask about, by a qualified path that names
// it alone.
struct Target {
  uint64_t id = 0;
  std::string qualified;
};

// What every stage shares: the corpus, a database holding it and the
// populations queries are sampled from.
struct World {
  World() = default;
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  ~World();  // removes `scratch`

  RigOptions options;
  std::vector<CorpusFile> files;
  uint64_t bytes = 0, lines = 0;
  std::string scratch;  // databases and peers' files of this run
  std::string db_dir;   // the ingested database (2 threads)
  std::vector<Target> callables, types, traits, named;
  std::vector<size_t> small_files;  // indexes of files of 1..200 lines
  std::vector<std::string> wal_payloads;  // real WAL payloads (one per file)
};

// Reads the corpus (every *.rs file the engine would ingest). Errors: the
// directory is missing, unreadable or holds no Rust file.
absl::Status LoadWorld(const RigOptions& options, World* world);

// Opens the rig's database (created by MeasureIngest) with `durability`
// and builds its search index (the first query's cost is in no figure).
absl::StatusOr<std::unique_ptr<Engine>> OpenDb(const World& world,
                                               Durability durability);

// AIM stages (aim_stages.cc, aim_live.cc, aim_wal.cc).
Json MeasureExtraction(const World& world);
// Ingests into fresh databases with 1 and 2 threads (the second is kept as
// world->db_dir), then samples query targets. Errors: the ingest failed.
absl::Status MeasureIngest(World* world, Json* out);
Json MeasureMemory(const World& world);
Json MeasureQueries(const World& world);
Json MeasureSaveToQueryReady(const World& world);
Json MeasureOpen(const World& world);  // after the edits: replay too
Json MeasureActors(const World& world);
Json MeasureWal(const World& world);

// Peers (one file each; each reports {"built": false, "note"} when absent).
Json RunSqlitePeer(const World& world);
Json RunCtagsPeer(const World& world, const Json& extraction);
Json RunRocksdbPeer(const World& world, const Json& aim_wal);

// {"built": false, "note": "peer not built: ..."} for a peer compiled out.
Json PeerNotBuilt(const std::string& cmake_option, const std::string& package);

// Report files (report.cc): the Markdown summary and the chart (gnuplot,
// SVG; skipped with a note when gnuplot is missing). Returns the names of
// the files written.
std::vector<std::string> WriteSummary(const Json& report,
                                      const std::string& dir);

// `writers` threads call `append` with the world's WAL payloads (each
// thread from its own offset, cyclically) for `seconds`; the result holds
// records, payload bytes, records_per_s, mb_per_s and per-call latency.
// `append` returns false on an error, which stops that thread.
Json AppendRun(const World& world, int writers, double seconds,
               const std::function<bool(const std::string&)>& append);

// {"n", "p50_us", "p99_us", "p999_us", "max_us", "mean_us"} of samples in
// microseconds.
Json QuantilesJson(const std::vector<double>& micros);

}  // namespace aim::bench::rig

#endif  // AIM_BENCH_RIG_RIG_H_
