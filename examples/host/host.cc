// Embedding AIM in a host process (an editor, a language server, an agent):
// open a database, ingest a workspace, feed it an unsaved buffer, wait for
// that version, and ask questions synchronously and asynchronously.
//
//   aim_example_host <workspace-dir> <db-dir>
//
// Exits non-zero if anything fails or an answer is not what the edit
// implies (it doubles as a test of the embedded API).
#include <cstdio>
#include <future>
#include <string>

#include "aim/engine.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <workspace-dir> <db-dir>\n", argv[0]);
    return 2;
  }
  aim::Options options;
  options.db_dir = argv[2];
  options.durability = aim::Durability::kBatch;  // acknowledged = on disk
  absl::StatusOr<std::unique_ptr<aim::Engine>> opened = aim::Engine::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  aim::Engine& engine = **opened;

  // 1. The tree on disk (incremental if the database already holds it).
  absl::StatusOr<aim::IngestReport> ingested = engine.Ingest(argv[1]);
  if (!ingested.ok()) {
    std::fprintf(stderr, "ingest: %s\n", ingested.status().ToString().c_str());
    return 1;
  }
  std::printf("ingested %zu files: %zu entities, %zu edges (version %llu)\n",
              ingested->files, ingested->entities, ingested->edges,
              static_cast<unsigned long long>(ingested->version));

  // 2. A buffer the host owns (never written to disk): the returned
  // version holds it, durably; WaitFor makes it visible to every reader.
  absl::StatusOr<uint64_t> lsn = engine.UpdateFile(
      "src/host_buffer.rs",
      "pub fn from_the_host() -> f64 { crate::demo() }\n");
  if (!lsn.ok() || !engine.WaitFor(*lsn, 1000).ok()) {
    std::fprintf(stderr, "update: %s\n",
                 lsn.ok() ? "not visible" : lsn.status().ToString().c_str());
    return 1;
  }

  // 3. A synchronous query on this thread: who calls demo() now?
  absl::StatusOr<aim::QueryResult> callers =
      engine.Query({.kind = "callers", .args = {"demo"}});
  if (!callers.ok()) {
    std::fprintf(stderr, "callers: %s\n", callers.status().ToString().c_str());
    return 1;
  }
  bool found = false;
  for (const aim::QueryHit& hit : callers->results) {
    std::printf("demo() is called by %s (%s:%u), as of version %llu\n",
                hit.entity.qualified.c_str(), hit.entity.file.c_str(),
                hit.entity.line, static_cast<unsigned long long>(callers->version));
    found = found || hit.entity.name == "from_the_host";
  }

  // 4. An asynchronous one, answered on the engine's reader pool.
  std::promise<absl::StatusOr<aim::QueryResult>> promise;
  engine.QueryAsync({.kind = "what-implements", .args = {"Shape"}},
                    [&](absl::StatusOr<aim::QueryResult> r) {
                      promise.set_value(std::move(r));
                    });
  absl::StatusOr<aim::QueryResult> impls = promise.get_future().get();
  if (!impls.ok()) {
    std::fprintf(stderr, "what-implements: %s\n", impls.status().ToString().c_str());
    return 1;
  }
  std::printf("%zu types implement Shape\n", impls->results.size());

  // 5. The buffer is closed without saving: withdraw it.
  if (absl::StatusOr<uint64_t> removed = engine.RemoveFile("src/host_buffer.rs");
      !removed.ok()) {
    std::fprintf(stderr, "remove: %s\n", removed.status().ToString().c_str());
    return 1;
  }
  const aim::EngineStats stats = engine.Stats();
  std::printf("version %llu, durable through %llu\n",
              static_cast<unsigned long long>(stats.version),
              static_cast<unsigned long long>(stats.durable_lsn));
  // Destroying the engine flushes the log and stops its threads.
  return found && !impls->results.empty() ? 0 : 1;
}
