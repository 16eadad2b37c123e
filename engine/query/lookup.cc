// FindEntity: a query name -> entities, or near matches to suggest.
#include <algorithm>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "engine/query/query.h"
#include "engine/query/search_index.h"
#include "engine/query/text.h"
#include "engine/query/traverse.h"

namespace aim::query {
namespace {

using internal::IsAux;

constexpr size_t kMaxSuggestions = 10;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  if (s.substr(0, 2) == "::") s.remove_prefix(2);
  return s;
}

std::string_view LastSegment(std::string_view s) {
  size_t cut = s.rfind("::");
  return cut == std::string_view::npos ? s : s.substr(cut + 2);
}

// How near a candidate name (lower case) is to the query's last segment
// (lower case): 0..bound by edit distance, then bound + 1 for names that
// contain it; -1 if neither.
int NearScore(std::string_view q, std::string_view name, int bound) {
  int d = internal::BoundedEditDistance(q, name, bound);
  if (d <= bound) return d;
  if (q.size() >= 3 && name.find(q) != std::string_view::npos) return bound + 1;
  return -1;
}

std::vector<std::string_view> Segments(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t at = 0;;) {
    const size_t cut = s.find("::", at);
    out.push_back(s.substr(at, cut - at));
    if (cut == std::string_view::npos) return out;
    at = cut + 2;
  }
}

// Following a path as code writes it, segment by segment, over the graph's
// edges (see FollowPath).
class PathWalk {
 public:
  explicit PathWalk(const Graph& g) : g_(g) {}

  // The entities `seg` names inside `e`: its items (`contains`), what it
  // imports under that name (`pub use a::b::C;` in a module), the members
  // of a type's or trait's impls; and only if none of those, what the
  // modules and enums it imports whole hold (`pub use a::*;`), so far as a
  // chain of kMaxGlobs such imports.
  void Children(EntityIdx e, std::string_view seg, std::vector<EntityIdx>& out,
                int globs = 0) {
    const EntityKind kind = g_.entity(e).kind;
    const size_t before = out.size();
    for (const graph::Edge& ed : g_.out(e)) {
      const EntityIdx t = ed.other;
      if (!g_.live(t)) continue;
      const bool named = g_.str(g_.entity(t).name) == seg;
      if (ed.kind == EdgeKind::kContains) {
        if (named) {
          out.push_back(t);
        } else if (g_.entity(t).kind == EntityKind::kImpl &&
                   kind != EntityKind::kMod) {
          for (const graph::Edge& m : g_.out(t))
            if (m.kind == EdgeKind::kContains && g_.live(m.other) &&
                g_.str(g_.entity(m.other).name) == seg)
              out.push_back(m.other);
        }
      } else if (ed.kind == EdgeKind::kImports && named) {
        out.push_back(t);
      }
    }
    if (out.size() > before || kind != EntityKind::kMod || globs == kMaxGlobs)
      return;
    // The graph does not tell `use a::b::*;` from `use a::b;`: any module
    // or enum imported is looked into, once nothing nearer matched.
    for (const graph::Edge& ed : g_.out(e)) {
      if (ed.kind != EdgeKind::kImports || !g_.live(ed.other)) continue;
      const EntityKind k = g_.entity(ed.other).kind;
      if (k == EntityKind::kMod || k == EntityKind::kEnum)
        Children(ed.other, seg, out, globs + 1);
    }
  }

 private:
  static constexpr int kMaxGlobs = 4;
  const Graph& g_;
};

// The entities a path of two or more segments names when it is followed
// from the modules named by its first segment (a crate's root, or any
// module: `net::TcpStream`) through what each holds or re-exports:
// `tokio::net::TcpStream::connect` names the method of the struct defined
// in `tokio::net::tcp::stream`, which `tokio::net` re-exports. (An import
// renamed with `as` is not followed: the graph keeps the item's own name.)
std::vector<EntityIdx> FollowPath(const Graph& g, std::string_view name) {
  const std::vector<std::string_view> segs = Segments(name);
  if (segs.size() < 2) return {};
  std::vector<EntityIdx> cur;
  for (EntityIdx e : g.ByName(segs[0]))
    if (g.live(e) && g.entity(e).kind == EntityKind::kMod) cur.push_back(e);
  PathWalk walk(g);
  for (size_t i = 1; i < segs.size() && !cur.empty(); ++i) {
    std::vector<EntityIdx> next;
    for (EntityIdx e : cur) walk.Children(e, segs[i], next);
    std::sort(next.begin(), next.end());
    next.erase(std::unique(next.begin(), next.end()), next.end());
    cur = std::move(next);
  }
  return cur;
}

std::vector<std::string> Suggest(const Graph& g, const SearchIndex* index,
                                 std::string_view name,
                                 std::optional<EntityKind> kind) {
  const std::string q = internal::ToLower(LastSegment(name));
  if (q.empty()) return {};
  const int bound = q.size() <= 4 ? 1 : (q.size() <= 8 ? 2 : 3);
  std::vector<std::pair<int, EntityIdx>> scored;
  if (index != nullptr) {
    scored = index->ScoreNames(
        g, [&](std::string_view n) { return NearScore(q, n, bound); });
  } else {
    absl::flat_hash_map<model::StrId, int> memo;
    for (EntityIdx e = 0; e < g.slot_count(); ++e) {
      if (!g.live(e)) continue;
      const model::StrId n = g.entity(e).name;
      auto [it, inserted] = memo.try_emplace(n, -1);
      if (inserted)
        it->second = NearScore(q, internal::ToLower(g.str(n)), bound);
      if (it->second >= 0) scored.emplace_back(it->second, e);
    }
  }
  if (kind) {  // of the wanted kind if there are any, else of any kind
    auto other = [&](const std::pair<int, EntityIdx>& s) {
      return g.entity(s.second).kind != *kind;
    };
    if (!std::all_of(scored.begin(), scored.end(), other))
      std::erase_if(scored, other);
  }
  // How many of the query's other segments a candidate's path has
  // (`tokio::net::TcpStream::connect`: tokio's `connect` before mio's).
  const std::vector<std::string_view> segs = Segments(name);
  absl::flat_hash_map<EntityIdx, int> shared;
  if (segs.size() > 1) {
    for (const auto& [score, e] : scored) {
      int n = 0;
      const std::string text = g.qualified(e).str();
      const std::vector<std::string_view> path = Segments(text);
      for (size_t i = 0; i + 1 < segs.size(); ++i)
        n += std::find(path.begin(), path.end(), segs[i]) != path.end();
      if (n > 0) shared[e] = n;
    }
  }
  auto shared_of = [&](EntityIdx e) {
    auto it = shared.find(e);
    return it == shared.end() ? 0 : it->second;
  };
  // Best score, then most segments shared, then named items before
  // placeholders, then names nearest in length, then by qualified path.
  auto key_less = [&](const std::pair<int, EntityIdx>& a,
                      const std::pair<int, EntityIdx>& b) {
    if (a.first != b.first) return a.first < b.first;
    const int sa = shared_of(a.second), sb = shared_of(b.second);
    if (sa != sb) return sa > sb;
    const bool aux_a = IsAux(g.entity(a.second).kind);
    const bool aux_b = IsAux(g.entity(b.second).kind);
    if (aux_a != aux_b) return aux_b;
    auto len_gap = [&](EntityIdx e) {
      const size_t n = g.str(g.entity(e).name).size();
      return n > q.size() ? n - q.size() : q.size() - n;
    };
    const size_t ga = len_gap(a.second), gb = len_gap(b.second);
    if (ga != gb) return ga < gb;
    return internal::QualifiedLess(g, a.second, b.second);
  };
  std::sort(scored.begin(), scored.end(), key_less);
  std::vector<std::string> out;
  for (const auto& [score, e] : scored) {
    std::string s = g.qualified(e).str();
    if (std::find(out.begin(), out.end(), s) != out.end()) continue;
    out.push_back(std::move(s));
    if (out.size() == kMaxSuggestions) break;
  }
  return out;
}

NameLookup Find(const Graph& g, const SearchIndex* index, std::string_view raw,
                std::optional<EntityKind> kind) {
  NameLookup result;
  const std::string_view name = Trim(raw);
  const std::string_view last = LastSegment(name);
  if (last.empty()) return result;
  const std::span<const EntityIdx> named = g.ByName(last);
  // An external is kept under its canonical path: `Debug` and
  // `core::fmt::Debug` name std::fmt::Debug exactly.
  const std::string canonical = graph::CanonicalExternalPath(name);
  const bool renamed = canonical != name;
  auto wanted = [&](EntityIdx e) {
    const EntityKind k = g.entity(e).kind;
    return g.live(e) && (!kind || k == *kind || k == EntityKind::kExternal);
  };
  auto path_less = [&](EntityIdx a, EntityIdx b) {
    return QualifiedLess(g, index, a, b);
  };
  // A path followed through re-exports, as code outside the crate writes
  // it; found only if no item's own path matches.
  std::optional<std::vector<EntityIdx>> followed;
  // Named items first; externals and impl blocks only if nothing else.
  for (bool aux : {false, true}) {
    std::vector<EntityIdx> exact, suffix;
    for (EntityIdx e : named) {
      const graph::Entity& en = g.entity(e);
      if (IsAux(en.kind) != aux || !wanted(e)) continue;
      const graph::QualifiedPath q = g.qualified(en);
      if (q == name ||
          (renamed && en.kind == EntityKind::kExternal && q == canonical)) {
        exact.push_back(e);
      } else if (internal::EndsWithPath(q, name)) {
        suffix.push_back(e);
      }
    }
    std::vector<EntityIdx> found = exact.empty() ? suffix : exact;
    if (found.empty()) {
      if (!followed) followed = FollowPath(g, name);
      for (EntityIdx e : *followed)
        if (IsAux(g.entity(e).kind) == aux && wanted(e)) found.push_back(e);
    }
    if (found.empty()) continue;
    std::sort(found.begin(), found.end(), path_less);
    result.status =
        found.size() == 1 ? NameLookup::kFound : NameLookup::kAmbiguous;
    result.candidates = std::move(found);
    return result;
  }
  result.suggestions = Suggest(g, index, name, kind);
  return result;
}

}  // namespace

NameLookup FindEntity(const Graph& g, std::string_view name,
                      std::optional<EntityKind> kind) {
  return Find(g, nullptr, name, kind);
}

NameLookup FindEntity(const Graph& g, const SearchIndex& index,
                      std::string_view name, std::optional<EntityKind> kind) {
  return Find(g, &index, name, kind);
}

}  // namespace aim::query
