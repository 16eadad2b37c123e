// Cycles: strongly connected components (iterative Tarjan) over calls, or
// over the module import graph.
#include <algorithm>
#include <span>

#include "engine/query/query.h"
#include "engine/query/traverse.h"

namespace aim::query {
namespace {

constexpr uint32_t kNone = UINT32_MAX;

void PrefetchList(std::span<const graph::Edge> list) {
  if (!list.empty()) __builtin_prefetch(list.data());
}

// Tarjan's algorithm without recursion. `edges(v)` gives v's adjacency as a
// span; `target(x)` maps one element to a node, or kNone to skip it.
// Calls `emit(members)` for every component (members in pop order).
template <typename EdgesFn, typename TargetFn, typename EmitFn>
void Tarjan(uint32_t n, const std::vector<bool>& is_node, EdgesFn edges,
            TargetFn target, EmitFn emit) {
  struct Frame {
    uint32_t v;
    uint32_t i;
  };
  std::vector<uint32_t> index(n, kNone), low(n, 0);
  std::vector<bool> on_stack(n, false);
  std::vector<uint32_t> stack;
  std::vector<Frame> frames;
  std::vector<uint32_t> component;
  uint32_t counter = 0;
  auto open = [&](uint32_t v) {
    index[v] = low[v] = counter++;
    stack.push_back(v);
    on_stack[v] = true;
    frames.push_back({v, 0});
  };
  for (uint32_t root = 0; root < n; ++root) {
    if (!is_node[root] || index[root] != kNone) continue;
    open(root);
    while (!frames.empty()) {
      const uint32_t v = frames.back().v;
      const auto adj = edges(v);
      if (frames.back().i < adj.size()) {
        const uint32_t t = target(adj[frames.back().i++]);
        if (t == kNone) continue;
        if (index[t] == kNone) {
          open(t);
        } else if (on_stack[t]) {
          low[v] = std::min(low[v], index[t]);
        }
        continue;
      }
      if (low[v] == index[v]) {
        component.clear();
        uint32_t w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = false;
          component.push_back(w);
        } while (w != v);
        emit(component);
      }
      frames.pop_back();
      if (!frames.empty()) {
        const uint32_t u = frames.back().v;
        low[u] = std::min(low[u], low[v]);
      }
    }
  }
}

void SortCycles(const Graph& g, std::vector<std::vector<EntityIdx>>& cycles) {
  auto less = [&](EntityIdx a, EntityIdx b) {
    return internal::QualifiedLess(g, a, b);
  };
  for (auto& c : cycles) std::sort(c.begin(), c.end(), less);
  std::sort(cycles.begin(), cycles.end(),
            [&](const auto& a, const auto& b) { return less(a[0], b[0]); });
}

std::vector<std::vector<EntityIdx>> CallCycles(const Graph& g) {
  // Every member of a cycle is the target of a call: a callable or a
  // constructor (externals call nothing). Leaving out every other entity
  // (most of a large graph: consts, types, modules) saves reading their
  // adjacency lists.
  const uint32_t n = static_cast<uint32_t>(g.slot_count());
  std::vector<uint32_t> dense(n, kNone);  // slot -> node number
  std::vector<EntityIdx> slot_of;         // node number -> slot
  for (uint32_t v = 0; v < n; ++v) {
    if (!g.live(v)) continue;
    const EntityKind k = g.entity(v).kind;
    if (model::IsCallable(k) || k == EntityKind::kStruct ||
        k == EntityKind::kEnum || k == EntityKind::kUnion) {
      dense[v] = static_cast<uint32_t>(slot_of.size());
      slot_of.push_back(v);
    }
  }
  // The call edges between nodes, as compact adjacency lists read once in
  // slot order (prefetched a few lists ahead: each is its own allocation)
  // rather than chased in depth-first order.
  const uint32_t m = static_cast<uint32_t>(slot_of.size());
  std::vector<uint32_t> begin(m + 1, 0), adj;
  constexpr uint32_t kAhead = 8;
  for (uint32_t i = 0; i < m; ++i) {
    if (i + kAhead < m) PrefetchList(g.out(slot_of[i + kAhead]));
    for (const graph::Edge& e : g.out(slot_of[i]))
      if (e.kind == EdgeKind::kCalls && dense[e.other] != kNone)
        adj.push_back(dense[e.other]);
    begin[i + 1] = static_cast<uint32_t>(adj.size());
  }
  auto edges = [&](uint32_t v) {
    return std::span<const uint32_t>(adj.data() + begin[v],
                                     begin[v + 1] - begin[v]);
  };
  std::vector<std::vector<EntityIdx>> cycles;
  Tarjan(
      m, std::vector<bool>(m, true), edges, [](uint32_t t) { return t; },
      [&](const std::vector<uint32_t>& comp) {
        if (comp.size() == 1) {
          const auto out = edges(comp[0]);
          if (std::find(out.begin(), out.end(), comp[0]) == out.end()) return;
        }
        std::vector<EntityIdx> c;
        c.reserve(comp.size());
        for (uint32_t v : comp) c.push_back(slot_of[v]);
        cycles.push_back(std::move(c));
      });
  return cycles;
}

// The module an entity belongs to: itself if it is one, else the first
// module up its `contains` parents (preferring a module parent, then the
// least parent by qualified path). kNone for externals and orphans.
class ModuleOf {
 public:
  explicit ModuleOf(const Graph& g) : g_(g), memo_(g.slot_count(), kUnknown) {}

  uint32_t operator()(EntityIdx e) {
    std::vector<EntityIdx> chain;
    uint32_t found = kNone;
    for (int steps = 0; steps < 64; ++steps) {
      if (memo_[e] != kUnknown) {
        found = memo_[e];
        break;
      }
      chain.push_back(e);
      if (g_.entity(e).kind == EntityKind::kMod) {
        found = e;
        break;
      }
      EntityIdx parent = graph::kNoEntity;
      for (const graph::Edge& ed : g_.in(e)) {
        if (ed.kind != EdgeKind::kContains) continue;
        const bool is_mod = g_.entity(ed.other).kind == EntityKind::kMod;
        const bool parent_mod = parent != graph::kNoEntity &&
                                g_.entity(parent).kind == EntityKind::kMod;
        if (parent == graph::kNoEntity || (is_mod && !parent_mod) ||
            (is_mod == parent_mod &&
             internal::QualifiedLess(g_, ed.other, parent)))
          parent = ed.other;
      }
      if (parent == graph::kNoEntity) break;
      e = parent;
    }
    for (EntityIdx c : chain) memo_[c] = found;
    return found;
  }

 private:
  static constexpr uint32_t kUnknown = kNone - 1;
  const Graph& g_;
  std::vector<uint32_t> memo_;
};

std::vector<std::vector<EntityIdx>> ModuleCycles(const Graph& g) {
  ModuleOf module_of(g);
  std::vector<uint32_t> compact(g.slot_count(), kNone);
  std::vector<EntityIdx> modules;
  auto id_of = [&](EntityIdx m) {
    if (compact[m] == kNone) {
      compact[m] = static_cast<uint32_t>(modules.size());
      modules.push_back(m);
    }
    return compact[m];
  };
  std::vector<std::pair<uint32_t, uint32_t>> links;
  constexpr EntityIdx kAhead = 8;
  const EntityIdx slots = static_cast<EntityIdx>(g.slot_count());
  for (EntityIdx e = 0; e < slots; ++e) {
    if (e + kAhead < slots) PrefetchList(g.out(e + kAhead));
    if (!g.live(e)) continue;
    uint32_t from = kNone;
    for (const graph::Edge& ed : g.out(e)) {
      if (ed.kind != EdgeKind::kImports) continue;
      if (from == kNone) from = module_of(e);
      if (from == kNone) break;
      const uint32_t to = module_of(ed.other);
      if (to == kNone || to == from) continue;
      links.emplace_back(id_of(from), id_of(to));
    }
  }
  std::sort(links.begin(), links.end());
  links.erase(std::unique(links.begin(), links.end()), links.end());
  const uint32_t n = static_cast<uint32_t>(modules.size());
  std::vector<uint32_t> begin(n + 1, 0), adj(links.size());
  for (const auto& [a, b] : links) ++begin[a + 1];
  for (uint32_t i = 0; i < n; ++i) begin[i + 1] += begin[i];
  for (size_t i = 0; i < links.size(); ++i) adj[i] = links[i].second;
  std::vector<std::vector<EntityIdx>> cycles;
  Tarjan(
      n, std::vector<bool>(n, true),
      [&](uint32_t v) {
        return std::span<const uint32_t>(adj.data() + begin[v],
                                         begin[v + 1] - begin[v]);
      },
      [](uint32_t t) { return t; },
      [&](const std::vector<uint32_t>& comp) {
        if (comp.size() < 2) return;  // no self links by construction
        std::vector<EntityIdx> c;
        for (uint32_t v : comp) c.push_back(modules[v]);
        cycles.push_back(std::move(c));
      });
  return cycles;
}

}  // namespace

std::vector<std::vector<EntityIdx>> Cycles(const Graph& g, CycleScope scope) {
  std::vector<std::vector<EntityIdx>> cycles =
      scope == CycleScope::kCalls ? CallCycles(g) : ModuleCycles(g);
  SortCycles(g, cycles);
  return cycles;
}

}  // namespace aim::query
