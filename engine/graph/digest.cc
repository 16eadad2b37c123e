// The graph's digest: XXH3-64 over its entities and edges in a canonical
// order (entities by id, edges by their endpoints' ids and then the rest),
// so that equal graphs have equal digests however they were built.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <tuple>

#include "engine/graph/graph.h"

namespace aim::graph {

uint64_t Graph::Digest() const {
  struct E {
    uint64_t id;
    const Entity* e;
  };
  std::vector<E> ents;
  ents.reserve(live_entities_);
  for (const Entity& e : entities_)
    if (e.flags & kLive) ents.push_back({e.id, &e});
  std::sort(ents.begin(), ents.end(),
            [](const E& a, const E& b) { return a.id < b.id; });

  using EdgeKey = std::tuple<uint64_t, uint64_t, uint8_t, uint8_t,
                             std::string_view, uint32_t, uint8_t>;
  std::vector<EdgeKey> edges;
  edges.reserve(edge_count_);
  for (EntityIdx i = 0; i < entities_.size(); ++i) {
    if (!(entities_[i].flags & kLive)) continue;
    for (const Edge& ed : out_[i])
      edges.emplace_back(entities_[i].id, entities_[ed.other].id,
                         static_cast<uint8_t>(ed.kind),
                         static_cast<uint8_t>(ed.confidence), str(ed.file),
                         ed.line, ed.flags);
  }
  std::sort(edges.begin(), edges.end());

  XXH3_state_t st;
  XXH3_64bits_reset(&st);
  auto put = [&](const void* p, size_t n) { XXH3_64bits_update(&st, p, n); };
  auto put_str = [&](std::string_view s) {
    uint32_t n = static_cast<uint32_t>(s.size());
    put(&n, sizeof n);
    put(s.data(), s.size());
  };
  std::string qualified_text;
  for (const E& x : ents) {
    const Entity& e = *x.e;
    put(&e.id, sizeof e.id);
    const uint64_t sig_hash = SigHash(e);
    put(&sig_hash, sizeof sig_hash);
    // (kHeldFlags say how the entity is held, not what it is.)
    uint8_t kf[2] = {static_cast<uint8_t>(e.kind),
                     static_cast<uint8_t>(e.flags & ~kHeldFlags)};
    put(kf, 2);
    put_str(str(e.name));
    qualified_text.clear();
    qualified(e).AppendTo(qualified_text);
    put_str(qualified_text);
    put_str(str(e.file));
    put(&e.line, sizeof e.line);
    put(&e.end_line, sizeof e.end_line);
  }
  for (const auto& [from, to, kind, conf, file, line, flags] : edges) {
    put(&from, sizeof from);
    put(&to, sizeof to);
    uint8_t b[3] = {kind, conf, flags};
    put(b, 3);
    put_str(file);
    put(&line, sizeof line);
  }
  return XXH3_64bits_digest(&st);
}

}  // namespace aim::graph
