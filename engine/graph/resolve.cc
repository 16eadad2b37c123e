// Name resolution: a reference's path -> the entities it names.
//
// Order of lookup for a path's first segment, in each scope of the chain
// (fn bodies inside out, then the module): `use` imports, then items. Then
// the crates of the workspace, then glob imports, then the items at the
// crate root (edition 2015's `use` paths). `crate`, `self`, `super` and
// `Self` are understood. Later segments are looked up as members of a
// module (items, re-exports, globs), or as associated items of a type or
// trait (methods and consts of its impls; an enum's variants stand for the
// enum). A path whose first segment names nothing in the tree is external.
// A path that enters the tree but then cannot be followed falls back to a
// match on its last segment's name, as method calls always do.
#include <xxhash.h>

#include <algorithm>
#include <string>

#include "engine/graph/graph.h"
#include "engine/graph/graph_internal.h"

namespace aim::graph {
namespace {

constexpr int kMaxDepth = 8;
constexpr size_t kMaxAmbiguous = 16;

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> segs;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find("::", i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) segs.push_back(path.substr(i, j - i));
    i = j + 2;
  }
  return segs;
}

std::string JoinSegs(const std::vector<std::string_view>& segs, size_t from) {
  std::string s;
  for (size_t i = from; i < segs.size(); ++i) {
    if (!s.empty()) s += "::";
    s += segs[i];
  }
  return s;
}

std::string_view Parent(std::string_view module) {
  size_t cut = module.rfind("::");
  return cut == std::string_view::npos ? module : module.substr(0, cut);
}

// Parent() of a qualified path as an entity holds it.
QualifiedPath ParentPath(const QualifiedPath& q) {
  const size_t cut = q.leaf.rfind("::");
  if (cut != std::string_view::npos) return {q.head, q.leaf.substr(0, cut)};
  if (!q.head.empty()) return {{}, q.head};
  return q;
}

std::string_view CrateOf(std::string_view module) {
  size_t cut = module.find("::");
  return cut == std::string_view::npos ? module : module.substr(0, cut);
}

enum class Want { kAny, kCallable, kType, kTrait, kModule };

bool Fits(Want w, EntityKind k) {
  switch (w) {
    case Want::kAny: return true;
    case Want::kCallable:
      return model::IsCallable(k) || k == EntityKind::kStruct ||
             k == EntityKind::kEnum || k == EntityKind::kUnion;
    case Want::kType: return model::IsType(k);
    case Want::kTrait: return k == EntityKind::kTrait;
    case Want::kModule: return k == EntityKind::kMod;
  }
  return false;
}

}  // namespace

// One resolution in progress: the names it looked up, and how deep it is
// into import expansions.
struct Graph::Lookup {
  std::vector<StrId> deps;
  int depth = 0;
  // While expanding `use x;` in scope S, `x` must not find that same import.
  StrId skip_scope = 0, skip_name = 0;
  // (scope, name) pairs already searched through glob imports.
  absl::flat_hash_set<std::pair<StrId, StrId>> glob_seen;
};

struct Graph::Cursor {
  bool is_module = false;
  StrId module = 0;  // with is_module: the module's qualified path
  std::vector<EntityIdx> ents;
};

EntityIdx Graph::External(StrId path) {
  auto it = externals_.find(path);
  if (it != externals_.end() && live(it->second)) return it->second;
  std::string_view p = str(path);
  size_t cut = p.rfind("::");
  Entity e;
  e.kind = EntityKind::kExternal;
  e.parent = path;
  e.flags = kOwnPath;  // (NewEntity makes it live)
  e.name = strings_.Intern(cut == std::string_view::npos ? p : p.substr(cut + 2));
  std::string key;  // identity: XXH3 of (kind, path)
  key.push_back(static_cast<char>(EntityKind::kExternal));
  key.append(p);
  e.id = XXH3_64bits(key.data(), key.size());
  EntityIdx idx = NewEntity(e);
  externals_[path] = idx;
  return idx;
}

void Graph::Unresolve(Ref& r, StrId file) {
  const uint8_t flags = EdgeFlags(r.flags);
  for (auto m = r.made.rbegin(); m != r.made.rend(); ++m) {  // last made first
    const EntityIdx from = m->from, to = m->to;
    RemoveEdge(from, to, r.kind, m->confidence, file, r.line, flags);
    for (EntityIdx x : {from, to}) {
      if (live(x) && entities_[x].kind == EntityKind::kExternal &&
          in_[x].empty() && out_[x].empty()) {
        externals_.erase(entities_[x].parent);  // (kOwnPath)
        FreeEntity(x);
      }
    }
  }
  r.made.clear();
}

}  // namespace aim::graph

namespace aim::graph {

namespace {

// An edge's identity in one list (every field).
std::pair<uint64_t, uint64_t> EdgeKey(const Edge& e) {
  return {uint64_t{e.other} << 32 | e.file,
          uint64_t{e.line} << 32 | uint64_t{static_cast<uint8_t>(e.kind)} << 16 |
              uint64_t{static_cast<uint8_t>(e.confidence)} << 8 | e.flags};
}

// Removes from list `owner` one edge equal to each of `gone` (all present),
// keeping the order of the rest: what removing them one by one gives.
// One pass; most elements are ruled out by their `other` alone (the edges
// a file withdraws come from, or go to, a few nearby slots).
void RemoveEach(EdgeLists& lists, EntityIdx owner,
                std::span<const Edge> gone) {
  EntityIdx lo = kNoEntity, hi = 0;
  for (const Edge& e : gone) {
    lo = std::min(lo, e.other);
    hi = std::max(hi, e.other);
  }
  constexpr size_t kFew = 8;
  std::pair<uint64_t, uint64_t> few[kFew];
  uint32_t few_left[kFew];
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>, uint32_t> many;
  size_t n_few = 0, left = gone.size();
  if (gone.size() <= kFew) {
    for (const Edge& e : gone) {
      const auto k = EdgeKey(e);
      size_t j = 0;
      while (j < n_few && few[j] != k) ++j;
      if (j == n_few) {
        few[n_few] = k;
        few_left[n_few++] = 0;
      }
      ++few_left[j];
    }
  } else {
    for (const Edge& e : gone) ++many[EdgeKey(e)];
  }
  auto take = [&](const Edge& e) {
    const auto k = EdgeKey(e);
    if (gone.size() <= kFew) {
      for (size_t j = 0; j < n_few; ++j) {
        if (few_left[j] != 0 && few[j] == k) {
          --few_left[j];
          return true;
        }
      }
      return false;
    }
    auto it = many.find(k);
    if (it == many.end() || it->second == 0) return false;
    --it->second;
    return true;
  };
  const std::span<Edge> list = lists.Mutable(owner);
  size_t w = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const Edge& e = list[i];
    if (left != 0 && e.other >= lo && e.other <= hi && take(e)) {
      --left;
      continue;
    }
    if (w != i) list[w] = e;
    ++w;
  }
  lists.Truncate(owner, w);
}

}  // namespace

void Graph::RemoveMade(std::span<const Ref* const> refs, StrId file) {
  // (list owner, edge as that list holds it), for the out- and in-lists.
  std::vector<std::pair<EntityIdx, Edge>> outs, ins;
  for (const Ref* r : refs) {
    for (const Ref::Made& m : r->made) {
      if (!live(m.from) || !live(m.to)) continue;  // dropped with an entity
      const Edge out = r->OutEdge(m, file);
      Edge in = out;
      in.other = m.from;
      outs.emplace_back(m.from, out);
      ins.emplace_back(m.to, in);
    }
  }
  auto by_owner = [](const auto& a, const auto& b) { return a.first < b.first; };
  // Every edge a reference made is in both lists until it is removed here.
  auto remove_all = [&](std::vector<std::pair<EntityIdx, Edge>>& v,
                        EdgeLists& lists) {
    std::stable_sort(v.begin(), v.end(), by_owner);
    std::vector<Edge> run;
    for (size_t i = 0; i < v.size();) {
      size_t j = i;
      run.clear();
      while (j < v.size() && v[j].first == v[i].first) run.push_back(v[j++].second);
      RemoveEach(lists, v[i].first, run);
      i = j;
    }
  };
  remove_all(outs, out_);
  remove_all(ins, in_);
  edge_count_ -= outs.size();
}

void Graph::FreeOrphanExternals(std::span<const Ref* const> refs) {
  for (const Ref* r : refs) {
    for (const Ref::Made& m : r->made) {
      for (EntityIdx x : {m.from, EntityIdx{m.to}}) {
        if (live(x) && entities_[x].kind == EntityKind::kExternal &&
            in_[x].empty() && out_[x].empty()) {
          externals_.erase(entities_[x].parent);  // (kOwnPath)
          FreeEntity(x);
        }
      }
    }
  }
}

void Graph::UnresolveFile(File& f) {
  std::vector<const Ref*> all;
  all.reserve(f.refs.size());
  for (const Ref& r : f.refs) all.push_back(&r);
  RemoveMade(all, f.path);
  FreeOrphanExternals(all);
  for (Ref& r : f.refs) r.made.clear();
}

bool Graph::Members(StrId scope, StrId name,
                    std::vector<EntityIdx>& out) const {
  out.clear();
  member_index_.ForEachUnder(MemberKey(scope, name), MemberKeyOf(),
                             [&](EntityIdx e) { out.push_back(e); });
  auto it = members_.find(ScopeName{scope, name});
  if (it != members_.end())
    out.insert(out.end(), it->second.begin(), it->second.end());
  if (out.size() > 1) {
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  return !out.empty();
}

bool Graph::HasMembers(StrId scope, StrId name) const {
  if (members_.contains(ScopeName{scope, name})) return true;
  bool any = false;
  member_index_.ForEachUnder(MemberKey(scope, name), MemberKeyOf(),
                             [&](EntityIdx) { any = true; });
  return any;
}

const Graph::EntityList* Graph::Assoc(StrId type, StrId name) const {
  auto it = assoc_.find(ScopeName{type, name});
  return it == assoc_.end() ? nullptr : &it->second;
}

StrId Graph::FirstImport(StrId scope, StrId name) const {
  auto it = imports_.find(ScopeName{scope, name});
  if (it == imports_.end()) return 0;
  // Several (cfg alternatives): the least path, whatever the insertion order.
  StrId best = it->second[0];
  for (StrId p : it->second)
    if (str(p) < str(best)) best = p;
  return best;
}

bool Graph::Walk(std::vector<std::string_view> segs,
                 const std::vector<StrId>& chain, StrId self_type,
                 Lookup& L, std::vector<EntityIdx>& out,
                 std::string& external) {
  out.clear();
  external.clear();
  if (segs.empty() || chain.empty() || L.depth > kMaxDepth) return false;
  const StrId module = chain.back();
  const std::string_view mod = str(module);
  Cursor cur;
  size_t i = 1;
  std::string_view s0 = segs[0];
  if (s0 == "crate") {
    cur.is_module = true;
    cur.module = strings_.Intern(CrateOf(mod));
  } else if (s0 == "self") {
    cur.is_module = true;
    cur.module = module;
  } else if (s0 == "super") {
    std::string_view m = mod;
    i = 0;
    while (i < segs.size() && segs[i] == "super") {
      m = Parent(m);
      ++i;
    }
    cur.is_module = true;
    cur.module = strings_.Intern(m);
  } else if (s0 == "Self") {
    if (self_type == 0) return false;
    std::vector<std::string_view> expanded = Split(str(self_type));
    for (size_t k = 1; k < segs.size(); ++k) expanded.push_back(segs[k]);
    ++L.depth;
    return Walk(std::move(expanded), chain, 0, L, out, external);
  } else {
    StrId n = strings_.Intern(s0);
    L.deps.push_back(n);
    bool found = false;
    for (size_t k = 0; k < chain.size() && !found; ++k) {
      if (!(chain[k] == L.skip_scope && n == L.skip_name)) {
        if (StrId imp = FirstImport(chain[k], n)) {
          std::vector<std::string_view> expanded = Split(str(imp));
          for (size_t m = 1; m < segs.size(); ++m) expanded.push_back(segs[m]);
          std::vector<StrId> sub(chain.begin() + k, chain.end());
          StrId saved_scope = L.skip_scope, saved_name = L.skip_name;
          L.skip_scope = chain[k];
          L.skip_name = n;
          ++L.depth;
          bool ok = Walk(std::move(expanded), sub, self_type, L, out, external);
          L.skip_scope = saved_scope;
          L.skip_name = saved_name;
          // The import leads nowhere on this path, but the scope has an
          // item of its name: a module and an imported value of one name
          // live apart (`mod spawn; pub use spawn::spawn;`), so the path
          // may go through the item.
          if (ok || !HasMembers(chain[k], n)) return ok;
          out.clear();
          external.clear();
        }
      }
      if (std::vector<EntityIdx> m; Members(chain[k], n, m)) {
        cur.ents = std::move(m);
        found = true;
      }
    }
    // Edition 2015: a `use` path starts at the crate root (`use a::b` in
    // any module is `use crate::a::b`), so a first segment found nowhere
    // in scope may name an item there. (Looked up only then.)
    std::vector<EntityIdx> at_root;
    if (!found) {
      const StrId root = strings_.Find(CrateOf(mod));
      if (root != model::StringPool::kNoStr && root != module)
        Members(root, n, at_root);
    }
    if (!found && crates_.count(n)) {
      cur.is_module = true;
      cur.module = n;
      found = true;
      if (!at_root.empty()) {
        // A crate (edition 2018) or the crate root's item (2015): the
        // crate if the path can be followed there, else the item.
        if (Follow(cur, segs, 1, L, out, external)) return true;
        cur = Cursor();
        cur.ents = std::move(at_root);
      }
    }
    for (size_t k = 0; k < chain.size() && !found; ++k) {
      std::vector<StrId> sub(chain.begin() + k, chain.end());
      found = ThroughGlobs(chain[k], sub, self_type, segs, 0, L, cur);
    }
    if (!found && !at_root.empty()) {
      cur.ents = std::move(at_root);
      found = true;
    }
    if (!found) {
      external = JoinSegs(segs, 0);
      return true;
    }
  }
  return Follow(std::move(cur), segs, i, L, out, external);
}

bool Graph::Follow(Cursor cur, const std::vector<std::string_view>& segs,
                   size_t i, Lookup& L, std::vector<EntityIdx>& out,
                   std::string& external) {
  out.clear();
  external.clear();
  for (; i < segs.size(); ++i) {
    bool done = false;
    if (!Step(cur, segs[i], L, segs, i, out, external, done)) return false;
    if (done) return true;
  }
  if (cur.is_module) {
    auto it = modules_.find(cur.module);
    if (it == modules_.end()) return false;
    out.assign(it->second.begin(), it->second.end());
  } else {
    out = std::move(cur.ents);
  }
  return true;
}

bool Graph::ThroughGlobs(StrId scope, const std::vector<StrId>& chain,
                         StrId self_type,
                         const std::vector<std::string_view>& segs, size_t i,
                         Lookup& L, Cursor& cur) {
  // Each (scope, name) is searched through globs once per resolution: glob
  // imports may form cycles (`pub use super::*` both ways).
  auto g = globs_.find(scope);
  if (g == globs_.end() ||
      !L.glob_seen.insert({scope, strings_.Intern(segs[i])}).second)
    return false;
  std::vector<StrId> globs(g->second.begin(), g->second.end());
  std::sort(globs.begin(), globs.end(),
            [&](StrId a, StrId b) { return str(a) < str(b); });
  for (StrId gp : globs) {
    std::vector<EntityIdx> gout;
    std::string gext;
    ++L.depth;
    bool ok = !str(gp).empty() &&
              Walk(Split(str(gp)), chain, self_type, L, gout, gext);
    --L.depth;
    if (!ok || gout.empty()) continue;
    Cursor gc;
    gc.ents = std::move(gout);
    bool done = false;
    std::vector<EntityIdx> via_import;
    std::string via_ext;
    ++L.depth;
    bool stepped = Step(gc, segs[i], L, segs, i, via_import, via_ext, done);
    --L.depth;
    if (!stepped) continue;
    if (done) {  // found through a re-export: a finished walk of the segment
      if (via_import.empty()) continue;
      gc.is_module = false;
      gc.ents = std::move(via_import);
    }
    if (gc.is_module || !gc.ents.empty()) {
      cur = std::move(gc);
      return true;
    }
  }
  return false;
}

bool Graph::Step(Cursor& cur, std::string_view seg, Lookup& L,
                 const std::vector<std::string_view>& segs, size_t i,
                 std::vector<EntityIdx>& out, std::string& external,
                 bool& done) {
  if (L.depth > kMaxDepth) return false;
  StrId n = strings_.Intern(seg);
  L.deps.push_back(n);
  if (!cur.is_module && !cur.ents.empty() &&
      std::all_of(cur.ents.begin(), cur.ents.end(), [&](EntityIdx e) {
        return entities_[e].kind == EntityKind::kMod &&
               entities_[e].parent == entities_[cur.ents[0]].parent;
      })) {
    // A module item: look into the module (its items, re-exports, globs).
    // (A module's parent is its own path: kOwnPath.)
    cur.is_module = true;
    cur.module = entities_[cur.ents[0]].parent;
  }
  if (cur.is_module) {
    if (std::vector<EntityIdx> m; Members(cur.module, n, m)) {
      cur.is_module = false;
      cur.ents = std::move(m);
      // A module and an import of one name (`mod spawn; pub use
      // spawn::spawn;`): the module is a type, the import may bring a
      // value. At a path's end both are candidates (the wanted kind picks).
      StrId imp = 0;
      if (i + 1 == segs.size() &&
          std::all_of(cur.ents.begin(), cur.ents.end(), [&](EntityIdx e) {
            return entities_[e].kind == EntityKind::kMod;
          }))
        imp = FirstImport(cur.module, n);
      if (imp != 0) {
        std::vector<EntityIdx> via;
        std::string via_ext;
        ++L.depth;
        const bool ok =
            Walk(Split(str(imp)), {cur.module}, 0, L, via, via_ext);
        --L.depth;
        out = std::move(cur.ents);
        // (A module it brings would share the member's namespace: cfg
        // alternatives, `mod c;` beside `use libc as c;`. The member wins.)
        if (ok)
          for (EntityIdx e : via)
            if (entities_[e].kind != EntityKind::kMod) out.push_back(e);
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        done = true;
      }
      return true;
    }
    if (StrId imp = FirstImport(cur.module, n)) {
      std::vector<std::string_view> expanded = Split(str(imp));
      for (size_t m = i + 1; m < segs.size(); ++m) expanded.push_back(segs[m]);
      ++L.depth;
      done = true;
      return Walk(std::move(expanded), {cur.module}, 0, L, out, external);
    }
    return ThroughGlobs(cur.module, {cur.module}, 0, segs, i, L, cur);
  }
  std::vector<EntityIdx> next;
  std::vector<EntityIdx> enums;
  std::vector<EntityIdx> found;  // a module's members
  for (EntityIdx e : cur.ents) {
    const Entity& en = entities_[e];
    if (en.kind == EntityKind::kMod) {
      if (Members(en.parent, n, found))  // (kOwnPath)
        next.insert(next.end(), found.begin(), found.end());
      continue;
    }
    L.deps.push_back(en.name);
    auto it = assoc_.find(ScopeName{en.name, n});
    if (it != assoc_.end()) {
      // The table is keyed by the type's simple name, so it also holds
      // other types' members (mio's `TcpStream::connect` beside tokio's).
      // Members written beside the type (an impl in its module, a trait's
      // items) are its own: when there are any, they alone are taken.
      const size_t at = next.size();
      const QualifiedPath type_path = qualified(en);
      for (EntityIdx m : it->second)
        if (ParentPath(qualified(m)) == type_path) next.push_back(m);
      if (next.size() == at)
        next.insert(next.end(), it->second.begin(), it->second.end());
    }
    if (en.kind == EntityKind::kEnum) enums.push_back(e);
  }
  std::sort(next.begin(), next.end());
  next.erase(std::unique(next.begin(), next.end()), next.end());
  if (next.empty()) {
    if (!enums.empty() && i + 1 == segs.size()) {
      cur.ents = std::move(enums);  // a variant stands for its enum
      return true;
    }
    return false;
  }
  cur.ents = std::move(next);
  return true;
}

namespace {

Want WantFor(EdgeKind k) {
  switch (k) {
    case EdgeKind::kCalls: return Want::kCallable;
    case EdgeKind::kUses: return Want::kType;
    case EdgeKind::kImplements: return Want::kTrait;
    case EdgeKind::kContains: return Want::kType;
    case EdgeKind::kImports: return Want::kAny;
  }
  return Want::kAny;
}

// `<T as a::Tr>::f` -> `a::Tr::f`; `<Vec<u8>>::new` -> `Vec::new`.
std::string Unqualify(std::string_view p) {
  if (p.empty() || p[0] != '<') return std::string(p);
  int depth = 0;
  size_t close = std::string_view::npos;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '<') ++depth;
    if (p[i] == '>' && --depth == 0) {
      close = i;
      break;
    }
  }
  if (close == std::string_view::npos) return std::string(p);
  std::string_view inner = p.substr(1, close - 1);
  std::string_view rest = p.substr(close + 1);
  size_t as = inner.find(" as ");
  std::string_view base = as != std::string_view::npos ? inner.substr(as + 4) : inner;
  size_t lt = base.find('<');
  if (lt != std::string_view::npos) base = base.substr(0, lt);
  while (!base.empty() && (base[0] == '&' || base[0] == ' ')) base.remove_prefix(1);
  return std::string(base) + std::string(rest);
}

}  // namespace

std::string CanonicalExternalPath(std::string_view p) {
  for (std::string_view lib : {"core::", "alloc::"})
    if (p.starts_with(lib)) return "std::" + std::string(p.substr(lib.size()));
  if (p.find("::") != std::string_view::npos) return std::string(p);
  static constexpr std::pair<std::string_view, std::string_view> kPrelude[] = {
      {"AsMut", "std::convert::AsMut"},
      {"AsRef", "std::convert::AsRef"},
      {"Box", "std::boxed::Box"},
      {"Clone", "std::clone::Clone"},
      {"Copy", "std::marker::Copy"},
      {"Debug", "std::fmt::Debug"},
      {"Default", "std::default::Default"},
      {"DoubleEndedIterator", "std::iter::DoubleEndedIterator"},
      {"Drop", "std::ops::Drop"},
      {"Eq", "std::cmp::Eq"},
      {"ExactSizeIterator", "std::iter::ExactSizeIterator"},
      {"Extend", "std::iter::Extend"},
      {"Fn", "std::ops::Fn"},
      {"FnMut", "std::ops::FnMut"},
      {"FnOnce", "std::ops::FnOnce"},
      {"From", "std::convert::From"},
      {"FromIterator", "std::iter::FromIterator"},
      {"Hash", "std::hash::Hash"},
      {"Into", "std::convert::Into"},
      {"IntoIterator", "std::iter::IntoIterator"},
      {"Iterator", "std::iter::Iterator"},
      {"Option", "std::option::Option"},
      {"Ord", "std::cmp::Ord"},
      {"PartialEq", "std::cmp::PartialEq"},
      {"PartialOrd", "std::cmp::PartialOrd"},
      {"Result", "std::result::Result"},
      {"Send", "std::marker::Send"},
      {"Sized", "std::marker::Sized"},
      {"String", "std::string::String"},
      {"Sync", "std::marker::Sync"},
      {"ToOwned", "std::borrow::ToOwned"},
      {"ToString", "std::string::ToString"},
      {"TryFrom", "std::convert::TryFrom"},
      {"TryInto", "std::convert::TryInto"},
      {"Unpin", "std::marker::Unpin"},
      {"Vec", "std::vec::Vec"},
  };
  static_assert(std::is_sorted(std::begin(kPrelude), std::end(kPrelude)));
  auto it = std::lower_bound(
      std::begin(kPrelude), std::end(kPrelude), p,
      [](const auto& entry, std::string_view name) { return entry.first < name; });
  if (it != std::end(kPrelude) && it->first == p) return std::string(it->second);
  return std::string(p);
}

void Graph::Resolve(uint32_t fi, uint32_t ri) {
  File& f = files_[fi];
  std::vector<Ref>& refs = Refs(fi);
  if (ri >= refs.size()) return;
  Ref& r = refs[ri];
  if (r.flags & kRefDead) return;
  Unresolve(r, f.path);
  Lookup L;
  // Matches by name (method calls, paths that could not be followed) take
  // only what the file's crate may use (FileInput::deps).
  uint16_t from_crate = kNoCrate;
  if (auto c = crate_index_.find(f.crate);
      c != crate_index_.end() && c->second < visible_.size())
    from_crate = c->second;
  static const std::vector<StrId> kNoChain;
  const std::vector<StrId>& chain =
      r.scope < f.scopes.size() ? f.scopes[r.scope] : kNoChain;

  // Resolves a path to entities with confidences.
  auto resolve_path = [&](StrId path, Want want,
                          std::vector<std::pair<EntityIdx, Confidence>>& res) {
    std::string p = Unqualify(str(path));
    std::vector<std::string_view> segs = Split(p);
    if (segs.empty()) return;
    std::vector<EntityIdx> out;
    std::string ext;
    bool ok = Walk(segs, chain, r.self_type, L, out, ext);
    if (ok && !out.empty()) {
      std::vector<EntityIdx> fit;
      for (EntityIdx e : out)
        if (Fits(want, entities_[e].kind)) fit.push_back(e);
      if (!fit.empty()) {
        // A `use` of a name that is both a module and an item imports
        // both (two namespaces): each exactly.
        const bool both_namespaces =
            want == Want::kAny && fit.size() == 2 &&
            (entities_[fit[0]].kind == EntityKind::kMod) !=
                (entities_[fit[1]].kind == EntityKind::kMod);
        Confidence c = fit.size() == 1 || both_namespaces
                           ? Confidence::kExact
                           : Confidence::kAmbiguous;
        for (EntityIdx e : fit) res.emplace_back(e, c);
        return;
      }
    } else if (ok && !ext.empty()) {
      res.emplace_back(External(strings_.Intern(CanonicalExternalPath(ext))),
                       Confidence::kExact);
      return;
    }
    // Fall back on the last segment's name.
    StrId n = strings_.Intern(segs.back());
    L.deps.push_back(n);
    std::vector<EntityIdx> cands;
    auto it = by_name_.find(n);
    if (it != by_name_.end())
      for (EntityIdx e : it->second)
        if (entities_[e].kind != EntityKind::kExternal &&
            Fits(want, entities_[e].kind) && Visible(from_crate, e))
          cands.push_back(e);
    if (cands.size() == 1) {
      res.emplace_back(cands[0], Confidence::kName);
    } else if (!cands.empty() && cands.size() <= kMaxAmbiguous) {
      for (EntityIdx e : cands) res.emplace_back(e, Confidence::kAmbiguous);
    } else {
      res.emplace_back(External(strings_.Intern(CanonicalExternalPath(p))),
                       cands.empty() ? Confidence::kExact : Confidence::kAmbiguous);
    }
  };

  std::vector<std::pair<EntityIdx, Confidence>> sources, targets;
  if (r.flags & kRefFixedSource) {
    sources.emplace_back(r.fixed_source(), Confidence::kExact);
  } else if (r.src_path() != 0 && r.kind != EdgeKind::kImplements &&
             r.src_path() == f.module) {
    // Items at the top of a file, and its imports: their module is
    // declared elsewhere (`mod x;`).
    std::string_view m = str(f.module);
    size_t cut = m.rfind("::");
    L.deps.push_back(strings_.Intern(cut == std::string_view::npos ? m : m.substr(cut + 2)));
    auto it = modules_.find(f.module);
    if (it != modules_.end())
      for (EntityIdx e : it->second) sources.emplace_back(e, Confidence::kExact);
  } else if (r.src_path() != 0) {
    resolve_path(r.src_path(), Want::kType, sources);
    if (sources.empty() && r.kind == EdgeKind::kImplements)
      sources.emplace_back(r.owner, Confidence::kExact);
  } else {
    sources.emplace_back(r.owner, Confidence::kExact);
  }

  if (r.flags & kRefTargetOwner) {
    targets.emplace_back(r.owner, Confidence::kExact);
  } else if (r.flags & kRefMethod) {
    StrId n = r.path;
    L.deps.push_back(n);
    std::vector<EntityIdx> cands;
    auto is_method = [&](EntityIdx e) {
      return (entities_[e].kind == EntityKind::kMethod ||
              entities_[e].kind == EntityKind::kTraitMethod) &&
             Visible(from_crate, e);
    };
    if ((r.flags & kRefOnSelf) && r.self_type != 0) {
      // `self.m(..)`: the methods named m of the impl's own type (or of
      // the trait, in a default method), when it has any; else any
      // method of that name, as for other receivers.
      std::string_view type = str(r.self_type);
      if (size_t cut = type.rfind("::"); cut != std::string_view::npos)
        type.remove_prefix(cut + 2);
      const StrId t = strings_.Find(type);
      if (t != model::StringPool::kNoStr)
        if (const auto* own = Assoc(t, n))
          for (EntityIdx e : *own)
            if (is_method(e)) cands.push_back(e);
    }
    auto it = by_name_.find(n);
    if (cands.empty() && it != by_name_.end())
      for (EntityIdx e : it->second)
        if (is_method(e)) cands.push_back(e);
    if (cands.size() == 1) {
      targets.emplace_back(cands[0], Confidence::kName);
    } else if (!cands.empty() && cands.size() <= kMaxAmbiguous) {
      for (EntityIdx e : cands) targets.emplace_back(e, Confidence::kAmbiguous);
    } else {
      targets.emplace_back(External(n), cands.empty() ? Confidence::kExact
                                                      : Confidence::kAmbiguous);
    }
  } else if (r.path != 0) {
    resolve_path(r.path, WantFor(r.kind), targets);
  }

  const uint8_t flags = EdgeFlags(r.flags);
  for (auto [s, sc] : sources) {
    for (auto [t, tc] : targets) {
      if (s == kNoEntity || t == kNoEntity || !live(s) || !live(t)) continue;
      Confidence c = std::max(sc, tc);
      AddEdge(s, t, r.kind, c, f.path, r.line, flags);
      r.made.push_back(Ref::Made::Of(s, t, c));
    }
  }
  // Externals made for nothing (no source) go again.
  for (auto [t, tc] : targets)
    if (live(t) && entities_[t].kind == EntityKind::kExternal &&
        in_[t].empty() && out_[t].empty()) {
      externals_.erase(entities_[t].parent);  // (kOwnPath)
      FreeEntity(t);
    }

  std::sort(L.deps.begin(), L.deps.end());
  L.deps.erase(std::unique(L.deps.begin(), L.deps.end()), L.deps.end());
  r.lookups.resize(L.deps.size());
  std::copy(L.deps.begin(), L.deps.end(), r.lookups.begin());
  for (StrId d : L.deps) NoteLookup(d, fi);
}

}  // namespace aim::graph
