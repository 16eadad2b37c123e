// Case-folded text matching and search ranking.
#include "engine/query/text.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace aim::query::internal {

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool ContainsFolded(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > hay.size()) return false;
  const char first = needle[0];
  const size_t last = hay.size() - needle.size();
  for (size_t i = 0; i <= last; ++i) {
    if (Lower(hay[i]) != first) continue;
    size_t k = 1;
    while (k < needle.size() && Lower(hay[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

bool PaddedContains(std::string_view hay, std::string_view needle) {
  const size_t n = hay.size(), m = needle.size();
  if (m > n) return false;
#ifdef __SSE2__
  if (m >= 2) {
    const __m128i first = _mm_set1_epi8(needle[0]);
    const __m128i last = _mm_set1_epi8(needle[m - 1]);
    const size_t positions = n - m + 1;
    for (size_t i = 0; i < positions; i += 16) {
      // Reads end at most at n - m + 15 and n + 14: within the padding.
      const __m128i a =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(hay.data() + i));
      const __m128i b = _mm_loadu_si128(
          reinterpret_cast<const __m128i*>(hay.data() + i + m - 1));
      uint32_t mask = static_cast<uint32_t>(_mm_movemask_epi8(
          _mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last))));
      if (positions - i < 16) mask &= (1u << (positions - i)) - 1;
      for (; mask != 0; mask &= mask - 1) {
        const size_t at = i + static_cast<size_t>(std::countr_zero(mask));
        if (std::memcmp(hay.data() + at + 1, needle.data() + 1, m - 2) == 0)
          return true;
      }
    }
    return false;
  }
#endif
  return hay.find(needle) != std::string_view::npos;
}

int CompareFolded(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = static_cast<unsigned char>(Lower(a[i]));
    const unsigned char y = static_cast<unsigned char>(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

bool StartsWithFolded(std::string_view s, std::string_view prefix) {
  if (prefix.size() > s.size()) return false;
  return CompareFolded(s.substr(0, prefix.size()), prefix) == 0;
}

bool EndsWithPath(const graph::QualifiedPath& q, std::string_view suffix) {
  if (suffix.empty() || suffix.size() > q.size() || !q.ends_with(suffix))
    return false;
  if (q.size() == suffix.size()) return true;
  const size_t at = q.size() - suffix.size();
  return at >= 2 && q[at - 1] == ':' && q[at - 2] == ':';
}

namespace {

uint32_t Trigram(std::string_view s, size_t i) {
  return static_cast<uint8_t>(Lower(s[i])) |
         static_cast<uint32_t>(static_cast<uint8_t>(Lower(s[i + 1]))) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(Lower(s[i + 2]))) << 16;
}

}  // namespace

void Trigrams(std::string_view s, std::vector<uint32_t>& out) {
  out.clear();
  for (size_t i = 0; i + 3 <= s.size(); ++i) out.push_back(Trigram(s, i));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

int MatchRank(std::string_view name, std::string_view qualified,
              std::string_view q) {
  if (q.empty()) return -1;
  if (CompareFolded(name, q) == 0) return SearchHit::kExactName;
  if (StartsWithFolded(name, q)) return SearchHit::kPrefixName;
  if (CompareFolded(qualified, q) == 0) return SearchHit::kExactQualified;
  if (ContainsFolded(qualified, q)) return SearchHit::kSubstring;
  return -1;
}

bool SearchKeyLess(const Graph& g, EntityIdx a, EntityIdx b) {
  const graph::Entity& ea = g.entity(a);
  const graph::Entity& eb = g.entity(b);
  const std::string_view na = g.str(ea.name), nb = g.str(eb.name);
  if (na.size() != nb.size()) return na.size() < nb.size();
  const graph::QualifiedPath qa = g.qualified(ea), qb = g.qualified(eb);
  if (qa.size() != qb.size()) return qa.size() < qb.size();
  const int c = qa.compare(qb);
  return c != 0 ? c < 0 : ea.id < eb.id;
}

int BoundedEditDistance(std::string_view a, std::string_view b, int bound) {
  const int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
  if (std::abs(n - m) > bound) return bound + 1;
  std::vector<int> prev(m + 1), cur(m + 1);
  for (int j = 0; j <= m; ++j) prev[j] = j;
  for (int i = 1; i <= n; ++i) {
    cur[0] = i;
    int row_min = cur[0];
    for (int j = 1; j <= m; ++j) {
      const int sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({sub, prev[j] + 1, cur[j - 1] + 1});
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > bound) return bound + 1;
    std::swap(prev, cur);
  }
  return std::min(prev[m], bound + 1);
}

}  // namespace aim::query::internal
