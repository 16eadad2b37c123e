// The corpus, extraction, ingest, memory and open stages of the rig.
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "actors/workspace.h"
#include "aim/extract.h"
#include "bench/rig/rig.h"
#include "recovery/mutation_codec.h"

namespace aim::bench::rig {

namespace fs = std::filesystem;

Json QuantilesJson(const std::vector<double>& micros) {
  const Quantiles q = Summarize(micros);
  return Json{{"n", q.n},         {"p50_us", q.p50}, {"p99_us", q.p99},
              {"p999_us", q.p999}, {"max_us", q.max}, {"mean_us", q.mean}};
}

World::~World() {
  std::error_code ec;
  if (!scratch.empty()) fs::remove_all(scratch, ec);
}

absl::Status LoadWorld(const RigOptions& options, World* world) {
  world->options = options;
  std::error_code ec;
  if (!fs::is_directory(options.corpus, ec))
    return absl::NotFoundError("corpus directory not found: " + options.corpus);
  auto scanned = host::ScanWorkspace(options.corpus);
  if (!scanned.ok()) return scanned.status();
  for (auto& f : *scanned) {
    CorpusFile c;
    c.abs_path = f.abs_path;
    c.rel_path = f.input.path;
    c.crate = f.input.crate;
    c.module = f.input.module;
    c.bytes = ReadFile(f.abs_path);
    c.lines = CountLines(c.bytes);
    world->bytes += c.bytes.size();
    world->lines += c.lines;
    if (c.lines >= 1 && c.lines <= 200)
      world->small_files.push_back(world->files.size());
    // The WAL payload the engine would log for this file.
    recovery::Mutation m;
    f.input.facts = ExtractFacts(c.rel_path, c.bytes);
    m.upserts.push_back(std::move(f.input));
    std::string payload;
    recovery::EncodeMutation(m, &payload);
    world->wal_payloads.push_back(std::move(payload));
    world->files.push_back(std::move(c));
  }
  if (world->files.empty())
    return absl::NotFoundError("no Rust source file (*.rs) under " +
                               options.corpus);
  world->scratch = ScratchDir("bench-rig");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Engine>> OpenDb(const World& world,
                                               Durability durability) {
  Options o;
  o.db_dir = world.db_dir;
  o.durability = durability;
  auto engine = Engine::Open(o);
  // The first query builds the name index: not part of any figure.
  if (engine.ok())
    (void)(*engine)->Query({.kind = "search", .args = {"new"}, .limit = 1});
  return engine;
}

namespace {

// Extracts every file on `threads` threads; returns the wall seconds.
double ExtractAll(const World& w, int threads, uint64_t* facts) {
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> count{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      uint64_t local = 0;
      for (size_t i; (i = next.fetch_add(1)) < w.files.size();) {
        const FileFacts ff = ExtractFacts(w.files[i].rel_path, w.files[i].bytes);
        local += ff.items.size() + ff.impls.size() + ff.calls.size() +
                 ff.imports.size() + ff.type_uses.size() +
                 ff.macro_calls.size();
      }
      count += local;
    });
  for (auto& t : pool) t.join();
  *facts = count;
  return SecondsSince(t0);
}

}  // namespace

Json MeasureExtraction(const World& w) {
  Json out = Json::object();
  const int rounds = w.options.quick ? 1 : 3;
  for (int threads : {1, 2}) {
    double best = 1e30;
    uint64_t facts = 0;
    for (int r = 0; r < rounds; ++r)
      best = std::min(best, ExtractAll(w, threads, &facts));
    out["threads_" + std::to_string(threads)] = {
        {"seconds", best},
        {"lines_per_s", static_cast<double>(w.lines) / best},
        {"mb_per_s", static_cast<double>(w.bytes) / 1e6 / best},
        {"facts", facts}};
  }
  return out;
}

namespace {

// Sorts the database's entities into the populations queries sample.
void SampleTargets(Engine& engine, World* w) {
  absl::flat_hash_map<std::string, int> uses;
  engine.ForEachEntity([&](const EntityInfo& e) { ++uses[e.qualified]; });
  absl::flat_hash_set<uint64_t> implemented;
  engine.ForEachEdge([&](const EdgeInfo& e) {
    if (e.kind == "implements") implemented.insert(e.to);
  });
  engine.ForEachEntity([&](const EntityInfo& e) {
    if (uses[e.qualified] != 1 || e.qualified.empty()) return;
    const Target t{e.id, e.qualified};
    const std::string& k = e.kind;
    if (k == "fn" || k == "method" || k == "trait_method")
      w->callables.push_back(t);
    if (k == "struct" || k == "enum" || k == "union" || k == "trait" ||
        k == "type")
      w->types.push_back(t);
    if (implemented.contains(e.id)) w->traits.push_back(t);
    if (k != "external" && k != "impl") w->named.push_back(t);
  });
}

}  // namespace

absl::Status MeasureIngest(World* w, Json* out) {
  *out = Json::object();
  for (int threads : {1, 2}) {
    const std::string db =
        w->scratch + "/db-" + std::to_string(threads) + "-threads";
    Options o;
    o.db_dir = db;
    o.threads = threads;
    auto engine = Engine::Open(o);
    if (!engine.ok()) return engine.status();
    const auto t0 = Clock::now();
    auto r = (*engine)->Ingest(w->options.corpus);
    const double wall = SecondsSince(t0);
    if (!r.ok()) return r.status();
    (*out)["threads_" + std::to_string(threads)] = {
        {"seconds", wall},
        {"lines_per_s", static_cast<double>(r->lines) / wall},
        {"extract_ms", r->extract_ms},
        {"resolve_ms", r->resolve_ms},
        {"persist_ms", r->persist_ms}};
    (*out)["files"] = r->files;
    (*out)["lines"] = r->lines;
    (*out)["entities"] = r->entities;
    (*out)["edges"] = r->edges;
    (*out)["syntax_errors"] = r->syntax_errors;
    (*out)["skipped"] = r->skipped;
    if (threads == 2) {
      (*out)["checkpoint_bytes"] = FileBytes(db, "checkpoint-");
      w->db_dir = db;
      SampleTargets(**engine, w);
    } else {
      engine->reset();
      std::error_code ec;
      fs::remove_all(db, ec);
    }
  }
  return absl::OkStatus();
}

Json MeasureMemory(const World& w) {
  // An in-memory engine: RSS growth across the ingest, and the graph's own
  // accounting.
  malloc_trim(0);  // freed memory back to the kernel: growth is the engine's
  const size_t before = ResidentBytes();
  auto engine = Engine::Open(Options{});
  if (!engine.ok() || !(*engine)->Ingest(w.options.corpus).ok())
    return {{"error", "in-memory ingest failed"}};
  const size_t after = ResidentBytes();
  const EngineStats s = (*engine)->Stats();
  const double elements = static_cast<double>(s.entities + s.edges);
  const double rss = after > before ? static_cast<double>(after - before) : 0;
  return {{"rss_bytes", rss},
          {"graph_bytes", s.memory_bytes},
          {"bytes_per_element_rss", rss / elements},
          {"bytes_per_element_graph",
           static_cast<double>(s.memory_bytes) / elements}};
}

Json MeasureOpen(const World& w) {
  Json out = Json::object();
  const int rounds = w.options.quick ? 1 : 3;
  double best = 1e30;
  EngineStats s;
  for (int r = 0; r < rounds; ++r) {
    Options o;
    o.db_dir = w.db_dir;
    const auto t0 = Clock::now();
    auto engine = Engine::Open(o);
    const double ms = SecondsSince(t0) * 1e3;
    if (!engine.ok()) return {{"error", std::string(engine.status().message())}};
    best = std::min(best, ms);
    s = (*engine)->Stats();
  }
  out["open_ms"] = best;
  out["replayed_records"] = s.replayed;
  out["wal_bytes"] = s.wal_bytes;
  out["checkpoint_bytes"] = FileBytes(w.db_dir, "checkpoint-");
  return out;
}

}  // namespace aim::bench::rig
