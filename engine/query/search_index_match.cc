// SearchIndex: the match walks, in rank order, and Search over them.
#include <algorithm>
#include <queue>

#include "engine/query/search_index.h"
#include "engine/query/text.h"

namespace aim::query {
namespace {

#ifndef KMAXLISTS
#define KMAXLISTS 3
#endif
constexpr size_t kMaxLists = KMAXLISTS;  // trigram lists intersected at most

// First position >= from in `list` whose value is >= v (galloping).
size_t Seek(std::span<const uint32_t> list, size_t from, uint32_t v) {
  size_t step = 1, hi = from;
  while (hi < list.size() && list[hi] < v) {
    from = hi + 1;
    hi += step;
    step <<= 1;
  }
  hi = std::min(hi, list.size());
  return std::lower_bound(list.begin() + from, list.begin() + hi, v) -
         list.begin();
}

}  // namespace

void SearchIndex::ExactName(std::string_view q, size_t need,
                            const Accept& accept) const {
  const uint32_t names = static_cast<uint32_t>(name_off_.size()) - 1;
  uint32_t lo = 0, hi = names;
  while (lo < hi) {
    const uint32_t mid = (lo + hi) / 2;
    NameAt(mid) < q ? lo = mid + 1 : hi = mid;
  }
  if (lo == names || NameAt(lo) != q) return;
  for (uint32_t p = name_post_begin_[lo]; p < name_post_begin_[lo + 1] && need;
       ++p)
    need -= accept(name_post_[p]);
}

void SearchIndex::PrefixName(std::string_view q, size_t need,
                             const Accept& accept) const {
  const uint32_t names = static_cast<uint32_t>(name_off_.size()) - 1;
  uint32_t lo = 0, hi = names;
  while (lo < hi) {
    const uint32_t mid = (lo + hi) / 2;
    NameAt(mid) < q ? lo = mid + 1 : hi = mid;
  }
  if (lo < names && NameAt(lo) == q) ++lo;  // the exact name is not a prefix
  hi = lo;
  {
    uint32_t top = names;
    while (hi < top) {
      const uint32_t mid = (hi + top) / 2;
      NameAt(mid).starts_with(q) ? hi = mid + 1 : top = mid;
    }
  }
  // Merge the names' postings, least ordinal first.
  struct Head {
    uint32_t ordinal, name, pos;
    bool operator>(const Head& o) const { return ordinal > o.ordinal; }
  };
  std::vector<Head> heads;
  heads.reserve(hi - lo);
  for (uint32_t i = lo; i < hi; ++i)
    heads.push_back({name_post_[name_post_begin_[i]], i, name_post_begin_[i]});
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heap(
      std::greater<Head>(), std::move(heads));
  while (!heap.empty() && need) {
    Head h = heap.top();
    heap.pop();
    need -= accept(h.ordinal);
    if (++h.pos < name_post_begin_[h.name + 1]) {
      h.ordinal = name_post_[h.pos];
      heap.push(h);
    }
  }
}

void SearchIndex::ExactQualified(std::string_view q, size_t need,
                                 const Accept& accept) const {
  auto it = std::lower_bound(
      by_qualified_.begin(), by_qualified_.end(), q,
      [&](uint32_t o, std::string_view v) { return Lowered(o) < v; });
  for (; it != by_qualified_.end() && need && Lowered(*it) == q; ++it)
    need -= accept(*it);
}

void SearchIndex::Substring(std::string_view q, size_t need,
                            const Accept& accept) const {
  uint64_t want = 0;
  auto matches = [&](uint32_t o) {
    return (sig_[o] & want) == want &&
           Lowered(o).find(q) != std::string_view::npos;
  };
  if (q.size() < 3) {
    ShortSubstring(q, need, accept);
    return;
  }
  thread_local std::vector<uint32_t> tri;
  internal::Trigrams(q, tri);
  std::vector<std::span<const uint32_t>> lists;
  for (uint32_t t : tri) {
    want |= TrigramBit(t);
    auto it = std::lower_bound(tri_key_.begin(), tri_key_.end(), t);
    if (it == tri_key_.end() || *it != t) return;
    const size_t k = it - tri_key_.begin();
    lists.emplace_back(tri_post_.data() + tri_begin_[k],
                       tri_begin_[k + 1] - tri_begin_[k]);
  }
  // Intersect the rarest lists only: the signature and text checks of a
  // candidate are cheaper than seeking in long lists.
  std::sort(lists.begin(), lists.end(),
            [](const auto& a, const auto& b) { return a.size() < b.size(); });
  if (lists.size() > kMaxLists) lists.resize(kMaxLists);
  // Leapfrog intersection, in ordinal (rank) order.
  std::vector<size_t> pos(lists.size(), 0);
  const auto first = lists[0];
  size_t p0 = 0;
  while (p0 < first.size() && need) {
    const uint32_t c = first[p0];
    uint32_t next = c;
    for (size_t j = 1; j < lists.size(); ++j) {
      pos[j] = Seek(lists[j], pos[j], c);
      if (pos[j] == lists[j].size()) return;
      if (lists[j][pos[j]] != c) {
        next = lists[j][pos[j]];
        break;
      }
    }
    if (next != c) {
      p0 = Seek(first, p0, next);
      continue;
    }
    if (matches(c)) need -= accept(c);
    ++p0;
  }
}

void SearchIndex::ShortSubstring(std::string_view q, size_t need,
                                 const Accept& accept) const {
  // Every string of three bytes or more that contains `q` has a trigram
  // that contains it: merge those trigrams' lists, least ordinal first.
  struct Head {
    uint32_t ordinal, pos, end;
    bool operator>(const Head& o) const { return ordinal > o.ordinal; }
  };
  std::vector<Head> heads;
  for (size_t k = 0; k < tri_key_.size(); ++k) {
    const uint32_t t = tri_key_[k];
    const char key[3] = {static_cast<char>(t & 0xff),
                         static_cast<char>((t >> 8) & 0xff),
                         static_cast<char>((t >> 16) & 0xff)};
    if (std::string_view(key, 3).find(q) == std::string_view::npos) continue;
    heads.push_back(
        {tri_post_[tri_begin_[k]], tri_begin_[k], tri_begin_[k + 1]});
  }
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heap(
      std::greater<Head>(), std::move(heads));
  // Shorter strings have no trigram: checked one by one, merged in order.
  size_t short_at = 0;
  uint32_t last = UINT32_MAX;
  while (need) {
    uint32_t o = UINT32_MAX;
    if (!heap.empty()) o = heap.top().ordinal;
    if (short_at < short_.size() && short_[short_at] < o) {
      o = short_[short_at++];
      if (Lowered(o).find(q) == std::string_view::npos) continue;
    } else if (o != UINT32_MAX) {
      Head h = heap.top();
      heap.pop();
      if (++h.pos < h.end) {
        h.ordinal = tri_post_[h.pos];
        heap.push(h);
      }
    } else {
      break;
    }
    if (o == last) continue;  // in several lists
    last = o;
    need -= accept(o);
  }
}

std::vector<SearchHit> SearchIndex::Search(const Graph& g,
                                           std::string_view text,
                                           size_t limit) const {
  std::vector<SearchHit> out;
  const std::string q = internal::ToLower(text);
  if (q.empty() || limit == 0) return out;
  auto chosen = [&](EntityIdx e) {
    for (const SearchHit& h : out)
      if (h.entity == e) return true;
    return false;
  };
  std::vector<EntityIdx> cands;
  const Accept accept = [&](uint32_t o) {
    const Entry& en = entries_[o];
    if (!Valid(g, en) || chosen(en.entity)) return false;
    cands.push_back(en.entity);
    return true;
  };
  for (int rank = SearchHit::kExactName; rank <= SearchHit::kSubstring;
       ++rank) {
    const size_t need = limit - out.size();
    if (need == 0) break;
    cands.clear();
    switch (rank) {
      case SearchHit::kExactName:
        ExactName(q, need, accept);
        break;
      case SearchHit::kPrefixName:
        PrefixName(q, need, accept);
        break;
      case SearchHit::kExactQualified:
        // Without `::` a qualified path is its name: matched above.
        if (q.find("::") != std::string::npos) ExactQualified(q, need, accept);
        break;
      default:
        Substring(q, need, accept);
        break;
    }
    const size_t from_base = cands.size();
    for (const Entry& d : delta_)
      if (Valid(g, d) && !chosen(d.entity) &&
          internal::MatchRank(g.str(d.name), g.str(d.qualified), q) == rank)
        cands.push_back(d.entity);
    if (cands.size() > from_base)
      std::sort(cands.begin(), cands.end(), [&](EntityIdx a, EntityIdx b) {
        return internal::SearchKeyLess(g, a, b);
      });
    for (size_t i = 0; i < cands.size() && i < need; ++i)
      out.push_back({cands[i], static_cast<SearchHit::Match>(rank)});
  }
  return out;
}

std::vector<std::pair<int, EntityIdx>> SearchIndex::ScoreNames(
    const Graph& g, const std::function<int(std::string_view)>& score) const {
  std::vector<std::pair<int, EntityIdx>> out;
  const uint32_t names = static_cast<uint32_t>(name_off_.size()) - 1;
  for (uint32_t i = 0; i < names; ++i) {
    const int s = score(NameAt(i));
    if (s < 0) continue;
    for (uint32_t p = name_post_begin_[i]; p < name_post_begin_[i + 1]; ++p)
      if (Valid(g, entries_[name_post_[p]]))
        out.emplace_back(s, entries_[name_post_[p]].entity);
  }
  for (const Entry& d : delta_) {
    if (!Valid(g, d)) continue;
    const int s = score(internal::ToLower(g.str(d.name)));
    if (s >= 0) out.emplace_back(s, d.entity);
  }
  return out;
}

}  // namespace aim::query
