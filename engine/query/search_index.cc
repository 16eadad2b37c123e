// SearchIndex: building, incremental updates, and the match walks.
#include "engine/query/search_index.h"

#include <algorithm>
#include <numeric>
#include <queue>

#include "absl/container/flat_hash_map.h"
#include "engine/query/text.h"

namespace aim::query {
namespace {

constexpr uint32_t kNoPos = UINT32_MAX;
constexpr size_t kMaxLists = 3;  // trigram lists intersected at most

uint32_t Trigram(std::string_view s, size_t i) {
  return static_cast<uint8_t>(internal::Lower(s[i])) |
         static_cast<uint32_t>(static_cast<uint8_t>(internal::Lower(s[i + 1])))
             << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(internal::Lower(s[i + 2])))
             << 16;
}

// The distinct trigrams of `s`, case-folded, sorted.
void Trigrams(std::string_view s, std::vector<uint32_t>& out) {
  out.clear();
  for (size_t i = 0; i + 3 <= s.size(); ++i) out.push_back(Trigram(s, i));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

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

void SearchIndex::Rebuild(const Graph& g) {
  entries_.clear();
  delta_.clear();
  stale_ = 0;
  for (EntityIdx e = 0; e < g.slot_count(); ++e) {
    if (!g.live(e)) continue;
    const graph::Entity& en = g.entity(e);
    entries_.push_back({e, en.name, en.qualified, en.id});
  }
  std::sort(entries_.begin(), entries_.end(),
            [&](const Entry& a, const Entry& b) {
              return internal::SearchKeyLess(g, a.entity, b.entity);
            });
  const uint32_t n = static_cast<uint32_t>(entries_.size());
  slot_id_.assign(g.slot_count(), 0);
  stale_bit_.assign(g.slot_count(), false);
  delta_pos_.assign(g.slot_count(), kNoPos);
  for (const Entry& en : entries_) slot_id_[en.entity] = en.id;

  // Distinct lower-cased names with their postings (ordinals ascending).
  {
    std::vector<std::pair<std::string, uint32_t>> names(n);
    for (uint32_t o = 0; o < n; ++o)
      names[o] = {internal::ToLower(g.str(entries_[o].name)), o};
    std::sort(names.begin(), names.end());
    name_text_.clear();
    name_off_.assign(1, 0);
    name_post_begin_.assign(1, 0);
    name_post_.clear();
    name_post_.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      if (i == 0 || names[i].first != names[i - 1].first) {
        if (i > 0) {
          name_off_.push_back(static_cast<uint32_t>(name_text_.size()));
          name_post_begin_.push_back(static_cast<uint32_t>(name_post_.size()));
        }
        name_text_ += names[i].first;
      }
      name_post_.push_back(names[i].second);
    }
    if (n > 0) {
      name_off_.push_back(static_cast<uint32_t>(name_text_.size()));
      name_post_begin_.push_back(static_cast<uint32_t>(name_post_.size()));
    }
  }

  // Lower-cased qualified paths, in ordinal order.
  lower_text_.clear();
  lower_off_.assign(1, 0);
  for (uint32_t o = 0; o < n; ++o) {
    for (char c : g.str(entries_[o].qualified))
      lower_text_.push_back(internal::Lower(c));
    lower_off_.push_back(static_cast<uint32_t>(lower_text_.size()));
  }

  // Ordinals by case-folded qualified path (then ordinal).
  by_qualified_.resize(n);
  std::iota(by_qualified_.begin(), by_qualified_.end(), 0);
  std::sort(by_qualified_.begin(), by_qualified_.end(),
            [&](uint32_t a, uint32_t b) {
              const int c = Lowered(a).compare(Lowered(b));
              return c != 0 ? c < 0 : a < b;
            });

  // Trigram postings: count, then fill in ordinal order.
  {
    absl::flat_hash_map<uint32_t, uint32_t> count;
    std::vector<uint32_t> tri;
    for (uint32_t o = 0; o < n; ++o) {
      Trigrams(Lowered(o), tri);
      for (uint32_t t : tri) ++count[t];
    }
    tri_key_.clear();
    for (const auto& [t, c] : count) tri_key_.push_back(t);
    std::sort(tri_key_.begin(), tri_key_.end());
    tri_begin_.assign(tri_key_.size() + 1, 0);
    absl::flat_hash_map<uint32_t, uint32_t> cursor;
    for (size_t i = 0; i < tri_key_.size(); ++i) {
      tri_begin_[i + 1] = tri_begin_[i] + count[tri_key_[i]];
      cursor[tri_key_[i]] = tri_begin_[i];
    }
    tri_post_.assign(tri_begin_.back(), 0);
    short_.clear();
    for (uint32_t o = 0; o < n; ++o) {
      if (Lowered(o).size() < 3) short_.push_back(o);
      Trigrams(Lowered(o), tri);
      for (uint32_t t : tri) tri_post_[cursor[t]++] = o;
    }
  }
}

void SearchIndex::UpdateSlot(const Graph& g, EntityIdx slot) {
  if (slot >= slot_id_.size()) {
    slot_id_.resize(slot + 1, 0);
    stale_bit_.resize(slot + 1, false);
    delta_pos_.resize(slot + 1, kNoPos);
  }
  const bool live = g.live(slot);
  const uint64_t id = live ? g.entity(slot).id : 0;
  const uint64_t base_id = slot_id_[slot];
  const bool stale = base_id != 0 && base_id != id;
  if (stale != stale_bit_[slot]) {
    stale_bit_[slot] = stale;
    stale ? ++stale_ : --stale_;
  }
  const bool want_delta = live && id != base_id;
  uint32_t& pos = delta_pos_[slot];
  if (pos != kNoPos && (!want_delta || delta_[pos].id != id)) {
    // Drop the old delta entry: swap the last one into its place.
    const uint32_t last = static_cast<uint32_t>(delta_.size() - 1);
    if (pos != last) {
      delta_[pos] = delta_[last];
      delta_pos_[delta_[pos].entity] = pos;
    }
    delta_.pop_back();
    pos = kNoPos;
  }
  if (want_delta && pos == kNoPos) {
    const graph::Entity& en = g.entity(slot);
    pos = static_cast<uint32_t>(delta_.size());
    delta_.push_back({slot, en.name, en.qualified, en.id});
  }
}

void SearchIndex::Update(const Graph& g, std::span<const EntityIdx> slots) {
  for (EntityIdx s : slots) UpdateSlot(g, s);
  MaybeRebuild(g);
}

void SearchIndex::Sync(const Graph& g) {
  const size_t n = g.slot_count();
  for (EntityIdx s = 0; s < n; ++s) {
    const uint64_t id = g.live(s) ? g.entity(s).id : 0;
    uint64_t known = 0;
    if (s < slot_id_.size()) {
      if (delta_pos_[s] != kNoPos) {
        known = delta_[delta_pos_[s]].id;
      } else if (!stale_bit_[s]) {
        known = slot_id_[s];
      }
    }
    if (known != id) UpdateSlot(g, s);
  }
  MaybeRebuild(g);
}

void SearchIndex::MaybeRebuild(const Graph& g) {
  const size_t base = entries_.size();
  if (delta_.size() > std::max<size_t>(256, base / 32) ||
      stale_ > std::max<size_t>(256, base / 8))
    Rebuild(g);
}

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

void SearchIndex::ExactQualified(std::string_view q,
                                 size_t need, const Accept& accept) const {
  auto it = std::lower_bound(
      by_qualified_.begin(), by_qualified_.end(), q,
      [&](uint32_t o, std::string_view v) { return Lowered(o) < v; });
  for (; it != by_qualified_.end() && need && Lowered(*it) == q; ++it)
    need -= accept(*it);
}

void SearchIndex::Substring(std::string_view q, size_t need,
                            const Accept& accept) const {
  auto matches = [&](uint32_t o) {
    return Lowered(o).find(q) != std::string_view::npos;
  };
  if (q.size() < 3) {
    ShortSubstring(q, need, accept);
    return;
  }
  thread_local std::vector<uint32_t> tri;
  Trigrams(q, tri);
  std::vector<std::span<const uint32_t>> lists;
  for (uint32_t t : tri) {
    auto it = std::lower_bound(tri_key_.begin(), tri_key_.end(), t);
    if (it == tri_key_.end() || *it != t) return;
    const size_t k = it - tri_key_.begin();
    lists.emplace_back(tri_post_.data() + tri_begin_[k],
                       tri_begin_[k + 1] - tri_begin_[k]);
  }
  // Intersect the rarest lists only: the check of each candidate against
  // the text is cheaper than seeking in long lists.
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

void SearchIndex::ShortSubstring(std::string_view q,
                                 size_t need, const Accept& accept) const {
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
    heads.push_back({tri_post_[tri_begin_[k]], tri_begin_[k], tri_begin_[k + 1]});
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
      case SearchHit::kExactName: ExactName(q, need, accept); break;
      case SearchHit::kPrefixName: PrefixName(q, need, accept); break;
      case SearchHit::kExactQualified:
        // Without `::` a qualified path is its name: matched above.
        if (q.find("::") != std::string::npos) ExactQualified(q, need, accept);
        break;
      default: Substring(q, need, accept); break;
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

size_t SearchIndex::MemoryBytes() const {
  return entries_.capacity() * sizeof(Entry) +
         slot_id_.capacity() * sizeof(uint64_t) + stale_bit_.capacity() / 8 +
         name_text_.capacity() + lower_text_.capacity() +
         (name_off_.capacity() + name_post_begin_.capacity() +
          name_post_.capacity() + by_qualified_.capacity() +
          tri_key_.capacity() + tri_begin_.capacity() + tri_post_.capacity() +
          short_.capacity() + lower_off_.capacity() +
          delta_pos_.capacity()) *
             sizeof(uint32_t) +
         delta_.capacity() * sizeof(Entry);
}

}  // namespace aim::query
