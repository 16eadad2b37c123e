// SearchIndex: building and incremental updates (the match walks are in
// search_index_match.cc).
#include "engine/query/search_index.h"

#include <algorithm>
#include <bit>
#include <numeric>

#include "absl/container/flat_hash_map.h"
#include "engine/query/text.h"
#include "engine/query/traverse.h"

namespace aim::query {
namespace {

using internal::PathHash;
using internal::Prefix8;

constexpr uint32_t kNoPos = UINT32_MAX;

}  // namespace

void SearchIndex::Rebuild(const Graph& g) {
  entries_.clear();
  delta_.clear();
  stale_ = 0;
  for (EntityIdx e = 0; e < g.slot_count(); ++e) {
    if (!g.live(e)) continue;
    const graph::Entity& en = g.entity(e);
    entries_.push_back({e, en.name, en.id});
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

  // The qualified paths, joined (the graph holds most as parent and
  // name), one after another in ordinal order.
  std::string paths;
  std::vector<uint32_t> path_end(n);
  for (uint32_t o = 0; o < n; ++o) {
    g.qualified(entries_[o].entity).AppendTo(paths);
    path_end[o] = static_cast<uint32_t>(paths.size());
  }
  auto path_of = [&](uint32_t o) {
    const uint32_t begin = o == 0 ? 0 : path_end[o - 1];
    return std::string_view(paths).substr(begin, path_end[o] - begin);
  };

  // Display ranks: ordinals by qualified path (case-sensitive) then id,
  // most comparisons settled by the paths' first 8 bytes.
  {
    struct Keyed {
      uint64_t prefix;
      std::string_view path;
      uint64_t id;
      uint32_t entity;
    };
    std::vector<Keyed> keyed(n);
    for (uint32_t o = 0; o < n; ++o) {
      const std::string_view path = path_of(o);
      keyed[o] = {Prefix8(path), path, entries_[o].id, entries_[o].entity};
    }
    std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
      if (a.prefix != b.prefix) return a.prefix < b.prefix;
      const int c = a.path.compare(b.path);
      return c != 0 ? c < 0 : a.id < b.id;
    });
    qualified_rank_.assign(g.slot_count(), kNoRank);
    for (uint32_t i = 0; i < n; ++i) qualified_rank_[keyed[i].entity] = i;
  }

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
    name_min_.resize(name_off_.size() - 1);
    for (size_t i = 0; i < name_min_.size(); ++i)
      name_min_[i] = name_post_[name_post_begin_[i]];
    name_sample_.clear();
    for (size_t i = 0; i < name_min_.size(); i += kSampleStride)
      name_sample_.push_back(Prefix8(NameAt(static_cast<uint32_t>(i))));
  }

  // Lower-cased qualified paths, in ordinal order.
  lower_text_.clear();
  lower_off_.assign(1, 0);
  for (uint32_t o = 0; o < n; ++o) {
    for (char c : path_of(o))
      lower_text_.push_back(internal::Lower(c));
    lower_off_.push_back(static_cast<uint32_t>(lower_text_.size()));
  }
  lower_text_.append(internal::kContainsPadding, '\0');  // PaddedContains

  // Ordinals by case-folded qualified path (then ordinal), and where each
  // distinct path starts.
  by_qualified_.resize(n);
  std::iota(by_qualified_.begin(), by_qualified_.end(), 0);
  std::sort(by_qualified_.begin(), by_qualified_.end(),
            [&](uint32_t a, uint32_t b) {
              const int c = Lowered(a).compare(Lowered(b));
              return c != 0 ? c < 0 : a < b;
            });
  qualified_table_.assign(std::bit_ceil(size_t{2} * n + 2), 0);
  for (uint32_t i = 0; i < n; ++i) {
    const std::string_view path = Lowered(by_qualified_[i]);
    if (i > 0 && path == Lowered(by_qualified_[i - 1])) continue;
    const size_t mask = qualified_table_.size() - 1;
    size_t at = PathHash(path) & mask;
    while (qualified_table_[at] != 0) at = (at + 1) & mask;
    qualified_table_[at] = i + 1;
  }

  // Trigram postings: count, then fill in ordinal order.
  {
    absl::flat_hash_map<uint32_t, uint32_t> count;
    std::vector<uint32_t> tri;
    for (uint32_t o = 0; o < n; ++o) {
      internal::Trigrams(Lowered(o), tri);
      for (uint32_t t : tri) ++count[t];
    }
    tri_key_.clear();
    for (const auto& [t, c] : count) tri_key_.push_back(t);
    std::sort(tri_key_.begin(), tri_key_.end());
    tri_sample_.clear();
    for (size_t i = 0; i < tri_key_.size(); i += kSampleStride)
      tri_sample_.push_back(tri_key_[i]);
    // The lists in full first (4 bytes a posting), then packed.
    std::vector<uint64_t> begin(tri_key_.size() + 1, 0);
    absl::flat_hash_map<uint32_t, uint64_t> cursor;
    tri_count_.assign(tri_key_.size(), 0);
    for (size_t i = 0; i < tri_key_.size(); ++i) {
      tri_count_[i] = count[tri_key_[i]];
      begin[i + 1] = begin[i] + tri_count_[i];
      cursor[tri_key_[i]] = begin[i];
    }
    std::vector<uint32_t> post(begin.back(), 0);
    short_.clear();
    sig_.assign(n, Signature{});
    for (uint32_t o = 0; o < n; ++o) {
      if (Lowered(o).size() < 3) short_.push_back(o);
      internal::Trigrams(Lowered(o), tri);
      for (uint32_t t : tri) {
        post[cursor[t]++] = o;
        sig_[o].trigrams |= TrigramBit(t);
      }
      sig_[o].quadgrams = QuadgramBits(Lowered(o));
    }
    tri_post_.clear();
    tri_post_.reserve(post.size() + post.size() / 4);
    tri_begin_.assign(tri_key_.size() + 1, 0);
    for (size_t k = 0; k < tri_key_.size(); ++k) {
      uint32_t next = 0;
      for (uint64_t i = begin[k]; i < begin[k + 1]; ++i) {
        uint32_t gap = post[i] - next;
        next = post[i] + 1;
        while (gap >= 0x80) {
          tri_post_.push_back(static_cast<uint8_t>(gap | 0x80));
          gap >>= 7;
        }
        tri_post_.push_back(static_cast<uint8_t>(gap));
      }
      tri_begin_[k + 1] = tri_post_.size();
    }
    tri_post_.shrink_to_fit();
  }
}

void SearchIndex::UpdateSlot(const Graph& g, EntityIdx slot) {
  if (slot >= slot_id_.size()) {
    slot_id_.resize(slot + 1, 0);
    stale_bit_.resize(slot + 1, false);
    delta_pos_.resize(slot + 1, kNoPos);
    qualified_rank_.resize(slot + 1, kNoRank);
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
    delta_.push_back({slot, en.name, en.id});
  }
}

void SearchIndex::Update(const Graph& g, std::span<const EntityIdx> slots,
                         bool may_rebuild) {
  for (EntityIdx s : slots) UpdateSlot(g, s);
  if (may_rebuild) MaybeRebuild(g);
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

size_t SearchIndex::MemoryBytes() const {
  return entries_.capacity() * sizeof(Entry) +
         slot_id_.capacity() * sizeof(uint64_t) + stale_bit_.capacity() / 8 +
         name_text_.capacity() + lower_text_.capacity() +
         (name_off_.capacity() + name_post_begin_.capacity() +
          name_post_.capacity() + name_min_.capacity() +
          by_qualified_.capacity() + qualified_table_.capacity() +
          qualified_rank_.capacity() + 2 * name_sample_.capacity() +
          tri_sample_.capacity() + tri_key_.capacity() + tri_count_.capacity() +
          short_.capacity() + lower_off_.capacity() + delta_pos_.capacity()) *
             sizeof(uint32_t) +
         tri_post_.capacity() + tri_begin_.capacity() * sizeof(uint64_t) +
         sig_.capacity() * sizeof(Signature) +
         delta_.capacity() * sizeof(Entry);
}

bool QualifiedLess(const Graph& g, const SearchIndex* index, EntityIdx a,
                   EntityIdx b) {
  const uint32_t ra = index ? index->QualifiedRank(a) : SearchIndex::kNoRank;
  const uint32_t rb = index ? index->QualifiedRank(b) : SearchIndex::kNoRank;
  if (ra != SearchIndex::kNoRank && rb != SearchIndex::kNoRank) return ra < rb;
  return internal::QualifiedLess(g, a, b);
}

}  // namespace aim::query
