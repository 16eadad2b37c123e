// SearchIndex: the match walks, in rank order, and Search over them.
#include <algorithm>
#include <queue>

#include "engine/query/search_index.h"
#include "engine/query/text.h"

namespace aim::query {
namespace {

constexpr uint32_t kNoPos = UINT32_MAX;

}  // namespace

uint32_t SearchIndex::LowerBound(std::string_view q) const {
  uint32_t lo = 0, hi = static_cast<uint32_t>(name_off_.size()) - 1;
  if (!name_sample_.empty()) {
    // A sample below q's key is of a name below q, one above it of a name
    // above q: the answer lies between the last of the first kind and the
    // first of the second (at most kSampleStride names, unless many names
    // share q's first 8 bytes).
    const uint64_t key = internal::Prefix8(q);
    const size_t below =
        std::lower_bound(name_sample_.begin(), name_sample_.end(), key) -
        name_sample_.begin();
    const size_t not_above = std::upper_bound(name_sample_.begin() + below,
                                              name_sample_.end(), key) -
                             name_sample_.begin();
    if (below > 0) lo = static_cast<uint32_t>(below - 1) * kSampleStride + 1;
    if (not_above < name_sample_.size())
      hi = static_cast<uint32_t>(not_above) * kSampleStride;
  }
  while (lo < hi) {
    const uint32_t mid = (lo + hi) / 2;
    NameAt(mid) < q ? lo = mid + 1 : hi = mid;
  }
  return lo;
}

uint32_t SearchIndex::TrigramAt(uint32_t t) const {
  const size_t block =
      std::upper_bound(tri_sample_.begin(), tri_sample_.end(), t) -
      tri_sample_.begin();
  if (block == 0) return UINT32_MAX;  // below the least trigram
  const auto first = tri_key_.begin() + (block - 1) * kSampleStride;
  const auto last =
      block < tri_sample_.size() ? first + kSampleStride : tri_key_.end();
  const auto it = std::lower_bound(first, last, t);
  if (it == last || *it != t) return UINT32_MAX;
  return static_cast<uint32_t>(it - tri_key_.begin());
}

void SearchIndex::ExactName(std::string_view q, size_t need,
                            const Accept& accept) const {
  const uint32_t names = static_cast<uint32_t>(name_off_.size()) - 1;
  const uint32_t lo = LowerBound(q);
  if (lo == names || NameAt(lo) != q) return;
  for (uint32_t p = name_post_begin_[lo]; p < name_post_begin_[lo + 1] && need;
       ++p)
    need -= accept(name_post_[p]);
}

void SearchIndex::PrefixName(std::string_view q, size_t need,
                             const Accept& accept) const {
  const uint32_t names = static_cast<uint32_t>(name_off_.size()) - 1;
  uint32_t lo = LowerBound(q);
  if (lo < names && NameAt(lo) == q) ++lo;  // the exact name is not a prefix
  // The names with prefix q are [lo, hi): gallop from lo (the range is
  // usually short, and its start is in cache), then halve.
  uint32_t hi = lo;
  {
    uint32_t probe = lo, step = 1;
    while (probe < names && NameAt(probe).starts_with(q)) {
      hi = probe + 1;
      probe = hi + step;
      step *= 2;
    }
    uint32_t top = std::min(probe, names);
    while (hi < top) {
      const uint32_t mid = (hi + top) / 2;
      NameAt(mid).starts_with(q) ? hi = mid + 1 : top = mid;
    }
  }
  // Merge the names' postings, least ordinal first. Only the names whose
  // least ordinal is among the smallest can give the first matches: they
  // join the merge in batches, by least ordinal, while the merge's next
  // ordinal is past the least one of the names still waiting.
  struct Head {
    uint32_t ordinal, name, pos;
    bool operator>(const Head& o) const { return ordinal > o.ordinal; }
  };
  std::vector<Head> waiting;
  waiting.reserve(hi - lo);
  for (uint32_t i = lo; i < hi; ++i)
    waiting.push_back({name_min_[i], i, name_post_begin_[i]});
  auto by_ordinal = [](const Head& a, const Head& b) {
    return a.ordinal < b.ordinal;
  };
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heap;
  size_t joined = 0;  // waiting[0, joined) are in the merge
  auto join_batch = [&] {
    const size_t batch = std::min(waiting.size() - joined, need + 16);
    std::nth_element(waiting.begin() + joined,
                     waiting.begin() + joined + batch - 1, waiting.end(),
                     by_ordinal);
    for (size_t i = joined; i < joined + batch; ++i) heap.push(waiting[i]);
    joined += batch;
    if (joined < waiting.size())  // the least of the rest, for the test below
      std::nth_element(waiting.begin() + joined, waiting.begin() + joined,
                       waiting.end(), by_ordinal);
  };
  while (need && (!heap.empty() || joined < waiting.size())) {
    if (joined < waiting.size() &&
        (heap.empty() || heap.top().ordinal > waiting[joined].ordinal)) {
      join_batch();
      continue;
    }
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
  if (qualified_table_.empty()) return;
  const size_t mask = qualified_table_.size() - 1;
  for (size_t at = internal::PathHash(q) & mask; qualified_table_[at] != 0;
       at = (at + 1) & mask) {
    uint32_t i = qualified_table_[at] - 1;
    if (Lowered(by_qualified_[i]) != q) continue;
    for (; i < by_qualified_.size() && need && Lowered(by_qualified_[i]) == q;
         ++i)
      need -= accept(by_qualified_[i]);
    return;
  }
}

void SearchIndex::Substring(std::string_view q, size_t need,
                            const Accept& accept) const {
  if (q.size() < 3) {
    ShortSubstring(q, need, accept);
    return;
  }
  // Walk the rarest trigram's list, in ordinal (rank) order, checking each
  // candidate against the signature (which drops nearly all that lack
  // another trigram or 4-byte substring of q) and then the text. On real crates
  // this beats intersecting the lists: seeking in long lists costs more.
  thread_local std::vector<uint32_t> tri;
  internal::Trigrams(q, tri);
  uint64_t want = 0;
  uint32_t rarest = UINT32_MAX;
  for (size_t i = 0; i < tri.size(); ++i) {
    want |= TrigramBit(tri[i]);
    const uint32_t k = TrigramAt(tri[i]);
    if (k == UINT32_MAX) return;  // no such trigram
    if (i == 0 || tri_count_[k] < tri_count_[rarest]) rarest = k;
  }
  const uint64_t want4 = QuadgramBits(q);
  // Cache misses dominate a long list: read ahead. The ordinals kAhead
  // places on are decoded (and their signatures prefetched) into a ring.
  constexpr size_t kAhead = 16;
  uint32_t ring[kAhead];
  Postings list = PostingsOf(rarest);
  size_t ahead = 0;
  auto fetch = [&](uint32_t& slot) {
    if (!list.Next(slot)) return false;
    __builtin_prefetch(&sig_[slot]);
    __builtin_prefetch(&lower_off_[slot]);
    return true;
  };
  while (ahead < kAhead && fetch(ring[ahead])) ++ahead;
  for (size_t i = 0; ahead > 0 && need; i = (i + 1) % kAhead) {
    const uint32_t o = ring[i];
    if (!fetch(ring[i])) --ahead;  // (the ring drains in order)
    if ((sig_[o].trigrams & want) == want &&
        (sig_[o].quadgrams & want4) == want4 &&
        internal::PaddedContains(Lowered(o), q))
      need -= accept(o);
  }
}

void SearchIndex::ShortSubstring(std::string_view q, size_t need,
                                 const Accept& accept) const {
  // Every string of three bytes or more that contains `q` has a trigram
  // that contains it: merge those trigrams' lists, least ordinal first.
  struct Head {
    uint32_t ordinal;
    Postings rest;
    bool operator>(const Head& o) const { return ordinal > o.ordinal; }
  };
  std::vector<Head> heads;
  // Trigrams are packed a byte each, first in the low byte: compare q at
  // each place as an integer.
  const uint32_t c0 = static_cast<uint8_t>(q[0]);
  auto contains = [&](uint32_t t) {
    if (q.size() == 1)
      return (t & 0xff) == c0 || ((t >> 8) & 0xff) == c0 || (t >> 16) == c0;
    const uint32_t pair = c0 | static_cast<uint32_t>(static_cast<uint8_t>(q[1]))
                                   << 8;
    return (t & 0xffff) == pair || (t >> 8) == pair;
  };
  for (size_t k = 0; k < tri_key_.size(); ++k) {
    if (!contains(tri_key_[k])) continue;
    Head h{0, PostingsOf(static_cast<uint32_t>(k))};
    if (h.rest.Next(h.ordinal)) heads.push_back(h);
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
      if (h.rest.Next(h.ordinal)) heap.push(h);
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
  // Base entries are told apart by ordinal (no two hold the same live
  // entity), delta entries by entity: neither check reads the graph.
  std::vector<uint32_t> taken_base;
  std::vector<EntityIdx> taken_delta;
  std::string path;  // a delta entry's qualified path
  struct Cand {
    EntityIdx entity;
    uint32_t ordinal;  // kNoPos for a delta entry
  };
  std::vector<Cand> cands;
  const Accept accept = [&](uint32_t o) {
    if (std::find(taken_base.begin(), taken_base.end(), o) != taken_base.end())
      return false;
    const Entry& en = entries_[o];
    if (!BaseValid(en)) return false;
    cands.push_back({en.entity, o});
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
    for (const Entry& d : delta_) {
      if (std::find(taken_delta.begin(), taken_delta.end(), d.entity) !=
              taken_delta.end() ||
          !Valid(g, d))
        continue;
      path.clear();
      g.qualified(d.entity).AppendTo(path);
      if (internal::MatchRank(g.str(d.name), path, q) == rank)
        cands.push_back({d.entity, kNoPos});
    }
    if (cands.size() > from_base)
      std::sort(cands.begin(), cands.end(), [&](const Cand& a, const Cand& b) {
        return internal::SearchKeyLess(g, a.entity, b.entity);
      });
    for (size_t i = 0; i < cands.size() && i < need; ++i) {
      out.push_back({cands[i].entity, static_cast<SearchHit::Match>(rank)});
      if (cands[i].ordinal == kNoPos) {
        taken_delta.push_back(cands[i].entity);
      } else {
        taken_base.push_back(cands[i].ordinal);
      }
    }
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
      if (BaseValid(entries_[name_post_[p]]))
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
