// Context: a token-budgeted text pack about one entity, for an LLM.
#include <algorithm>
#include <charconv>
#include <string>

#include "engine/query/query.h"
#include "engine/query/search_index.h"
#include "engine/query/traverse.h"

namespace aim::query {
namespace {

constexpr uint32_t kNeighbourDepth = 2;  // callers and callees

enum Section { kMembers, kCallers, kCallees, kImplementors, kUses, kSections };
constexpr std::string_view kSectionTitle[kSections] = {
    "## members\n", "## callers\n", "## callees\n", "## implementors\n",
    "## uses\n"};

std::string OneLine(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

std::string Location(const Graph& g, const graph::Entity& en) {
  if (en.kind == EntityKind::kExternal) return "external";
  return std::string(g.str(en.file)) + ":" + std::to_string(en.line);
}

size_t Digits(uint64_t v) {
  size_t n = 1;
  for (; v >= 10; v /= 10) ++n;
  return n;
}

void AppendNumber(std::string& out, uint64_t v) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, end);
}

constexpr std::string_view kAmbiguousMark = ", ambiguous";

// Appends the line for entity `e`:
//   - [<depth>] <qualified> (<kind>[, ambiguous]) <file>:<line>: <signature>
// (no location for an external, no ": <signature>" without one).
void AppendLine(std::string& out, const Graph& g, EntityIdx e, uint32_t depth,
                bool ambiguous) {
  const graph::Entity& en = g.entity(e);
  out += "- [";
  AppendNumber(out, depth);
  out += "] ";
  g.qualified(en).AppendTo(out);
  out += " (";
  out += model::EntityKindName(en.kind);
  if (ambiguous) out += kAmbiguousMark;
  out += ")";
  if (en.kind != EntityKind::kExternal) {
    out += ' ';
    out += g.str(en.file);
    out += ':';
    AppendNumber(out, en.line);
  }
  const std::string_view sig = g.str(en.sig);
  if (!sig.empty()) {
    out += ": ";
    const size_t at = out.size();
    out += sig;
    std::replace(out.begin() + at, out.end(), '\n', ' ');
  }
  out += '\n';
}

// The size of the line AppendLine(g, e, depth, ambiguous) appends.
size_t LineSize(const Graph& g, EntityIdx e, uint32_t depth, bool ambiguous) {
  const graph::Entity& en = g.entity(e);
  size_t n = 3 + Digits(depth) + 2 + g.qualified(en).size() + 2 +
             model::EntityKindName(en.kind).size() + 1 + 1 +
             (ambiguous ? kAmbiguousMark.size() : 0);
  if (en.kind != EntityKind::kExternal)
    n += 1 + g.str(en.file).size() + 1 + Digits(en.line);
  const size_t sig = g.str(en.sig).size();
  if (sig > 0) n += 2 + sig;
  return n;
}
// No line is shorter: "- [1] x (fn)\n".
constexpr size_t kMinLineSize = 13;

// The items of a type's impl blocks, or of a trait (unordered, distinct).
std::vector<EntityIdx> Members(const Graph& g, EntityIdx e) {
  std::vector<EntityIdx> out;
  if (!model::IsType(g.entity(e).kind)) return out;
  for (const graph::Edge& ed : g.out(e)) {
    if (ed.kind != EdgeKind::kContains) continue;
    if (g.entity(ed.other).kind != EntityKind::kImpl) {
      out.push_back(ed.other);
      continue;
    }
    for (const graph::Edge& m : g.out(ed.other))
      if (m.kind == EdgeKind::kContains) out.push_back(m.other);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Cuts `s` to at most `n` bytes without splitting a UTF-8 sequence.
void CutTo(std::string& s, size_t n) {
  if (s.size() <= n) return;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
}

std::string Trailer(size_t omitted) {
  return "(" + std::to_string(omitted) + " more omitted)\n";
}

// The entities of one section at one depth, reached through exact or
// unique-name links only, or through an ambiguous one (a call `x.m()`
// linked to every method `m`: likely not this one).
struct Group {
  Section section;
  uint32_t depth;
  bool ambiguous;
  std::vector<EntityIdx> items;
};

}  // namespace

std::string Context(const Graph& g, EntityIdx e, uint32_t budget_tokens) {
  return Context(g, nullptr, e, budget_tokens);
}

std::string Context(const Graph& g, const SearchIndex* index, EntityIdx e,
                    uint32_t budget_tokens) {
  const size_t budget = static_cast<size_t>(budget_tokens) * 4;
  if (!g.live(e)) return "";
  const graph::Entity& en = g.entity(e);
  std::string out = "# " + g.qualified(en).str() + " (" +
                    std::string(model::EntityKindName(en.kind)) + ")\n";
  if (!g.str(en.sig).empty()) out += OneLine(g.str(en.sig)) + "\n";
  out += "at " + Location(g, en) + "\n";
  if (out.size() >= budget) {
    CutTo(out, budget);
    return out;
  }

  // Lines are taken nearest first across sections (every depth-1 group, in
  // section order, then the depth-2 groups), each group by qualified
  // path, until the next one does not fit. Only the groups that are
  // reached are put in order, and only as far as the budget could reach;
  // only the lines taken are written.
  std::vector<Group> groups;
  groups.push_back({kMembers, 1, false, Members(g, e)});
  // The walks under Callers, Callees, WhatImplements and Uses; their
  // records (nearest first) without the hits' paths. A record is
  // ambiguous if the edge that reached it, or its parent, is.
  std::vector<bool> ambiguous;
  auto add_walk = [&](Section s, bool up, EdgeKind kind, uint32_t depth) {
    internal::WalkSpec spec;
    spec.up = up;
    spec.kinds = internal::KindBit(kind);
    spec.max_depth = depth;
    spec.track_sure = true;
    const std::span<const internal::Record> recs = internal::Walk(g, e, spec);
    ambiguous.assign(recs.size(), false);
    const size_t first = groups.size();
    for (uint32_t i = 0; i < recs.size(); ++i) {
      const internal::Record& r = recs[i];
      if (r.depth == 0) continue;
      ambiguous[i] = ambiguous[r.parent] || !r.sure;
      // Groups of this walk: (depth 1, sure), (depth 1, ambiguous), ...
      const size_t at = first + 2 * (r.depth - 1) + ambiguous[i];
      while (groups.size() <= at) {
        const size_t k = groups.size() - first;
        groups.push_back({s, static_cast<uint32_t>(k / 2 + 1), k % 2 == 1, {}});
      }
      groups[at].items.push_back(r.node);
    }
  };
  add_walk(kCallers, true, EdgeKind::kCalls, kNeighbourDepth);
  add_walk(kCallees, false, EdgeKind::kCalls, kNeighbourDepth);
  add_walk(kImplementors, true, EdgeKind::kImplements, 1);
  add_walk(kUses, false, EdgeKind::kUses, 1);
  std::erase_if(groups, [](const Group& gr) { return gr.items.empty(); });
  std::stable_sort(groups.begin(), groups.end(),
                   [](const Group& a, const Group& b) {
                     if (a.depth != b.depth) return a.depth < b.depth;
                     if (a.ambiguous != b.ambiguous) return b.ambiguous;
                     return a.section < b.section;
                   });
  size_t total = 0;
  for (const Group& gr : groups) total += gr.items.size();

  auto less = [&](EntityIdx a, EntityIdx b) {
    return QualifiedLess(g, index, a, b);
  };
  struct Chosen {
    Section section;
    uint32_t depth;
    bool ambiguous;
    EntityIdx entity;
  };
  std::vector<Chosen> chosen;
  bool started[kSections] = {};
  size_t used = out.size();
  bool full = false;
  for (Group& gr : groups) {
    if (full) break;
    std::vector<EntityIdx>& items = gr.items;
    const size_t reach = (budget - used) / kMinLineSize + 1;
    if (items.size() > reach) {
      std::nth_element(items.begin(), items.begin() + reach, items.end(), less);
      items.resize(reach);
    }
    std::sort(items.begin(), items.end(), less);
    for (EntityIdx item : items) {
      size_t cost =
          LineSize(g, item, gr.depth, gr.ambiguous) +
          (started[gr.section] ? 0 : kSectionTitle[gr.section].size());
      const size_t left_after = total - chosen.size() - 1;
      const size_t trailer = left_after > 0 ? Trailer(left_after).size() : 0;
      if (used + cost + trailer > budget) {
        full = true;
        break;
      }
      used += cost;
      started[gr.section] = true;
      chosen.push_back({gr.section, gr.depth, gr.ambiguous, item});
    }
  }
  // Written by section, then depth, sure before ambiguous (each group
  // already in order).
  std::stable_sort(chosen.begin(), chosen.end(),
                   [](const Chosen& a, const Chosen& b) {
                     if (a.section != b.section) return a.section < b.section;
                     if (a.depth != b.depth) return a.depth < b.depth;
                     return !a.ambiguous && b.ambiguous;
                   });
  out.reserve(used + (chosen.size() < total ? Trailer(total).size() : 0));
  for (size_t i = 0; i < chosen.size(); ++i) {
    if (i == 0 || chosen[i].section != chosen[i - 1].section)
      out += kSectionTitle[chosen[i].section];
    AppendLine(out, g, chosen[i].entity, chosen[i].depth, chosen[i].ambiguous);
  }
  if (chosen.size() < total) {
    const std::string t = Trailer(total - chosen.size());
    if (out.size() + t.size() <= budget) out += t;
  }
  return out;
}

}  // namespace aim::query
