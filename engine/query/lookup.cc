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
  // Best score, then named items before placeholders, then names nearest
  // in length, then by qualified path.
  auto key_less = [&](const std::pair<int, EntityIdx>& a,
                      const std::pair<int, EntityIdx>& b) {
    if (a.first != b.first) return a.first < b.first;
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
    std::string s(g.str(g.entity(e).qualified));
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
  // Named items first; externals and impl blocks only if nothing else.
  for (bool aux : {false, true}) {
    std::vector<EntityIdx> exact, suffix;
    for (EntityIdx e : named) {
      const graph::Entity& en = g.entity(e);
      if (!g.live(e) || IsAux(en.kind) != aux) continue;
      if (kind && en.kind != *kind && en.kind != EntityKind::kExternal)
        continue;
      const std::string_view q = g.str(en.qualified);
      if (q == name ||
          (renamed && en.kind == EntityKind::kExternal && q == canonical)) {
        exact.push_back(e);
      } else if (internal::EndsWithPath(q, name)) {
        suffix.push_back(e);
      }
    }
    std::vector<EntityIdx>& found = exact.empty() ? suffix : exact;
    if (found.empty()) continue;
    std::sort(found.begin(), found.end(), [&](EntityIdx a, EntityIdx b) {
      // Ranks compare as paths do, and cost no string comparison.
      const uint32_t ra =
          index ? index->QualifiedRank(a) : SearchIndex::kNoRank;
      const uint32_t rb =
          index ? index->QualifiedRank(b) : SearchIndex::kNoRank;
      if (ra != SearchIndex::kNoRank && rb != SearchIndex::kNoRank)
        return ra < rb;
      return internal::QualifiedLess(g, a, b);
    });
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
