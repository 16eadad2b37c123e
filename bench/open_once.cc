// open_once DIR [--writable]: opens the database in DIR once, the way the
// engine does (recovery::Store::Open: checkpoint, then the log after it),
// prints how long that took and what was loaded, and exits at once
// (nothing freed). Run it repeatedly for cold-process figures: the `aim`
// executable's own open is what `aim stats` reports as "opened in", but
// `aim` only ever opens read-only without a daemon; this also times the
// writable open a daemon or an embedding host makes. Linked like `aim`
// (jemalloc on huge pages) when `aim` is.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "engine/graph/graph.h"
#include "recovery/store.h"

int main(int argc, char** argv) {
  if (argc < 2 || (argc == 3 && std::strcmp(argv[2], "--writable") != 0) ||
      argc > 3) {
    std::fprintf(stderr, "usage: open_once DIR [--writable]\n");
    return 2;
  }
  aim::recovery::StoreOptions o;
  o.read_only = argc < 3;
  aim::recovery::Recovered r;
  const auto t0 = std::chrono::steady_clock::now();
  auto store = aim::recovery::Store::Open(argv[1], o, &r);
  const double ms = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - t0)
                        .count();
  if (!store.ok()) {
    std::fprintf(stderr, "open_once: %s\n",
                 std::string(store.status().message()).c_str());
    return 1;
  }
  std::printf(
      "open_ms=%.1f load_ms=%.1f replayed=%llu queries_only=%d "
      "entities=%zu edges=%zu\n",
      ms, r.info.load_ms, static_cast<unsigned long long>(r.info.replayed),
      r.graph->query_only() ? 1 : 0, r.graph->entity_count(),
      r.graph->edge_count());
  const aim::graph::Graph::MemoryUse m = r.graph->Memory();
  auto mb = [](size_t b) { return static_cast<double>(b) / 1e6; };
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  std::printf(
      "memory_MB=%.1f entities=%.1f lists=%.1f strings=%.1f "
      "string_index=%.1f tables=%.1f resolution=%.1f process_rss_MB=%.1f\n",
      mb(m.total()), mb(m.entities), mb(m.lists), mb(m.strings),
      mb(m.string_index), mb(m.tables), mb(m.resolution),
      mb(static_cast<size_t>(resident) *
         static_cast<size_t>(sysconf(_SC_PAGESIZE))));
  std::fflush(stdout);
  _exit(0);  // as `aim` does: the graph is not freed piece by piece
}
