// Graph images: the adjacency lists, saved and loaded.
//
// Every edge is made by a reference, which records it in its `made` list;
// the image stores those lists with the references (image.cc). Number the
// made entries across the graph ("E order": file by file, reference by
// reference). The canonical out-list of an entity is then its live made
// entries as source, in E order; its canonical in-list its live made
// entries as target, in E order. A fresh ingest leaves every list
// canonical, so the image stores only:
//   - the stale made entries (recorded by a reference, but whose edge went
//     with a freed entity): the others are live;
//   - each list that is not canonical (edits append re-resolved edges at
//     the end), written out as made-entry numbers, or in full for an edge
//     no made entry stands for.
#include <algorithm>
#include <functional>
#include <tuple>

#include "engine/graph/image_internal.h"

namespace aim::graph {
namespace {

auto Fields(const Edge& e) {
  return std::tuple(e.other, e.file, e.line, static_cast<uint8_t>(e.kind),
                    static_cast<uint8_t>(e.confidence), e.flags);
}

// Groups items 0..keys.size() by key (< n), keeping their order: the items
// with key k are items[start[k] .. start[k + 1]).
void Group(const std::vector<EntityIdx>& keys, size_t n,
           std::vector<uint32_t>& start, std::vector<uint32_t>& items) {
  start.assign(n + 1, 0);
  for (EntityIdx k : keys) ++start[k + 1];
  for (size_t k = 0; k < n; ++k) start[k + 1] += start[k];
  items.resize(keys.size());
  std::vector<uint32_t> at(start.begin(), start.end() - 1);
  for (uint32_t i = 0; i < keys.size(); ++i) items[at[keys[i]]++] = i;
}

// For each edge of `list`, a distinct candidate whose edge (`edge_of(c)`)
// equals it, or -1. Candidates are tried in order.
template <typename EdgeOf>
std::vector<int64_t> Match(std::span<const Edge> list,
                           std::span<const uint32_t> cands, EdgeOf edge_of) {
  using Key = std::pair<decltype(Fields(Edge{})), uint32_t>;
  std::vector<Key> keys;
  keys.reserve(cands.size());
  for (uint32_t c : cands) keys.emplace_back(Fields(edge_of(c)), c);
  std::sort(keys.begin(), keys.end());
  std::vector<uint32_t> taken(keys.size(), 0);  // per run of equal fields
  std::vector<int64_t> match;
  match.reserve(list.size());
  for (const Edge& ed : list) {
    const auto f = Fields(ed);
    auto it = std::lower_bound(keys.begin(), keys.end(), Key{f, 0});
    const size_t run = static_cast<size_t>(it - keys.begin());
    const size_t at = run < keys.size() ? run + taken[run] : keys.size();
    if (at < keys.size() && keys[at].first == f) {
      ++taken[run];
      match.push_back(keys[at].second);
    } else {
      match.push_back(-1);
    }
  }
  return match;
}

// Match for a short list: each edge against the candidates in turn (no
// sort; at most a few hundred comparisons, all in cache).
template <typename EdgeOf>
std::vector<int64_t> MatchFew(std::span<const Edge> list,
                              std::span<const uint32_t> cands, EdgeOf edge_of) {
  uint64_t taken = 0;  // bit j: cands[j] matched
  std::vector<int64_t> match;
  match.reserve(list.size());
  for (const Edge& ed : list) {
    int64_t found = -1;
    for (size_t j = 0; j < cands.size(); ++j) {
      if (!(taken >> j & 1) && SameEdge(ed, edge_of(cands[j]))) {
        taken |= uint64_t{1} << j;
        found = cands[j];
        break;
      }
    }
    match.push_back(found);
  }
  return match;
}

// Match, by the cheaper way for the list's length.
template <typename EdgeOf>
std::vector<int64_t> MatchList(std::span<const Edge> list,
                               std::span<const uint32_t> cands,
                               EdgeOf edge_of) {
  return cands.size() <= 32 ? MatchFew(list, cands, edge_of)
                            : Match(list, cands, edge_of);
}

uint8_t Bits(const Edge& ed) {
  return image::PackEdge(static_cast<uint8_t>(ed.kind),
                         static_cast<uint8_t>(ed.confidence), ed.flags);
}

}  // namespace

void Graph::ImageSaver::Edges() {
  const size_t n = g_.entities_.size();
  std::vector<EntityIdx> e_from, e_to;
  std::vector<Edge> e_out;  // each made entry's edge, as in an out-list
  ForEachMade([&](EntityIdx from, const Edge& out) {
    e_from.push_back(from);
    e_to.push_back(out.other);
    e_out.push_back(out);
  });
  const size_t n_e = e_from.size();
  auto e_in = [&](uint32_t c) {
    Edge ed = e_out[c];
    ed.other = e_from[c];
    return ed;
  };
  std::vector<uint32_t> from_start, by_from, to_start, by_to;
  Group(e_from, n, from_start, by_from);
  Group(e_to, n, to_start, by_to);
  auto group = [](const std::vector<uint32_t>& start,
                  const std::vector<uint32_t>& items, size_t k) {
    return std::span<const uint32_t>(items.data() + start[k],
                                     start[k + 1] - start[k]);
  };

  // The lists as they are once the update ends: inside a batch, a list
  // that took many edges is sorted only then (Graph::InsertEdge). A
  // graph loaded from this image, its batch ended, must equal this one.
  absl::flat_hash_map<EntityIdx, std::vector<Edge>> settled[2];
  for (int d = 0; d < 2; ++d) {
    const auto& edits = d == 0 ? g_.out_edits_ : g_.in_edits_;
    const auto& touched = d == 0 ? g_.out_touched_ : g_.in_touched_;
    for (EntityIdx e : touched) {
      if (e >= edits.size() || edits[e] != kListUnsorted) continue;
      const std::span<const Edge> list = d == 0 ? g_.out_[e] : g_.in_[e];
      std::vector<Edge> copy(list.begin(), list.end());
      g_.SortList(copy);
      settled[d].emplace(e, std::move(copy));
    }
  }
  auto list_of = [&](int d, EntityIdx e) -> std::span<const Edge> {
    auto it = settled[d].find(e);
    if (it != settled[d].end()) return it->second;
    return d == 0 ? g_.out_[e] : g_.in_[e];
  };

  // Out-lists decide which made entries are live. A list whose edges are
  // its live made entries is canonical; if they are not in E order, its
  // order is stored (the positions, in E order, of its edges).
  std::vector<uint8_t> live(n_e, 0);
  std::vector<std::pair<EntityIdx, std::vector<int64_t>>> out_lists, in_lists;
  std::vector<std::pair<EntityIdx, std::vector<uint32_t>>> out_orders,
      in_orders;
  std::vector<uint32_t> rank(n_e, 0);  // a live entry's place in its list
  // The order of a list whose every edge matched one of `cands` (the live
  // ones among them, in E order): empty if it is E order.
  auto order_of = [&](std::span<const uint32_t> cands,
                      const std::vector<int64_t>& match) {
    uint32_t k = 0;
    for (uint32_t c : cands)
      if (live[c]) rank[c] = k++;
    std::vector<uint32_t> order;
    bool identity = true;
    for (size_t i = 0; i < match.size(); ++i)
      identity = identity && rank[match[i]] == i;
    if (!identity)
      for (int64_t c : match) order.push_back(rank[c]);
    return order;
  };
  for (EntityIdx s = 0; s < n; ++s) {
    const std::span<const Edge> list = list_of(0, s);
    auto cands = group(from_start, by_from, s);
    bool in_e_order = list.size() == cands.size();
    for (size_t i = 0; in_e_order && i < list.size(); ++i)
      in_e_order = SameEdge(list[i], e_out[cands[i]]);
    if (in_e_order) {
      for (uint32_t c : cands) live[c] = 1;
      continue;
    }
    auto match = MatchList(list, cands, [&](uint32_t c) { return e_out[c]; });
    bool canonical = true;
    for (int64_t c : match) {
      if (c >= 0) live[c] = 1;
      canonical = canonical && c >= 0;
    }
    if (!canonical || format_ < 3) {
      out_lists.emplace_back(s, std::move(match));
      continue;
    }
    auto order = order_of(cands, match);
    if (!order.empty()) out_orders.emplace_back(s, std::move(order));
  }
  for (EntityIdx t = 0; t < n; ++t) {
    const std::span<const Edge> list = list_of(1, t);
    auto cands = group(to_start, by_to, t);
    size_t i = 0;
    bool in_e_order = true;
    for (uint32_t c : cands) {
      if (!live[c]) continue;
      if (i == list.size() || !SameEdge(list[i], e_in(c))) {
        in_e_order = false;
        break;
      }
      ++i;
    }
    if (in_e_order && i == list.size()) continue;
    auto match = MatchList(list, cands, e_in);
    size_t n_live = 0;
    for (uint32_t c : cands) n_live += live[c];
    bool canonical = n_live == list.size();
    for (int64_t c : match) canonical = canonical && c >= 0 && live[c];
    if (!canonical || format_ < 3) {
      in_lists.emplace_back(t, std::move(match));
      continue;
    }
    auto order = order_of(cands, match);
    if (!order.empty()) in_orders.emplace_back(t, std::move(order));
  }

  size_t n_stale = 0;
  for (uint8_t l : live) n_stale += !l;
  w_.Varint(n_stale);
  int64_t prev = -1;
  for (size_t e = 0; e < n_e; ++e)
    if (!live[e]) {
      w_.Varint(static_cast<uint64_t>(static_cast<int64_t>(e) - prev - 1));
      prev = static_cast<int64_t>(e);
    }
  for (const auto* lists : {&out_lists, &in_lists}) {
    const bool out = lists == &out_lists;
    w_.Varint(lists->size());
    prev = -1;
    for (const auto& [slot, match] : *lists) {
      w_.Varint(static_cast<uint64_t>(static_cast<int64_t>(slot) - prev - 1));
      prev = slot;
      const std::span<const Edge> list = list_of(out ? 0 : 1, slot);
      w_.Varint(list.size());
      for (size_t i = 0; i < list.size(); ++i) {
        w_.Varint(static_cast<uint64_t>(match[i] + 1));
        if (match[i] >= 0) continue;
        w_.U32(list[i].other);  // no made entry stands for this edge
        w_.U32(list[i].file);
        w_.U32(list[i].line);
        w_.U8(Bits(list[i]));
      }
    }
  }
  if (format_ < 3) return;
  for (const auto* orders : {&out_orders, &in_orders}) {
    w_.Varint(orders->size());
    prev = -1;
    for (const auto& [slot, order] : *orders) {
      w_.Varint(static_cast<uint64_t>(static_cast<int64_t>(slot) - prev - 1));
      prev = slot;
      for (uint32_t at : order) w_.Varint(at);
    }
  }
}

void Graph::ImageLoader::ExplicitList(EntityIdx slot, bool out,
                                      std::vector<Edge>& list) {
  const size_t len = r_->Count(1, "edges.list_length");
  if (!r_->ok()) return;
  list.resize(len);
  const uint64_t n_e = MadeCount();
  for (Edge& ed : list) {
    const size_t at = r_->offset();
    const uint64_t v = r_->Varint("edges.entry");
    if (!r_->ok()) return;
    if (v == 0) {  // written out in full
      ed.other = r_->U32("edges.other");
      ed.file = r_->U32("edges.file");
      ed.line = std::min(r_->U32("edges.line"), kMaxEdgeLine);
      const uint8_t b = r_->U8("edges.bits");
      ed.kind = static_cast<EdgeKind>(b & 7);
      ed.confidence = static_cast<Confidence>((b >> 3) & 3);
      ed.flags = static_cast<uint8_t>(b >> 5);
      if (r_->ok() && (ed.other >= n_slots_ || ed.file >= n_str_ ||
                      (b & 7) >= model::kEdgeKindCount || ((b >> 3) & 3) >= 3))
        return r_->FailAt(at, "edges.entry", "edge out of range");
      continue;
    }
    const uint64_t e = v - 1;
    if (e >= n_e)
      return r_->FailAt(at, "edges.entry",
                       "made entry " + std::to_string(e) + " out of range (" +
                           std::to_string(n_e) + ")");
    const EntityIdx from = made_edges_[e].from;
    ed = made_edges_[e].edge;
    if ((out ? from : ed.other) != slot)
      return r_->FailAt(at, "edges.entry",
                       "made entry " + std::to_string(e) + " does not " +
                           (out ? "start" : "end") + " at slot " +
                           std::to_string(slot));
    if (!out) ed.other = from;
  }
}

void Graph::ImageLoader::ListOrders(const std::vector<uint8_t>& written) {
  std::vector<Edge> e_order;
  std::vector<uint32_t> seen;  // stamp per position: each is taken once
  uint32_t stamp = 0;
  for (uint8_t dir : {1, 2}) {
    auto& lists = dir == 1 ? g_->out_ : g_->in_;
    const size_t n_lists = r_->Count(1, "edges.orders");
    uint64_t slot = 0;
    for (size_t i = 0; i < n_lists && r_->ok(); ++i) {
      size_t at = r_->offset();
      slot += r_->Varint("edges.order_slot") + (i > 0);
      if (!r_->ok()) return;
      if (slot >= n_slots_ || (written[slot] & dir))
        return r_->FailAt(at, "edges.order_slot",
                          "entity slot " + std::to_string(slot) +
                              (slot >= n_slots_ ? " out of range"
                                                : " has its list written out"));
      const std::span<Edge> list = lists.Mutable(static_cast<EntityIdx>(slot));
      e_order.assign(list.begin(), list.end());
      if (seen.size() < list.size()) seen.resize(list.size(), 0);
      if (++stamp == 0) {
        std::fill(seen.begin(), seen.end(), 0);
        stamp = 1;
      }
      for (Edge& ed : list) {
        at = r_->offset();
        const uint64_t from = r_->Varint("edges.order");
        if (!r_->ok()) return;
        if (from >= e_order.size() || seen[from] == stamp)
          return r_->FailAt(at, "edges.order",
                            "position " + std::to_string(from) +
                                (from >= e_order.size() ? " out of range"
                                                        : " taken twice"));
        seen[from] = stamp;
        ed = e_order[from];
      }
    }
  }
}

template <typename Fn>
void Graph::ImageLoader::ForEachMade(Fn fn) const {
  for (const MadeEdge& m : made_edges_) fn(m.from, m.edge);
}

void Graph::ImageLoader::Edges() {
  const size_t n = n_slots_;
  const uint64_t n_e = MadeCount();
  const size_t n_stale = r_->Count(1, "edges.stale_count");
  if (!r_->ok()) return;
  std::vector<uint8_t> dead(n_stale > 0 ? n_e : 0, 0);
  uint64_t e = 0;
  for (size_t i = 0; i < n_stale; ++i) {
    const size_t at = r_->offset();
    e += r_->Varint("edges.stale") + (i > 0);
    if (!r_->ok()) return;
    if (e >= n_e)
      return r_->FailAt(at, "edges.stale",
                       "made entry " + std::to_string(e) + " out of range (" +
                           std::to_string(n_e) + ")");
    dead[e] = 1;
  }

  auto& out = g_->out_;
  auto& in = g_->in_;
  std::vector<uint8_t> written(n, 0);  // bit 1: out-list, bit 2: in-list
  // The lists written out, by direction, until the lists are laid out.
  std::vector<std::pair<EntityIdx, std::vector<Edge>>> explicit_lists[2];
  for (uint8_t dir : {1, 2}) {
    const size_t n_lists = r_->Count(2, "edges.lists");
    uint64_t slot = 0;
    for (size_t i = 0; i < n_lists && r_->ok(); ++i) {
      const size_t at = r_->offset();
      slot += r_->Varint("edges.slot") + (i > 0);
      if (!r_->ok()) return;
      if (slot >= n)
        return r_->FailAt(
            at, "edges.slot",
            "entity slot " + std::to_string(slot) + " out of range");
      written[slot] |= dir;
      auto& [owner, list] = explicit_lists[dir - 1].emplace_back();
      owner = static_cast<EntityIdx>(slot);
      ExplicitList(owner, dir == 1, list);
    }
  }
  if (!r_->ok()) return;

  // The canonical lists: size them (FileRefs counted every made entry;
  // the stale ones do not count), then fill them in E order.
  if (!dead.empty()) {
    e = 0;
    ForEachMade([&](EntityIdx from, const Edge& ed) {
      if (dead[e++]) {
        --out_n_[from];
        --in_n_[ed.other];
      }
    });
  }
  for (const auto& [slot, list] : explicit_lists[0])
    out_n_[slot] = static_cast<uint32_t>(list.size());
  for (const auto& [slot, list] : explicit_lists[1])
    in_n_[slot] = static_cast<uint32_t>(list.size());
  for (const std::vector<uint32_t>* sizes : {&out_n_, &in_n_}) {
    uint64_t total = 0;
    for (uint32_t k : *sizes) total += k;
    if (total > UINT32_MAX)  // (a list is a run of a 32-bit indexed array)
      return r_->Fail("edges", std::to_string(total) +
                                   " edges one way: more than a graph holds");
  }
  // Where the next edge of each canonical list goes (null: written out).
  std::vector<Edge*> out_at(n, nullptr), in_at(n, nullptr);
  auto lay_out = [&](EdgeLists& lists, std::vector<uint32_t>& sizes,
                     std::vector<Edge*>& at, uint8_t dir) {
    lists.Layout(sizes);
    sizes = {};
    for (size_t s = 0; s < n; ++s)
      if (!(written[s] & dir))
        at[s] = lists.Mutable(static_cast<EntityIdx>(s)).data();
    for (const auto& [slot, list] : explicit_lists[dir - 1])
      std::copy(list.begin(), list.end(), lists.Mutable(slot).begin());
  };
  // Null `at`: a list written out.
  auto fill = [&](bool outs, bool ins) {
    uint64_t m = 0;
    ForEachMade([&](EntityIdx from, const Edge& ed) {
      if (dead.empty() || !dead[m]) {
        if (Edge*& at = out_at[from]; outs && at) *at++ = ed;
        if (Edge*& at = in_at[ed.other]; ins && at) {
          *at = ed;
          (at++)->other = from;
        }
      }
      ++m;
    });
  };
  if (queries_only_) {
    // The out-lists beside the in-lists (the tables beside the edges are
    // soon done): each pass reads every made entry, compact here, and
    // writes one side (the writes, a cache miss each, are the cost).
    const std::function<void()> sides[] = {
        [&] {
          lay_out(out, out_n_, out_at, 1);
          fill(true, false);
        },
        [&] {
          lay_out(in, in_n_, in_at, 2);
          fill(false, true);
        }};
    RunAll(sides);
  } else {
    // One pass over the made entries: the tables and deps keep the other
    // core busy meanwhile.
    lay_out(out, out_n_, out_at, 1);
    lay_out(in, in_n_, in_at, 2);
    fill(true, true);
  }
  made_edges_ = {};
  if (version_ >= 3) {
    ListOrders(written);
    if (!r_->ok()) return;
  } else {
    // Saved before lists were kept in order: sort them.
    for (EntityIdx s = 0; s < n; ++s) {
      g_->SortList(out.Mutable(s));
      g_->SortList(in.Mutable(s));
    }
  }
  size_t edges = 0;
  for (EntityIdx s = 0; s < n; ++s) edges += out[s].size();
  g_->edge_count_ = edges;
}

}  // namespace aim::graph
