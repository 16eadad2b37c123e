// Internal to engine/query: ASCII case-folded text matching, and the
// ranking rules Search applies (shared by the index and the scan).
#ifndef AIM_ENGINE_QUERY_TEXT_H_
#define AIM_ENGINE_QUERY_TEXT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/query/query.h"

namespace aim::query::internal {

// ASCII case folding.
inline char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
std::string ToLower(std::string_view s);
// Whether `hay` contains `needle_lower` (already lower case), ignoring
// ASCII case in `hay`.
bool ContainsFolded(std::string_view hay, std::string_view needle_lower);
// Whether `hay` contains `needle`, bytewise. Reads up to kContainsPadding
// bytes past the end of `hay`, which the caller must make readable: it
// compares 16 positions at a time (their first and last bytes), which is
// several times quicker than std::string_view::find on short paths.
inline constexpr size_t kContainsPadding = 15;
bool PaddedContains(std::string_view hay, std::string_view needle);
// Three-way comparison of `a` folded against `b_lower`.
int CompareFolded(std::string_view a, std::string_view b_lower);
bool StartsWithFolded(std::string_view s, std::string_view prefix_lower);
// Whether `q` ends with `suffix` at a `::` boundary (or equals it).
bool EndsWithPath(const graph::QualifiedPath& q, std::string_view suffix);

// The first 8 bytes of `s`, big-endian, zero-padded: a < b implies
// Prefix8(a) <= Prefix8(b) (for strings without NUL bytes, which names
// and paths are).
inline uint64_t Prefix8(std::string_view s) {
  uint64_t k = 0;
  for (size_t i = 0; i < 8; ++i)
    k = k << 8 | (i < s.size() ? static_cast<uint8_t>(s[i]) : 0u);
  return k;
}
inline size_t PathHash(std::string_view s) {
  return std::hash<std::string_view>()(s);
}

// The distinct trigrams of `s`, case-folded, packed in three bytes and
// sorted.
void Trigrams(std::string_view s, std::vector<uint32_t>& out);

// How `name`/`qualified` match the lower-cased query `q`, best first;
// -1 for no match. See SearchHit::Match.
int MatchRank(std::string_view name, std::string_view qualified,
              std::string_view q);
// Order within a rank: shorter names, then shorter qualified paths, then
// qualified path, then id.
bool SearchKeyLess(const Graph& g, EntityIdx a, EntityIdx b);

// Edit distance between `a` and `b` if it is at most `bound`, else
// bound + 1.
int BoundedEditDistance(std::string_view a, std::string_view b, int bound);

}  // namespace aim::query::internal

#endif  // AIM_ENGINE_QUERY_TEXT_H_
