// Search without an index (a scan of every entity), and with one.
#include <algorithm>

#include "engine/query/query.h"
#include "engine/query/search_index.h"
#include "engine/query/text.h"

namespace aim::query {

std::vector<SearchHit> Search(const Graph& g, std::string_view text,
                              size_t limit) {
  std::vector<SearchHit> out;
  const std::string q = internal::ToLower(text);
  if (q.empty() || limit == 0) return out;
  std::string path;
  for (EntityIdx e = 0; e < g.slot_count(); ++e) {
    if (!g.live(e)) continue;
    const graph::Entity& en = g.entity(e);
    path.clear();
    g.qualified(en).AppendTo(path);
    const int rank = internal::MatchRank(g.str(en.name), path, q);
    if (rank >= 0) out.push_back({e, static_cast<SearchHit::Match>(rank)});
  }
  auto less = [&](const SearchHit& a, const SearchHit& b) {
    if (a.match != b.match) return a.match < b.match;
    return internal::SearchKeyLess(g, a.entity, b.entity);
  };
  if (out.size() > limit) {
    std::partial_sort(out.begin(), out.begin() + limit, out.end(), less);
    out.resize(limit);
  } else {
    std::sort(out.begin(), out.end(), less);
  }
  return out;
}

std::vector<SearchHit> Search(const Graph& g, const SearchIndex& index,
                              std::string_view text, size_t limit) {
  return index.Search(g, text, limit);
}

}  // namespace aim::query
