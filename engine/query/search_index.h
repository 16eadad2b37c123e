// An index for Search and for FindEntity's suggestions, so that neither
// scans every entity.
//
// Layout (a "base" built at once, plus a small "delta" for later changes):
//  - entries in rank order: (name length, qualified length, qualified, id);
//    an entry's position is its ordinal, and every posting list below is a
//    list of ordinals in ascending order, so the first matches found are
//    the best ranked ones and a search stops after `limit` of them;
//  - the distinct names, lower-cased and sorted, each with its postings:
//    exact and prefix matches by binary search;
//  - the lower-cased qualified paths, one after another in ordinal order
//    (checking a candidate reads memory in the order of the lists);
//  - every ordinal sorted by qualified path (case-folded), and a hash table
//    from each distinct path to its first place there: exact matches;
//  - trigram postings over the lower-cased qualified paths (each list
//    packed as varints of the gaps between its ordinals), and for each
//    entry 64-bit signatures of its trigrams and of its 4-byte substrings:
//    a substring of three bytes or more walks its rarest trigram's list,
//    dropping candidates by signature, then checking the text; a shorter
//    one merges the lists of every trigram that contains it.
// Matching ignores ASCII case. Sorted keys that are searched (names,
// trigrams) have a sample of every 16th key, small enough to stay in cache,
// so that a lookup reads a few adjacent cache lines of the full list
// rather than one per halving (each a miss costing hundreds of ns on a
// busy virtual machine).
//
// Entries keep the StrIds of their names (the graph's string pool never
// forgets a string), so the base stays sorted whatever happens to the
// graph; an entry whose slot no longer holds the same entity (by id) is
// skipped at query time. Update/Sync add new and changed entities to the
// delta, which every search scans; once the delta or the stale part grows
// past a fraction of the base, the base is rebuilt.
//
// The index also ranks every entity of the last build by qualified path
// (then id), so that putting query results in display order
// (SortByQualified) compares integers rather than strings.
//
// Thread-safety: const methods may run concurrently; Update, Sync and
// Rebuild need exclusive access. An index answers for the graph state it
// was last built or synced with; queries must pass that same graph.
#ifndef AIM_ENGINE_QUERY_SEARCH_INDEX_H_
#define AIM_ENGINE_QUERY_SEARCH_INDEX_H_

#include <cstdint>
#include <cstring>
#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/query/query.h"

namespace aim::query {

class SearchIndex {
 public:
  SearchIndex() = default;
  explicit SearchIndex(const Graph& g) { Rebuild(g); }
  SearchIndex& operator=(const SearchIndex&) = delete;
  SearchIndex(SearchIndex&&) = default;
  SearchIndex& operator=(SearchIndex&&) = default;
  // A copy (for a second copy of the graph that is in the same state).
  SearchIndex Clone() const { return SearchIndex(*this); }

  // Indexes every live entity of `g` afresh.
  void Rebuild(const Graph& g);
  // Brings the given slots up to date (added, removed or replaced
  // entities; slots that did not change are harmless). Changes collect in
  // a delta that queries also search; with `may_rebuild`, a delta grown
  // past its bound is folded into a fresh build (O(graph)). A caller with
  // a deadline passes false and lets a later Update do it.
  void Update(const Graph& g, std::span<const EntityIdx> slots,
              bool may_rebuild = true);
  // Finds the slots that changed since the last Rebuild/Update (by entity
  // id: O(slots)) and updates them.
  void Sync(const Graph& g);

  // As query::Search, over this index.
  std::vector<SearchHit> Search(const Graph& g, std::string_view text,
                                size_t limit) const;

  // Calls `score(lower_case_name)` once for every distinct name indexed;
  // returns (score, entity) for each live entity whose name scored >= 0.
  std::vector<std::pair<int, EntityIdx>> ScoreNames(
      const Graph& g, const std::function<int(std::string_view)>& score) const;

  // The place of the entity in `slot` in display order (qualified path,
  // then id: internal::QualifiedLess) among the entities of the last
  // build; kNoRank for a slot whose entity was added or replaced since, or
  // that holds none. Two ranked entities compare as their ranks do.
  static constexpr uint32_t kNoRank = UINT32_MAX;
  uint32_t QualifiedRank(EntityIdx slot) const {
    return slot < qualified_rank_.size() && !stale_bit_[slot]
               ? qualified_rank_[slot]
               : kNoRank;
  }

  size_t size() const { return entries_.size() + delta_.size(); }
  size_t delta_size() const { return delta_.size(); }
  size_t MemoryBytes() const;

 private:
  SearchIndex(const SearchIndex&) = default;

  struct Entry {
    EntityIdx entity = graph::kNoEntity;
    model::StrId name = 0;
    uint64_t id = 0;
  };
  using Accept = std::function<bool(uint32_t ordinal)>;

  static uint64_t TrigramBit(uint32_t t) {
    return uint64_t{1} << ((t * 0x9E3779B1u) >> 26);
  }
  // One bit per 4-byte substring of `s` (already lower case), hashed.
  static uint64_t QuadgramBits(std::string_view s) {
    uint64_t bits = 0;
    for (size_t i = 0; i + 4 <= s.size(); ++i) {
      uint32_t x;
      std::memcpy(&x, s.data() + i, 4);
      bits |= uint64_t{1} << ((x * 0x85EBCA77u) >> 26);
    }
    return bits;
  }
  bool Valid(const Graph& g, const Entry& e) const {
    return g.live(e.entity) && g.entity(e.entity).id == e.id;
  }
  // Valid(g, base entry) for the graph state the index is synced with,
  // from the index alone (reading the graph's entity costs a cache miss).
  bool BaseValid(const Entry& e) const { return !stale_bit_[e.entity]; }
  // The lower-cased qualified path of base entry `o`.
  std::string_view Lowered(uint32_t o) const {
    return std::string_view(lower_text_)
        .substr(lower_off_[o], lower_off_[o + 1] - lower_off_[o]);
  }
  static constexpr uint32_t kSampleStride = 16;
  // Index of the first name not less than q (sorted names).
  uint32_t LowerBound(std::string_view q) const;
  // Index in tri_key_ of trigram t, or UINT32_MAX.
  uint32_t TrigramAt(uint32_t t) const;
  std::string_view NameAt(uint32_t i) const {
    return std::string_view(name_text_)
        .substr(name_off_[i], name_off_[i + 1] - name_off_[i]);
  }
  // Each walks one kind of match in rank order, calling `accept` until it
  // has returned true `need` times.
  void ExactName(std::string_view q, size_t need, const Accept& accept) const;
  void PrefixName(std::string_view q, size_t need, const Accept& accept) const;
  void ExactQualified(std::string_view q, size_t need,
                      const Accept& accept) const;
  void Substring(std::string_view q, size_t need, const Accept& accept) const;
  void ShortSubstring(std::string_view q, size_t need,
                      const Accept& accept) const;
  void UpdateSlot(const Graph& g, EntityIdx slot);
  void MaybeRebuild(const Graph& g);

  std::vector<Entry> entries_;     // base, by ordinal
  std::vector<uint64_t> slot_id_;  // id the base holds for each slot, or 0
  // Lower-cased qualified paths, by ordinal, then kContainsPadding bytes.
  std::string lower_text_;
  std::vector<uint32_t> lower_off_{0};  // ordinals + 1 offsets
  std::string name_text_;               // distinct lower-cased names, sorted
  std::vector<uint32_t> name_off_{0};   // names + 1 offsets
  std::vector<uint32_t> name_post_begin_{0};  // names + 1 offsets
  std::vector<uint32_t> name_post_;
  std::vector<uint32_t> name_min_;      // each name's least ordinal
  std::vector<uint32_t> by_qualified_;  // ordinals by folded qualified path
  // Open addressing over hash(folded path): 1 + the first place of each
  // distinct path in by_qualified_, or 0 for an empty slot.
  std::vector<uint32_t> qualified_table_;
  // The first 8 bytes (big-endian, zero-padded) of every kSampleStride-th
  // name, and every kSampleStride-th trigram.
  std::vector<uint64_t> name_sample_;
  std::vector<uint32_t> tri_sample_;
  std::vector<uint32_t> tri_key_;    // sorted distinct trigrams
  // Each trigram's ordinals, ascending, as varints of the gap to the one
  // before (the first: itself), back to back: about 1.1 bytes a posting
  // where 4 bytes held one. tri_begin_ has trigrams + 1 byte offsets.
  std::vector<uint8_t> tri_post_;
  std::vector<uint64_t> tri_begin_;
  std::vector<uint32_t> tri_count_;  // postings of each trigram
  // Reads one trigram's postings in order.
  struct Postings {
    const uint8_t* at = nullptr;
    const uint8_t* end = nullptr;
    uint32_t next = 0;  // the least ordinal the next one can be
    bool Next(uint32_t& ordinal) {
      if (at == end) return false;
      uint32_t gap = 0;
      for (int shift = 0;; shift += 7) {
        const uint8_t b = *at++;
        gap |= static_cast<uint32_t>(b & 0x7f) << shift;
        if (b < 0x80) break;
      }
      ordinal = next + gap;
      next = ordinal + 1;
      return true;
    }
  };
  Postings PostingsOf(uint32_t k) const {
    return {tri_post_.data() + tri_begin_[k], tri_post_.data() + tri_begin_[k + 1],
            0};
  }
  std::vector<uint32_t> short_;  // ordinals of qualified paths under 3 bytes
  // By ordinal: one bit per trigram and one per 4-byte substring of the
  // path (each hashed into 64), to drop most candidates without reading
  // their text.
  struct Signature {
    uint64_t trigrams = 0;
    uint64_t quadgrams = 0;
  };
  std::vector<Signature> sig_;
  size_t stale_ = 0;  // base entries whose slot changed since the build

  std::vector<bool> stale_bit_;           // by slot: the base entry is stale
  std::vector<uint32_t> qualified_rank_;  // by slot, as of the build

  std::vector<Entry> delta_;
  std::vector<uint32_t> delta_pos_;  // by slot: index into delta_, or ~0
};

// Display order (internal::QualifiedLess: qualified path, then id); with
// an index in sync with `g`, two ranked entities compare by their ranks
// (integers, not strings).
bool QualifiedLess(const Graph& g, const SearchIndex* index, EntityIdx a,
                   EntityIdx b);

}  // namespace aim::query

#endif  // AIM_ENGINE_QUERY_SEARCH_INDEX_H_
