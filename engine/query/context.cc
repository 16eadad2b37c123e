// Context: a token-budgeted text pack about one entity, for an LLM.
#include <algorithm>
#include <string>

#include "engine/query/query.h"
#include "engine/query/traverse.h"

namespace aim::query {
namespace {

constexpr uint32_t kNeighbourDepth = 2;  // callers and callees

enum Section { kMembers, kCallers, kCallees, kImplementors, kUses, kSections };
constexpr std::string_view kSectionTitle[kSections] = {
    "## members\n", "## callers\n", "## callees\n", "## implementors\n",
    "## uses\n"};

struct Line {
  Section section;
  uint32_t depth;
  uint32_t order;  // position within its section's list
  std::string text;
};

std::string OneLine(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

std::string Location(const Graph& g, const graph::Entity& en) {
  if (en.kind == EntityKind::kExternal) return "external";
  return std::string(g.str(en.file)) + ":" + std::to_string(en.line);
}

std::string LineFor(const Graph& g, EntityIdx e, uint32_t depth) {
  const graph::Entity& en = g.entity(e);
  std::string s = "- [" + std::to_string(depth) + "] ";
  s += g.str(en.qualified);
  s += " (";
  s += model::EntityKindName(en.kind);
  s += ")";
  if (en.kind != EntityKind::kExternal) s += " " + Location(g, en);
  if (!g.str(en.sig).empty()) s += ": " + OneLine(g.str(en.sig));
  s += "\n";
  return s;
}

// The items of a type's impl blocks, or of a trait, by qualified path.
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
  std::sort(out.begin(), out.end(), [&](EntityIdx a, EntityIdx b) {
    return internal::QualifiedLess(g, a, b);
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Cuts `s` to at most `n` bytes without splitting a UTF-8 sequence.
void CutTo(std::string& s, size_t n) {
  if (s.size() <= n) return;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
}

}  // namespace

std::string Context(const Graph& g, EntityIdx e, uint32_t budget_tokens) {
  const size_t budget = static_cast<size_t>(budget_tokens) * 4;
  if (!g.live(e)) return "";
  const graph::Entity& en = g.entity(e);
  std::string out = "# " + std::string(g.str(en.qualified)) + " (" +
                    std::string(model::EntityKindName(en.kind)) + ")\n";
  if (!g.str(en.sig).empty()) out += OneLine(g.str(en.sig)) + "\n";
  out += "at " + Location(g, en) + "\n";
  if (out.size() >= budget) {
    CutTo(out, budget);
    return out;
  }

  std::vector<Line> lines;
  auto add_hits = [&](Section s, std::vector<Hit> hits) {
    SortByQualified(g, hits);
    for (uint32_t i = 0; i < hits.size(); ++i)
      lines.push_back(
          {s, hits[i].depth, i, LineFor(g, hits[i].entity, hits[i].depth)});
  };
  {
    const std::vector<EntityIdx> members = Members(g, e);
    for (uint32_t i = 0; i < members.size(); ++i)
      lines.push_back({kMembers, 1, i, LineFor(g, members[i], 1)});
  }
  add_hits(kCallers, Callers(g, e, kNeighbourDepth));
  add_hits(kCallees, Callees(g, e, kNeighbourDepth));
  add_hits(kImplementors, WhatImplements(g, e));
  add_hits(kUses, Uses(g, e));
  // Nearest first across sections.
  std::stable_sort(lines.begin(), lines.end(),
                   [](const Line& a, const Line& b) {
                     if (a.depth != b.depth) return a.depth < b.depth;
                     return a.section < b.section;
                   });

  // Take lines while they fit, keeping room to say how many did not.
  auto trailer = [](size_t omitted) {
    return "(" + std::to_string(omitted) + " more omitted)\n";
  };
  bool started[kSections] = {};
  size_t used = out.size();
  size_t taken = 0;
  for (; taken < lines.size(); ++taken) {
    const Line& l = lines[taken];
    size_t cost = l.text.size() +
                  (started[l.section] ? 0 : kSectionTitle[l.section].size());
    const size_t left_after = lines.size() - taken - 1;
    if (left_after > 0) cost += trailer(left_after).size();
    if (used + cost > budget) break;
    if (left_after > 0) cost -= trailer(left_after).size();
    used += cost;
    started[l.section] = true;
  }
  std::vector<Line> chosen(lines.begin(), lines.begin() + taken);
  std::stable_sort(chosen.begin(), chosen.end(),
                   [](const Line& a, const Line& b) {
                     if (a.section != b.section) return a.section < b.section;
                     if (a.depth != b.depth) return a.depth < b.depth;
                     return a.order < b.order;
                   });
  for (size_t i = 0; i < chosen.size(); ++i) {
    if (i == 0 || chosen[i].section != chosen[i - 1].section)
      out += kSectionTitle[chosen[i].section];
    out += chosen[i].text;
  }
  if (taken < lines.size()) {
    const std::string t = trailer(lines.size() - taken);
    if (out.size() + t.size() <= budget) out += t;
  }
  return out;
}

}  // namespace aim::query
