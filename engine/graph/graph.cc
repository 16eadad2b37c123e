// The graph store: entities, adjacency, files and their registrations.
#include "engine/graph/graph.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <tuple>

#include "engine/graph/frozen_tables.h"
#include "engine/graph/graph_internal.h"

namespace aim::graph {
namespace {

uint64_t EntityId(EntityKind kind, std::string_view qualified,
                  std::string_view file, uint32_t occurrence) {
  XXH3_state_t st;
  XXH3_64bits_reset(&st);
  uint8_t k = static_cast<uint8_t>(kind);
  XXH3_64bits_update(&st, &k, 1);
  XXH3_64bits_update(&st, qualified.data(), qualified.size());
  XXH3_64bits_update(&st, "\0", 1);
  XXH3_64bits_update(&st, file.data(), file.size());
  XXH3_64bits_update(&st, "\0", 1);
  XXH3_64bits_update(&st, &occurrence, sizeof occurrence);
  return XXH3_64bits_digest(&st);
}

uint64_t SigHashOf(EntityKind kind, std::string_view vis,
                   std::string_view sig) {
  XXH3_state_t st;
  XXH3_64bits_reset(&st);
  uint8_t k = static_cast<uint8_t>(kind);
  XXH3_64bits_update(&st, &k, 1);
  XXH3_64bits_update(&st, vis.data(), vis.size());
  XXH3_64bits_update(&st, "\0", 1);
  XXH3_64bits_update(&st, sig.data(), sig.size());
  return XXH3_64bits_digest(&st);
}

std::string Join(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  std::string s;
  s.reserve(a.size() + 2 + b.size());
  s.append(a).append("::").append(b);
  return s;
}

// The 14 bits of a text hash an entity keeps (Entity::text; 0: unknown).
uint16_t TextTag(uint64_t text_hash) {
  if (text_hash == 0) return 0;
  const auto tag = static_cast<uint16_t>(text_hash >> 50);
  return tag == 0 ? 1 : tag;
}

// What Entity::parent holds for an entity of `kind` at `qualified` named
// `name`: the text, and whether it is the path itself (kOwnPath). Modules
// and externals hold their own (it is a scope's or an external's key).
std::pair<std::string_view, bool> ParentText(EntityKind kind,
                                             std::string_view qualified,
                                             std::string_view name) {
  if (kind != EntityKind::kMod && kind != EntityKind::kExternal) {
    if (qualified == name) return {{}, false};
    const size_t n = name.size() + 2;
    if (qualified.size() > n && qualified.ends_with(name) &&
        qualified.substr(qualified.size() - n, 2) == "::")
      return {qualified.substr(0, qualified.size() - n), false};
  }
  return {qualified, true};
}

// The pieces a qualified path joins.
std::array<std::string_view, 3> Pieces(const QualifiedPath& q) {
  if (q.head.empty()) return {q.leaf, {}, {}};
  return {q.head, "::", q.leaf};
}

}  // namespace

int QualifiedPath::compare(const QualifiedPath& o) const {
  if (head.size() == o.head.size() &&
      (head.data() == o.head.data() || head == o.head)) {
    // The same head (siblings, most often: one parent's text): the leaves
    // decide.
    const int c = leaf.compare(o.leaf);
    return (c > 0) - (c < 0);
  }
  // Most paths part within their heads.
  const std::string_view x0 = head.empty() ? leaf : head;
  const std::string_view y0 = o.head.empty() ? o.leaf : o.head;
  const size_t n0 = std::min(x0.size(), y0.size());
  if (const int c = x0.substr(0, n0).compare(y0.substr(0, n0)); c != 0)
    return c < 0 ? -1 : 1;
  const auto a = Pieces(*this), b = Pieces(o);
  size_t i = 0, j = 0;
  std::string_view x = a[0], y = b[0];
  while (true) {
    while (x.empty() && i < 2) x = a[++i];
    while (y.empty() && j < 2) y = b[++j];
    if (x.empty() || y.empty()) return x.empty() ? (y.empty() ? 0 : -1) : 1;
    const size_t n = std::min(x.size(), y.size());
    if (int c = x.substr(0, n).compare(y.substr(0, n)); c != 0)
      return c < 0 ? -1 : 1;
    x.remove_prefix(n);
    y.remove_prefix(n);
  }
}

bool QualifiedPath::ends_with(std::string_view s) const {
  const size_t n = size();
  if (s.size() > n) return false;
  // Compare the last s.size() bytes, piece by piece from the back.
  const auto a = Pieces(*this);
  for (int i = 2; i >= 0 && !s.empty(); --i) {
    std::string_view p = a[i];
    const size_t k = std::min(p.size(), s.size());
    if (p.substr(p.size() - k) != s.substr(s.size() - k)) return false;
    s.remove_suffix(k);
  }
  return s.empty();
}

std::string_view ChangeName(Change c) {
  switch (c) {
    case Change::kNone: return "";
    case Change::kAdded: return "added";
    case Change::kBody: return "body";
    case Change::kSignature: return "signature";
  }
  return "";
}

Graph::Graph() = default;
Graph::~Graph() = default;

EntityIdx Graph::NewEntity(const Entity& e) {
  EntityIdx idx;
  if (!free_.empty()) {
    idx = free_.back();
    free_.pop_back();
    entities_[idx] = e;
  } else {
    if (entities_.size() >= kMaxSlots) {
      std::fprintf(stderr, "aim: more than 2^30 entity slots in one graph\n");
      std::abort();
    }
    idx = static_cast<EntityIdx>(entities_.size());
    entities_.push_back(e);
    out_.AddSlot();
    in_.AddSlot();
  }
  entities_[idx].flags |= kLive;
  if (entity_crate_.size() < entities_.size())
    entity_crate_.resize(entities_.size(), kNoCrate);
  entity_crate_[idx] = kNoCrate;  // Build sets a file's entities' crate
  if (track_changes_) changed_slots_.push_back(idx);
  ++live_entities_;
  by_id_.Insert(e.id, idx, IdOf());
  by_name_[e.name].push_back(idx);
  return idx;
}

void Graph::FreeEntity(EntityIdx idx) {
  Entity& e = entities_[idx];
  // Drop every edge at this entity; the references that made them looked
  // up its name and are resolved again.
  // Removes the first edge of `lists[owner]` that is `ed` seen from idx.
  auto drop = [idx](EdgeLists& lists, EntityIdx owner, const Edge& ed) {
    const std::span<const Edge> other = lists[owner];
    for (size_t i = 0; i < other.size(); ++i)
      if (other[i].other == idx && other[i].kind == ed.kind &&
          other[i].line == ed.line && other[i].file == ed.file) {
        lists.Erase(owner, i);
        return;
      }
  };
  for (const Edge& ed : out_[idx]) {
    drop(in_, ed.other, ed);
    --edge_count_;
  }
  for (const Edge& ed : in_[idx]) {
    if (ed.other == idx) continue;  // self-loop, counted above
    drop(out_, ed.other, ed);
    --edge_count_;
  }
  out_.Clear(idx);
  in_.Clear(idx);
  by_id_.Erase(e.id, IdOf());
  EraseOne(by_name_, e.name, idx);
  SetMember(idx, false);
  e.flags = 0;
  --live_entities_;
  zombies_.push_back(idx);
  if (track_changes_) changed_slots_.push_back(idx);
}

uint64_t Graph::SigHash(const Entity& e) const {
  return SigHashOf(e.kind, str(e.vis), str(e.sig));
}

void Graph::SetMember(EntityIdx e, bool member) {
  Entity& en = entities_[e];
  if (((en.flags & kMember) != 0) == member) return;
  if (member) {
    member_index_.Add(MemberKey(en.parent, en.name), e);
    en.flags |= kMember;
  } else {
    // (Filed under this key while it has had the flag: Build unfiles an
    // entity before its parent path or name change.)
    [[maybe_unused]] const bool removed =
        member_index_.Remove(MemberKey(en.parent, en.name), e);
    assert(removed);
    en.flags &= ~kMember;
  }
}

bool Graph::EdgeBefore(const Edge& a, const Edge& b) const {
  if (a.other != b.other) {
    const uint64_t ia = entities_[a.other].id, ib = entities_[b.other].id;
    if (ia != ib) return ia < ib;
  }
  return EdgeFieldsBefore(a, b);
}

bool Graph::EdgeFieldsBefore(const Edge& a, const Edge& b) const {
  auto key = [](const Edge& e) {
    return std::tuple(static_cast<int>(e.kind), e.line,
                      static_cast<int>(e.confidence), e.flags);
  };
  if (key(a) != key(b)) return key(a) < key(b);
  return a.file != b.file && str(a.file) < str(b.file);
}

void Graph::InsertEdge(EdgeLists& lists,
                       std::vector<uint8_t>& edits,
                       std::vector<EntityIdx>& touched, EntityIdx owner,
                       const Edge& ed) {
  if (edits.size() <= owner) edits.resize(entities_.size(), 0);
  uint8_t& n = edits[owner];
  const std::span<const Edge> list = lists[owner];
  if (n == 0) {
    touched.push_back(owner);
    // A short list costs little more to sort once than to place each
    // edge into (an ingest fills every list from empty).
    if (list.size() < kPlaceBudget) n = kListUnsorted;
  }
  if (n == kListUnsorted) {
    lists.PushBack(owner, ed);
    return;
  }
  if (++n == kPlaceBudget) {
    n = kListUnsorted;
    lists.PushBack(owner, ed);
    return;
  }
  // After the equal edges: among equal ones the order is immaterial.
  auto at = std::upper_bound(
      list.begin(), list.end(), ed,
      [this](const Edge& a, const Edge& b) { return EdgeBefore(a, b); });
  lists.Insert(owner, static_cast<size_t>(at - list.begin()), ed);
}

void Graph::SortList(std::span<Edge> list) const {
  const size_t n = list.size();
  if (n < 2) return;
  // Sort by the other ends' ids first, read once each, then order the
  // runs of equal ids by the rest of the key.
  struct Keyed {
    uint64_t id;
    uint32_t at;
  };
  absl::InlinedVector<Keyed, 16> keys(n);
  bool sorted_already = true;
  for (uint32_t i = 0; i < n; ++i) {
    keys[i] = {entities_[list[i].other].id, i};
    sorted_already = sorted_already && (i == 0 || keys[i - 1].id < keys[i].id);
  }
  if (sorted_already) return;  // distinct ids, in order
  auto by_id = [](const Keyed& a, const Keyed& b) { return a.id < b.id; };
  if (n <= 16) {
    for (size_t i = 1; i < n; ++i) {  // insertion sort
      const Keyed k = keys[i];
      size_t j = i;
      for (; j > 0 && by_id(k, keys[j - 1]); --j) keys[j] = keys[j - 1];
      keys[j] = k;
    }
  } else {
    std::sort(keys.begin(), keys.end(), by_id);
  }
  absl::InlinedVector<Edge, 16> sorted(n);
  for (size_t i = 0; i < n; ++i) sorted[i] = list[keys[i].at];
  auto before = [this](const Edge& a, const Edge& b) {
    return EdgeFieldsBefore(a, b);  // (one id: one other end)
  };
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && keys[j].id == keys[i].id) ++j;
    if (j - i > 1) std::sort(sorted.begin() + i, sorted.begin() + j, before);
    i = j;
  }
  std::copy(sorted.begin(), sorted.end(), list.begin());
}

void Graph::SettleLists() {
  for (auto [lists, edits, touched] :
       {std::tuple(&out_, &out_edits_, &out_touched_),
        std::tuple(&in_, &in_edits_, &in_touched_)}) {
    for (EntityIdx e : *touched) {
      if ((*edits)[e] == kListUnsorted) SortList(lists->Mutable(e));
      (*edits)[e] = 0;
    }
    touched->clear();
    lists->MaybeCompact();
  }
}

void Graph::AddEdge(EntityIdx from, EntityIdx to, EdgeKind kind, Confidence c,
                    StrId file, uint32_t line, uint8_t flags) {
  InsertEdge(out_, out_edits_, out_touched_, from,
             {to, file, line, kind, c, flags});
  InsertEdge(in_, in_edits_, in_touched_, to,
             {from, file, line, kind, c, flags});
  ++edge_count_;
}

void Graph::RemoveEdge(EntityIdx from, EntityIdx to, EdgeKind kind,
                       Confidence c, StrId file, uint32_t line,
                       uint8_t flags) {
  if (!live(from) || !live(to)) return;  // already dropped with an entity
  const Edge want(0, file, line, kind, c, flags);  // as a list holds it
  auto drop = [&](EdgeLists& lists, EntityIdx owner, EntityIdx other) {
    const std::span<const Edge> list = lists[owner];
    for (size_t i = list.size(); i-- > 0;)
      if (list[i].other == other && list[i].kind == kind &&
          list[i].line == want.line && list[i].file == file &&
          list[i].confidence == c && list[i].flags == want.flags) {
        lists.Erase(owner, i);
        return true;
      }
    return false;
  };
  if (drop(out_, from, to)) {
    drop(in_, to, from);
    --edge_count_;
  }
}

std::span<const EntityIdx> Graph::ByName(std::string_view name) const {
  if (frozen_)
    return frozen_->ByName(name, [this](StrId s) { return str(s); });
  StrId s = strings_.Find(name);
  if (s == model::StringPool::kNoStr) return {};
  auto it = by_name_.find(s);
  if (it == by_name_.end()) return {};
  return it->second;
}

EntityIdx Graph::ById(uint64_t id) const {
  if (frozen_)
    return frozen_->ById(id, [this](EntityIdx e) { return entities_[e].id; });
  return by_id_.Find(id, IdOf());
}

std::vector<EntityIdx> Graph::LiveEntities() const {
  std::vector<EntityIdx> v;
  v.reserve(live_entities_);
  for (EntityIdx i = 0; i < entities_.size(); ++i)
    if (entities_[i].flags & kLive) v.push_back(i);
  return v;
}

uint64_t Graph::FileHash(std::string_view path) const {
  StrId s = strings_.Find(path);
  if (s == model::StringPool::kNoStr) return 0;
  auto it = file_index_.find(s);
  return it == file_index_.end() ? 0 : files_[it->second].hash;
}

namespace {

// XXH3 over crate, module and what the crate may use (each list sorted,
// without repeats).
uint64_t HashPlace(std::string_view crate, std::string_view module,
                   const std::vector<std::string_view>* deps,
                   const std::vector<std::string_view>* dev_deps) {
  std::string key;
  auto add = [&](std::string_view s) {
    key += std::to_string(s.size());
    key += ':';
    key += s;
  };
  add(crate);
  add(module);
  key += deps ? 'k' : 'u';
  for (const auto* list : {deps, dev_deps}) {
    if (list == nullptr) continue;
    key += std::to_string(list->size());
    for (std::string_view d : *list) add(d);
  }
  const uint64_t h = XXH3_64bits(key.data(), key.size());
  return h == 0 ? 1 : h;
}

}  // namespace

uint64_t Graph::PlaceHash(const FileInput& in) {
  if (!in.deps) return HashPlace(in.crate, in.module, nullptr, nullptr);
  std::vector<std::string_view> deps(in.deps->deps.begin(), in.deps->deps.end());
  std::vector<std::string_view> dev(in.deps->dev_deps.begin(),
                                    in.deps->dev_deps.end());
  // (As the graph keeps them: without repeats.)
  for (auto* v : {&deps, &dev}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  return HashPlace(in.crate, in.module, &deps, &dev);
}

uint64_t Graph::PlaceHash(std::string_view path) const {
  StrId s = strings_.Find(path);
  if (s == model::StringPool::kNoStr) return 0;
  auto it = file_index_.find(s);
  if (it == file_index_.end()) return 0;
  const File& f = files_[it->second];
  // The module as FileInput gives it: the path inside the crate.
  std::string_view module = str(f.module);
  const std::string_view crate = str(f.crate);
  module.remove_prefix(std::min(module.size(), crate.size()));
  if (module.starts_with("::")) module.remove_prefix(2);
  if (!f.deps_known) return HashPlace(crate, module, nullptr, nullptr);
  // (Held without repeats, in StrId order: put in text order.)
  std::vector<std::string_view> deps, dev;
  for (StrId d : f.deps) deps.push_back(str(d));
  for (StrId d : f.dev_deps) dev.push_back(str(d));
  std::sort(deps.begin(), deps.end());
  std::sort(dev.begin(), dev.end());
  return HashPlace(crate, module, &deps, &dev);
}

std::vector<std::pair<std::string, uint64_t>> Graph::Files() const {
  std::vector<std::pair<std::string, uint64_t>> v;
  for (const File& f : files_)
    if (f.live) v.emplace_back(std::string(str(f.path)), f.hash);
  std::sort(v.begin(), v.end());
  return v;
}

namespace {

// Bytes a list holds outside itself.
template <typename T, size_t N>
size_t HeapBytes(const absl::InlinedVector<T, N>& v) {
  return v.capacity() > N ? v.capacity() * sizeof(T) : 0;
}
template <typename T>
size_t HeapBytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}
template <typename T>
size_t HeapBytes(const SmallList<T>& v) {
  return v.HeapBytes();
}

}  // namespace

Graph::MemoryUse Graph::Memory() const {
  static_assert(sizeof(Ref) == 48);
  auto map_bytes = [](const auto& m) {
    using Map = std::decay_t<decltype(m)>;
    return m.capacity() * (sizeof(typename Map::value_type) + 1);
  };
  auto lists_bytes = [](const auto& m) {
    size_t b = 0;
    for (const auto& [k, v] : m) b += HeapBytes(v);
    return b;
  };
  MemoryUse u;
  u.entities = entities_.capacity() * sizeof(Entity) +
               (free_.capacity() + zombies_.capacity()) * sizeof(EntityIdx);
  u.lists = out_.MemoryBytes() + in_.MemoryBytes() + out_edits_.capacity() +
            in_edits_.capacity() +
            (out_touched_.capacity() + in_touched_.capacity()) *
                sizeof(EntityIdx);
  u.strings = strings_.TextBytes();
  u.string_index = strings_.IndexBytes();
  u.tables = by_id_.MemoryBytes() + map_bytes(by_name_) +
             lists_bytes(by_name_) +
             (frozen_ ? frozen_->MemoryBytes() : 0) +
             map_bytes(file_index_) + files_.capacity() * sizeof(File);
  size_t& r = u.resolution;
  for (const File& f : files_) {
    u.tables += HeapBytes(f.entities);
    r += HeapBytes(f.refs) + HeapBytes(f.packed) + HeapBytes(f.scopes) +
         HeapBytes(f.member_regs) +
         HeapBytes(f.assoc_regs) + HeapBytes(f.import_regs) +
         HeapBytes(f.glob_regs) + HeapBytes(f.module_regs) +
         HeapBytes(f.crate_regs);
    for (const Ref& ref : f.refs)
      r += HeapBytes(ref.made) + HeapBytes(ref.lookups);
    for (const auto& s : f.scopes) r += HeapBytes(s);
  }
  r += member_index_.MemoryBytes() + map_bytes(members_) +
       lists_bytes(members_) + map_bytes(assoc_) +
       lists_bytes(assoc_) + map_bytes(imports_) + lists_bytes(imports_) +
       map_bytes(globs_) + lists_bytes(globs_) + map_bytes(modules_) +
       lists_bytes(modules_) + map_bytes(crates_) + lists_bytes(crates_) +
       map_bytes(externals_) + map_bytes(lookup_files_) +
       lists_bytes(lookup_files_) + HeapBytes(warm_files_) +
       HeapBytes(edited_) +
       HeapBytes(pending_) + HeapBytes(entity_crate_) +
       map_bytes(crate_index_) + HeapBytes(crate_names_) + HeapBytes(visible_);
  for (const File& f : files_) r += HeapBytes(f.deps) + HeapBytes(f.dev_deps);
  for (const auto& v : visible_) r += HeapBytes(v);
  return u;
}

void Graph::RequireWhole(const char* what) const {
  if (!query_only_) return;
  std::fprintf(stderr,
               "aim: Graph::%s on a query-only graph (loaded with "
               "ImageParts::kQueries)\n",
               what);
  std::abort();
}

bool Graph::RemoveFile(std::string_view path) {
  RequireWhole("RemoveFile");
  StrId p = strings_.Find(path);
  if (p == model::StringPool::kNoStr) return false;
  auto it = file_index_.find(p);
  if (it == file_index_.end()) return false;
  uint32_t fi = it->second;
  FileInput empty;
  empty.path = std::string(path);
  absl::flat_hash_set<StrId> changed;
  Build(fi, empty, changed);
  File& f = files_[fi];
  f.live = false;
  crates_dirty_ = true;
  file_index_.erase(it);
  Invalidate(changed);
  if (!batch_) ResolvePending();
  return true;
}

void Graph::UpsertFile(const FileInput& input) {
  RequireWhole("UpsertFile");
  StrId p = strings_.Intern(input.path);
  uint32_t fi;
  auto it = file_index_.find(p);
  if (it != file_index_.end()) {
    fi = it->second;
  } else {
    fi = static_cast<uint32_t>(files_.size());
    files_.emplace_back();
    file_index_[p] = fi;
  }
  absl::flat_hash_set<StrId> changed;
  Build(fi, input, changed);
  files_[fi].live = true;
  Invalidate(changed);
  if (!batch_) ResolvePending();
}

void Graph::BeginBatch() {
  RequireWhole("BeginBatch");
  batch_ = true;
}

void Graph::EndBatch() {
  RequireWhole("EndBatch");
  batch_ = false;
  ResolvePending();
}

void Graph::Build(uint32_t fi, const FileInput& in,
                  absl::flat_hash_set<StrId>& changed) {
  File& f = files_[fi];
  const bool file_was_live = f.live;  // (else its entities are not "added")
  Refs(fi);  // (unpacked)
  edited_.push_back(fi);
  f.path = strings_.Intern(in.path);
  // 1. The old references: a file with content keeps them aside, to carry
  // over the resolution of every one that is still there (KeepResolved);
  // a file without content lets go of them all.
  std::vector<Ref> old_refs;
  std::vector<std::vector<StrId>> old_scopes;
  if (!in.crate.empty()) {
    old_refs = std::move(f.refs);
    old_scopes = std::move(f.scopes);
  } else {
    UnresolveFile(f);
    ++f.gen;
  }
  f.refs.clear();
  f.scopes.clear();

  // 2. Set the old registrations aside, remembering what they name to
  // diff (by entity id: their slots may be freed below). They stay in the
  // tables until step 5 brings the tables to the new ones.
  using MemberKey = std::tuple<StrId, StrId, uint64_t>;
  std::vector<MemberKey> old_members, old_assoc, old_modules, old_crates;
  std::vector<std::tuple<StrId, StrId, StrId>> old_imports;
  // The members of the file's entities filed as kMember (registered under
  // their parent path and name).
  auto filed_members = [&](std::vector<MemberKey>& out) {
    for (EntityIdx e : f.entities)
      if (entities_[e].flags & kMember)
        out.emplace_back(entities_[e].parent, entities_[e].name,
                         entities_[e].id);
  };
  for (auto& [k, e] : f.member_regs)
    old_members.emplace_back(k.scope, k.name, entities_[e].id);
  filed_members(old_members);
  for (auto& [k, e] : f.assoc_regs)
    old_assoc.emplace_back(k.scope, k.name, entities_[e].id);
  for (auto& [k, p] : f.import_regs)
    old_imports.emplace_back(k.scope, k.name, p);
  for (auto& [m, e] : f.module_regs)
    old_modules.emplace_back(m, entities_[e].name, entities_[e].id);
  for (auto& [c, e] : f.crate_regs)
    old_crates.emplace_back(c, c, entities_[e].id);
  auto old_member_regs = std::move(f.member_regs);
  auto old_assoc_regs = std::move(f.assoc_regs);
  auto old_import_regs = std::move(f.import_regs);
  auto old_globs = std::move(f.glob_regs);
  auto old_module_regs = std::move(f.module_regs);
  auto old_crate_regs = std::move(f.crate_regs);
  f.member_regs.clear();
  f.assoc_regs.clear();
  f.import_regs.clear();
  f.glob_regs.clear();
  f.module_regs.clear();
  f.crate_regs.clear();

  absl::flat_hash_map<uint64_t, EntityIdx> old;
  for (EntityIdx e : f.entities) old[entities_[e].id] = e;
  f.entities.clear();

  const FileFacts& facts = in.facts;
  // What the file's crate may use: a change of it (or of the crate, or a
  // file coming or going: see RemoveFile) changes what crates see.
  {
    const StrId crate = strings_.Intern(in.crate);
    auto intern = [&](const std::vector<std::string>& names) {
      std::vector<StrId> ids;
      for (const std::string& d : names) ids.push_back(strings_.Intern(d));
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      return ids;
    };
    std::vector<StrId> deps, dev_deps;
    if (in.deps) {
      deps = intern(in.deps->deps);
      dev_deps = intern(in.deps->dev_deps);
    }
    if (!f.live || crate != f.crate || in.deps.has_value() != f.deps_known ||
        deps != f.deps || dev_deps != f.dev_deps)
      crates_dirty_ = true;
    f.crate = crate;
    f.deps_known = in.deps.has_value();
    f.deps = std::move(deps);
    f.dev_deps = std::move(dev_deps);
  }
  const uint16_t crate_idx = in.crate.empty() ? kNoCrate : CrateIndex(f.crate);
  const std::string module_q = Join(in.crate, in.module);
  f.module = strings_.Intern(module_q);
  f.hash = facts.content_hash;
  f.lines = facts.lines;
  const bool has_content = !in.crate.empty();

  // 3. Entities, reusing the slot of any whose identity is unchanged. Their
  // names, qualified paths and visibilities are interned at once first.
  const size_t n_items = facts.items.size();
  std::vector<std::string> item_q(n_items);
  for (size_t i = 0; i < n_items && has_content; ++i)
    item_q[i] = Join(module_q, facts.items[i].path);
  std::vector<std::string> impl_name(facts.impls.size());
  std::vector<std::string> impl_q(facts.impls.size());
  for (size_t i = 0; i < facts.impls.size() && has_content; ++i) {
    const Impl& im = facts.impls[i];
    if (im.derive) continue;
    impl_name[i] = im.trait_name.empty()
                       ? "impl " + im.self_type
                       : "impl " + im.trait_name + " for " + im.self_type;
    impl_q[i] = Join(Join(module_q, im.scope), impl_name[i]);
  }
  const bool has_root = has_content && in.module.empty();
  // Name, parent path (ParentText), vis and signature of each.
  // (Signatures are interned too: two in five repeat one before them.)
  // Whether each holds its path whole (kOwnPath), in the same order.
  std::vector<std::string_view> texts;
  std::vector<bool> own_paths;
  auto add_texts = [&](EntityKind kind, std::string_view name,
                       std::string_view qualified, std::string_view vis,
                       std::string_view sig) {
    const auto [parent, own] = ParentText(kind, qualified, name);
    texts.insert(texts.end(), {name, parent, vis, sig});
    own_paths.push_back(own);
  };
  if (has_root) add_texts(EntityKind::kMod, in.crate, in.crate, "pub", "");
  for (size_t i = 0; i < n_items && has_content; ++i) {
    const Item& it = facts.items[i];
    add_texts(model::FromItemKind(it.kind), it.name, item_q[i], it.vis,
              it.sig);
  }
  for (size_t i = 0; i < facts.impls.size() && has_content; ++i)
    if (!facts.impls[i].derive)
      add_texts(EntityKind::kImpl, impl_name[i], impl_q[i], "",
                facts.impls[i].sig);
  std::vector<StrId> text_ids(texts.size());
  strings_.InternMany(texts, text_ids);
  size_t next_text = 0;  // place() takes them in the same order

  absl::flat_hash_map<std::pair<uint64_t, uint32_t>, uint32_t> occurrences;
  uint32_t last_occurrence = 0;  // of the entity place() placed last
  // (Its name, parent path, vis and signature: the next four texts.) An
  // entity carried over records how this update changed it (Change); a
  // new one, that it was added, unless its file is new.
  auto place = [&](EntityKind kind, std::string_view qualified, uint32_t line,
                   uint32_t end_line, uint8_t flags,
                   uint64_t text_hash) -> EntityIdx {
    uint64_t key = XXH3_64bits(qualified.data(), qualified.size());
    uint32_t occ = occurrences[{key, static_cast<uint32_t>(kind)}]++;
    last_occurrence = occ;
    Entity e;
    e.id = EntityId(kind, qualified, in.path, occ);
    const bool own = own_paths[next_text / 4];
    e.name = text_ids[next_text++];
    e.parent = text_ids[next_text++];
    e.vis = text_ids[next_text++];
    e.sig = text_ids[next_text++];
    e.file = f.path;
    e.line = line;
    e.end_line = end_line;
    e.kind = kind;
    e.flags = flags | kLive | (own ? kOwnPath : 0);
    e.text = TextTag(text_hash);
    e.change = static_cast<uint16_t>(file_was_live ? Change::kAdded
                                                   : Change::kNone);
    EntityIdx idx;
    auto it = old.find(e.id);
    if (it != old.end()) {
      idx = it->second;
      old.erase(it);
      const Entity& o = entities_[idx];
      if (o.sig != e.sig || o.vis != e.vis) {
        e.change = static_cast<uint16_t>(Change::kSignature);
      } else if (o.text != 0 && e.text != 0 && o.text != e.text) {
        e.change = static_cast<uint16_t>(Change::kBody);
      } else {
        e.change = o.change;  // (not changed by this update)
      }
      // Filed in the member index under the same key if it keeps its
      // parent path and name, else unfiled first. (The same id is the same
      // path, but it may have held it whole, loaded from an older image;
      // and facts not from the extractor may name it otherwise: then it is
      // filed anew under its name too.)
      if (o.parent != e.parent || o.name != e.name) SetMember(idx, false);
      if (o.name != e.name) {
        EraseOne(by_name_, o.name, idx);
        by_name_[e.name].push_back(idx);
        changed.insert(o.name);
        changed.insert(e.name);
      }
      const uint8_t member = entities_[idx].flags & kMember;
      entities_[idx] = e;
      entities_[idx].flags |= member;
    } else {
      idx = NewEntity(e);
      changed.insert(e.name);
    }
    entity_crate_[idx] = crate_idx;
    f.entities.push_back(idx);
    return idx;
  };

  EntityIdx root = kNoEntity;
  if (has_root) {
    root = place(EntityKind::kMod, in.crate, 1,
                 std::max<uint32_t>(1, facts.lines), 0, 0);
    f.module_regs.emplace_back(f.module, root);
    f.crate_regs.emplace_back(f.crate, root);
  }

  std::vector<EntityIdx> item_slot(n_items, kNoEntity);
  std::vector<uint32_t> item_occurrence(n_items, 0);
  for (size_t i = 0; i < n_items && has_content; ++i) {
    const Item& it = facts.items[i];
    uint8_t flags = (it.in_macro ? kInMacro : 0) | (it.test ? kTest : 0);
    item_slot[i] = place(model::FromItemKind(it.kind), item_q[i], it.line,
                         it.end_line, flags, it.text_hash);
    item_occurrence[i] = last_occurrence;
  }
  std::vector<EntityIdx> impl_slot(facts.impls.size(), kNoEntity);
  for (size_t i = 0; i < facts.impls.size() && has_content; ++i) {
    const Impl& im = facts.impls[i];
    if (im.derive) continue;
    uint8_t flags = (im.in_macro ? kInMacro : 0) |
                    (im.blanket ? kBlanket : 0) |
                    (im.negative ? kNegative : 0);
    impl_slot[i] = place(EntityKind::kImpl, impl_q[i], im.line, im.end_line,
                         flags, im.text_hash);
  }

  // Entities not carried over are freed; their names changed. In slot
  // order: the free list's order decides which slots later entities get,
  // and a hash map's order depends on its address (absl salts with it).
  std::vector<EntityIdx> gone;
  gone.reserve(old.size());
  for (const auto& [id, e] : old) gone.push_back(e);
  std::sort(gone.begin(), gone.end());
  for (EntityIdx e : gone) {
    changed.insert(entities_[e].name);
    FreeEntity(e);
  }

  // 4. Scopes. Chain(p): the scopes visible inside item p's body.
  // What a fn body declares (items, `use`s) is seen from that body alone,
  // so such a body is a scope named for this fn only: "<path>#<n> in
  // <file>", n its occurrence. (Fns share paths: methods of impls of one
  // type for different type arguments, a file's variants under cfg, two
  // versions of a crate.) A body that declares nothing is no scope.
  auto is_fn = [&](int32_t p) {
    const ItemKind k = facts.items[p].kind;
    return k == ItemKind::kFn || k == ItemKind::kMethod ||
           k == ItemKind::kTraitMethod;
  };
  std::vector<bool> declares(n_items, false);  // a fn body with declarations
  for (size_t i = 0; i < n_items && has_content; ++i) {
    const Item& it = facts.items[i];
    if (it.impl < 0 && it.parent >= 0 && is_fn(it.parent))
      declares[it.parent] = true;
  }
  for (const Import& u : facts.imports)
    if (has_content && u.scope_item >= 0 && is_fn(u.scope_item))
      declares[u.scope_item] = true;
  auto body_scope = [&](int32_t p) -> StrId {
    return strings_.Intern(item_q[p] + "#" +
                           std::to_string(item_occurrence[p]) + " in " +
                           in.path);
  };
  std::vector<int32_t> chain_of(n_items + 1, -1);  // index n_items: file
  absl::flat_hash_map<std::vector<StrId>, uint32_t> chain_index;
  // (A file of over kMaxScopes distinct chains, some 16 million fn bodies,
  // has its later ones resolved from its first: Ref::scope is 24 bits.)
  auto intern_chain = [&](std::vector<StrId> chain) -> uint32_t {
    auto [it, inserted] =
        chain_index.try_emplace(chain, static_cast<uint32_t>(f.scopes.size()));
    if (!inserted) return it->second;
    if (f.scopes.size() == kMaxScopes) {
      chain_index.erase(it);
      return 0;
    }
    f.scopes.push_back(std::move(chain));
    return it->second;
  };
  auto chain_for = [&](int32_t p) -> uint32_t {
    // Iterative walk up the parents; memoised per item.
    size_t key = p < 0 ? n_items : static_cast<size_t>(p);
    if (chain_of[key] >= 0) return static_cast<uint32_t>(chain_of[key]);
    std::vector<StrId> chain;
    int32_t q = p;
    while (true) {
      if (q < 0) {
        chain.push_back(f.module);
        break;
      }
      const Item& it = facts.items[q];
      if (it.kind == ItemKind::kMod) {
        chain.push_back(strings_.Intern(item_q[q]));
        break;
      }
      if (is_fn(q) && declares[q]) chain.push_back(body_scope(q));
      q = it.parent;
    }
    uint32_t c = intern_chain(std::move(chain));
    chain_of[key] = static_cast<int32_t>(c);
    return c;
  };
  auto scope_key = [&](int32_t p) -> StrId {
    if (p < 0) return f.module;
    return is_fn(p) ? body_scope(p) : strings_.Intern(item_q[p]);
  };
  auto self_type_of = [&](int32_t item) -> StrId {
    if (item < 0) return 0;
    const Item& it = facts.items[item];
    if (it.impl >= 0) return strings_.Intern(facts.impls[it.impl].type_path);
    if (it.parent >= 0 && facts.items[it.parent].kind == ItemKind::kTrait)
      return strings_.Intern(facts.items[it.parent].name);
    return 0;
  };

  // 5. Registrations. A member whose scope is its parent path (so it is
  // found under that and its name) is filed as kMember; the others go
  // into the table of members.
  // (An item named `_`, as `const _: () = ..;`, names nothing: it is no
  // member. Generated code has thousands of them in one module.)
  std::vector<EntityIdx> filed;  // kMember
  const StrId underscore = strings_.Find("_");
  auto add_member = [&](StrId scope, EntityIdx e) {
    const Entity& en = entities_[e];
    if (en.name == underscore) return;
    if (!(en.flags & kOwnPath) && en.parent == scope) {
      filed.push_back(e);
    } else {
      f.member_regs.push_back({{scope, en.name}, e});
    }
  };
  for (size_t i = 0; i < n_items && has_content; ++i) {
    const Item& it = facts.items[i];
    EntityIdx e = item_slot[i];
    StrId name = entities_[e].name;
    if (it.impl >= 0) {
      const Impl& im = facts.impls[it.impl];
      std::string_view tn = im.type_path;
      size_t cut = tn.rfind("::");
      if (cut != std::string_view::npos) tn = tn.substr(cut + 2);
      if (tn.empty()) tn = im.self_type;
      f.assoc_regs.push_back({{strings_.Intern(tn), name}, e});
    } else if (it.parent >= 0 &&
               facts.items[it.parent].kind == ItemKind::kTrait) {
      add_member(scope_key(it.parent), e);
      f.assoc_regs.push_back(
          {{strings_.Intern(facts.items[it.parent].name), name}, e});
    } else {
      add_member(scope_key(it.parent), e);
    }
    if (it.kind == ItemKind::kMod)
      f.module_regs.emplace_back(entities_[e].parent, e);  // (kOwnPath)
  }
  for (const Import& u : facts.imports) {
    if (!has_content) break;
    StrId scope = scope_key(u.scope_item);
    if (u.glob) {
      std::string_view p = u.path;
      if (p.size() >= 3 && p.substr(p.size() - 3) == "::*")
        p.remove_suffix(3);
      else if (p == "*")
        p = {};
      f.glob_regs.emplace_back(scope, strings_.Intern(p));
      continue;
    }
    std::string_view leaf = u.alias;
    if (leaf.empty()) {
      size_t cut = u.path.rfind("::");
      leaf = cut == std::string::npos ? std::string_view(u.path)
                                      : std::string_view(u.path).substr(cut + 2);
    }
    if (leaf == "_") continue;  // `use Trait as _`: brings no name
    f.import_regs.push_back(
        {{scope, strings_.Intern(leaf)}, strings_.Intern(u.path)});
  }
  // Only what changed is erased or appended (Reregister). An unchanged
  // entity keeps its slot, and a freed slot is not reused before the next
  // resolution, so an equal (key, slot) pair is the same registration.
  auto scoped_less = [](const auto& a, const auto& b) {
    return std::tie(a.first.scope, a.first.name, a.second) <
           std::tie(b.first.scope, b.first.name, b.second);
  };
  auto plain_less = [](const auto& a, const auto& b) { return a < b; };
  std::sort(filed.begin(), filed.end());
  for (EntityIdx e : f.entities)
    SetMember(e, std::binary_search(filed.begin(), filed.end(), e));
  Reregister(members_, std::move(old_member_regs), f.member_regs, scoped_less);
  Reregister(assoc_, std::move(old_assoc_regs), f.assoc_regs, scoped_less);
  Reregister(imports_, std::move(old_import_regs), f.import_regs, scoped_less);
  Reregister(globs_, old_globs, f.glob_regs, plain_less);
  Reregister(modules_, std::move(old_module_regs), f.module_regs, plain_less);
  Reregister(crates_, std::move(old_crate_regs), f.crate_regs, plain_less);

  // Diff of registrations: the names whose lookups may now answer
  // differently.
  {
    std::vector<MemberKey> now_members, now_assoc, now_modules, now_crates;
    std::vector<std::tuple<StrId, StrId, StrId>> now_imports;
    for (auto& [k, e] : f.member_regs)
      now_members.emplace_back(k.scope, k.name, entities_[e].id);
    filed_members(now_members);
    for (auto& [k, e] : f.assoc_regs)
      now_assoc.emplace_back(k.scope, k.name, entities_[e].id);
    for (auto& [k, p] : f.import_regs) now_imports.emplace_back(k.scope, k.name, p);
    for (auto& [m, e] : f.module_regs)
      now_modules.emplace_back(m, entities_[e].name, entities_[e].id);
    for (auto& [c, e] : f.crate_regs) now_crates.emplace_back(c, c, entities_[e].id);
    auto diff = [&](auto a, auto b, auto name_of) {
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      std::vector<typename decltype(a)::value_type> d;
      std::set_symmetric_difference(a.begin(), a.end(), b.begin(), b.end(),
                                    std::back_inserter(d));
      for (const auto& t : d) name_of(t);
    };
    auto second = [&](const auto& t) { changed.insert(std::get<1>(t)); };
    diff(old_members, now_members, second);
    diff(old_assoc, now_assoc, [&](const auto& t) {
      changed.insert(std::get<0>(t));
      changed.insert(std::get<1>(t));
    });
    diff(old_imports, now_imports, second);
    diff(old_modules, now_modules, second);
    diff(old_crates, now_crates, second);
    auto g1 = old_globs, g2 = f.glob_regs;
    std::sort(g1.begin(), g1.end());
    std::sort(g2.begin(), g2.end());
    if (g1 != g2) resolve_all_ = true;
  }

  // 6. References.
  auto add_ref = [&](Ref r) { f.refs.push_back(std::move(r)); };
  auto contain = [&](EntityIdx child, int32_t parent_item, uint32_t line) {
    Ref r;
    r.owner = child;
    r.kind = EdgeKind::kContains;
    r.SetLine(line);
    r.flags = kRefTargetOwner;
    if (parent_item >= 0) {
      r.SetFixedSource(item_slot[parent_item]);
    } else if (root != kNoEntity) {
      r.SetFixedSource(root);
    } else {
      r.source = f.module;  // the module declared elsewhere (`mod x;`)
      r.scope = chain_for(-1);
    }
    add_ref(std::move(r));
  };
  for (size_t i = 0; i < n_items && has_content; ++i) {
    const Item& it = facts.items[i];
    if (it.impl >= 0) {
      Ref r;
      r.owner = item_slot[i];
      r.kind = EdgeKind::kContains;
      r.SetLine(it.line);
      r.flags = kRefTargetOwner;
      r.SetFixedSource(impl_slot[it.impl]);
      if (r.fixed_source() != kNoEntity) add_ref(std::move(r));
    } else {
      contain(item_slot[i], it.parent, it.line);
    }
  }
  for (size_t i = 0; i < facts.impls.size() && has_content; ++i) {
    const Impl& im = facts.impls[i];
    uint32_t scope = chain_for(im.parent);
    uint8_t in_macro = im.in_macro ? kRefInMacro : 0;
    if (im.derive) {
      // #[derive(T)] on an item: implements edge from the item itself.
      EntityIdx owner = kNoEntity;
      for (size_t k = 0; k < n_items; ++k)
        if (facts.items[k].parent == im.parent &&
            facts.items[k].name == im.self_type &&
            IsType(model::FromItemKind(facts.items[k].kind)))
          owner = item_slot[k];
      if (owner == kNoEntity) continue;
      Ref r;
      r.owner = owner;
      r.kind = EdgeKind::kImplements;
      r.SetLine(im.line);
      r.path = strings_.Intern(im.trait_path);
      r.scope = scope;
      r.flags = kRefDerive | in_macro;
      add_ref(std::move(r));
      continue;
    }
    EntityIdx slot = impl_slot[i];
    contain(slot, im.parent, im.line);
    if (!im.type_path.empty()) {
      // The self type contains the impl block.
      Ref r;
      r.owner = slot;
      r.kind = EdgeKind::kContains;
      r.SetLine(im.line);
      r.source = strings_.Intern(im.type_path);  // (not fixed: a path)
      r.scope = scope;
      r.flags = kRefTargetOwner | in_macro;
      if (!im.blanket) add_ref(std::move(r));
    }
    if (!im.trait_name.empty() && !im.negative) {
      Ref r;
      r.owner = slot;
      r.kind = EdgeKind::kImplements;
      r.SetLine(im.line);
      r.path = strings_.Intern(im.trait_path);
      if (!im.blanket && !im.type_path.empty())
        r.source = strings_.Intern(im.type_path);  // (a path)
      r.scope = scope;
      r.flags = in_macro | (im.blanket ? kRefBlanket : 0);
      add_ref(std::move(r));
    }
  }
  for (const Call& c : facts.calls) {
    if (!has_content || c.caller_item < 0) continue;
    Ref r;
    r.owner = item_slot[c.caller_item];
    r.kind = EdgeKind::kCalls;
    r.SetLine(c.line);
    r.path = strings_.Intern(c.has_qualifier ? c.qualifier + "::" + c.callee
                                             : c.callee);
    r.self_type = self_type_of(c.caller_item);
    r.scope = chain_for(c.caller_item);
    r.flags = (c.method ? kRefMethod : 0) | (c.in_macro ? kRefInMacro : 0) |
              (c.method && c.on_self ? kRefOnSelf : 0);
    add_ref(std::move(r));
  }
  for (const TypeUse& t : facts.type_uses) {
    if (!has_content || t.from_item < 0) continue;
    Ref r;
    r.owner = item_slot[t.from_item];
    r.kind = EdgeKind::kUses;
    r.SetLine(t.line);
    r.path = strings_.Intern(t.type);
    r.self_type = self_type_of(t.from_item);
    r.scope = chain_for(facts.items[t.from_item].parent);
    r.flags = t.in_macro ? kRefInMacro : 0;
    add_ref(std::move(r));
  }
  for (const Import& u : facts.imports) {
    if (!has_content) continue;
    // A glob import's edge goes to what it opens (`use a::b::*`: `a::b`).
    std::string_view path = u.path;
    if (u.glob) {
      if (!path.ends_with("::*")) continue;  // `use *;`/`use ::*;`: nothing
      path.remove_suffix(3);
    }
    Ref r;
    r.kind = EdgeKind::kImports;
    r.SetLine(u.line);
    r.path = strings_.Intern(path);
    r.scope = chain_for(u.scope_item);
    r.flags = u.in_macro ? kRefInMacro : 0;
    if (u.scope_item >= 0) {
      r.owner = item_slot[u.scope_item];
    } else if (root != kNoEntity) {
      r.owner = root;
    } else {
      r.source = f.module;  // (a path)
    }
    add_ref(std::move(r));
  }
  KeepResolved(fi, std::move(old_refs), old_scopes);
}

namespace {

// What a reference resolves to depends on these fields and on what its
// lookups find (its line only goes into its edges).
struct RefKey {
  EntityIdx owner, fixed_source;
  StrId path, src_path, self_type;
  uint32_t scope;  // a scope chain's index in the new File::scopes
  uint8_t kind, flags;
  bool operator==(const RefKey&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const RefKey& k) {
    return H::combine(std::move(h), k.owner, k.fixed_source, k.path,
                      k.src_path, k.self_type, k.scope, k.kind, k.flags);
  }
};

}  // namespace

// Carrying a resolution over is exact: a reference's targets are a
// function of its key and of what its lookups see, and a lookup sees
// something else only if a name it looked up is among the names this
// change (or a later one before the next resolution) hands to Invalidate,
// which then queues the kept reference: it keeps its lookups. So the work
// of a save is the references that changed, not the file.
void Graph::KeepResolved(uint32_t fi, std::vector<Ref> old_refs,
                         const std::vector<std::vector<StrId>>& old_scopes) {
  File& f = files_[fi];
  std::vector<Ref> fresh = std::move(f.refs);
  f.refs.clear();
  constexpr uint32_t kNone = UINT32_MAX;
  // Old scope index -> new one (the same chain), or kNone. Chains are made
  // in the order the file uses them, so most keep their index.
  std::vector<uint32_t> scope_map(old_scopes.size(), kNone);
  if (!old_refs.empty()) {
    size_t same = 0;
    while (same < old_scopes.size() && same < f.scopes.size() &&
           old_scopes[same] == f.scopes[same]) {
      scope_map[same] = static_cast<uint32_t>(same);
      ++same;
    }
    if (same < old_scopes.size()) {
      absl::flat_hash_map<std::vector<StrId>, uint32_t> now;
      now.reserve(f.scopes.size());
      for (uint32_t i = 0; i < f.scopes.size(); ++i) now.emplace(f.scopes[i], i);
      for (size_t i = same; i < old_scopes.size(); ++i) {
        auto it = now.find(old_scopes[i]);
        if (it != now.end()) scope_map[i] = it->second;
      }
    }
  }
  auto key = [](const Ref& r, uint32_t scope) {
    return RefKey{r.owner,      r.fixed_source(), r.path,
                  r.src_path(), r.self_type,      scope,
                  static_cast<uint8_t>(r.kind), r.flags};
  };
  // Whether old reference i can be carried over, and its key.
  auto old_key = [&](uint32_t i, RefKey* k) {
    const Ref& r = old_refs[i];
    if (r.flags & kRefDead) return false;
    if (r.owner != kNoEntity && !live(r.owner)) return false;
    for (const Ref::Made& m : r.made)  // an edge lost to a freed entity
      if (!live(m.from) || !live(m.to)) return false;
    *k = key(r, r.scope < scope_map.size() ? scope_map[r.scope] : kNone);
    return true;
  };
  std::vector<uint32_t> place(fresh.size(), kNone);  // new -> old place
  std::vector<bool> kept(old_refs.size(), false);
  auto pair = [&](uint32_t j, uint32_t i) {
    place[j] = i;
    kept[i] = true;
  };
  // An edit changes a run of the file: the references before it and after
  // it pair up in place (no hashing); those of the run pair by key, each
  // new one with the first unpaired old one.
  const uint32_t n_old = static_cast<uint32_t>(old_refs.size());
  const uint32_t n_new = static_cast<uint32_t>(fresh.size());
  uint32_t lo = 0, hi = 0;  // common prefix and suffix
  RefKey k;
  while (lo < n_old && lo < n_new && old_key(lo, &k) &&
         k == key(fresh[lo], fresh[lo].scope)) {
    pair(lo, lo);
    ++lo;
  }
  while (hi < n_old - lo && hi < n_new - lo &&
         old_key(n_old - 1 - hi, &k) &&
         k == key(fresh[n_new - 1 - hi], fresh[n_new - 1 - hi].scope)) {
    pair(n_new - 1 - hi, n_old - 1 - hi);
    ++hi;
  }
  if (lo + hi < n_old && lo + hi < n_new) {
    absl::flat_hash_map<RefKey, absl::InlinedVector<uint32_t, 1>> by_key;
    by_key.reserve(n_old - lo - hi);
    for (uint32_t i = lo; i < n_old - hi; ++i)
      if (old_key(i, &k)) by_key[k].push_back(i);
    absl::flat_hash_map<RefKey, uint32_t> used;  // key -> pairs made
    for (uint32_t j = lo; j < n_new - hi && !by_key.empty(); ++j) {
      k = key(fresh[j], fresh[j].scope);
      auto it = by_key.find(k);
      if (it == by_key.end()) continue;
      uint32_t& n = used[k];
      if (n < it->second.size()) pair(j, it->second[n++]);
    }
  }
  // The old references not carried over let go of their edges; the kept
  // ones whose line moved have their edges rewritten with the new line.
  std::vector<const Ref*> gone, moved;
  for (uint32_t i = 0; i < old_refs.size(); ++i)
    if (!kept[i] && !old_refs[i].made.empty()) gone.push_back(&old_refs[i]);
  for (uint32_t j = 0; j < fresh.size(); ++j)
    if (place[j] != kNone && old_refs[place[j]].line != fresh[j].line &&
        !old_refs[place[j]].made.empty())
      moved.push_back(&old_refs[place[j]]);
  {
    std::vector<const Ref*> drop = gone;
    drop.insert(drop.end(), moved.begin(), moved.end());
    RemoveMade(drop, f.path);
  }
  // Lay the references out: kept ones in their old places, new ones in
  // the places left free (in order), then at the end; places nobody takes
  // are dead (they look nothing up).
  {
    // Exactly the places the layout below fills (a vector grown one
    // reference at a time holds up to twice that: tens of megabytes over
    // a large tree).
    size_t placed = 0, holes = 0;
    for (uint32_t p : place) placed += p != kNone;
    for (bool was_kept : kept) holes += !was_kept;
    const size_t unplaced = fresh.size() - placed;
    f.refs.reserve(old_refs.size() + (unplaced > holes ? unplaced - holes : 0));
  }
  f.refs.resize(old_refs.size());
  for (uint32_t j = 0; j < fresh.size(); ++j) {
    if (place[j] == kNone) continue;
    Ref& old = old_refs[place[j]];
    Ref& r = f.refs[place[j]];
    r = std::move(fresh[j]);
    r.made = std::move(old.made);
    r.lookups = std::move(old.lookups);
    if (old.line != r.line) {
      const uint8_t flags = EdgeFlags(r.flags);
      for (const Ref::Made& m : r.made)
        AddEdge(m.from, m.to, r.kind, m.confidence, f.path, r.line, flags);
    }
  }
  uint32_t hole = 0;
  auto next_free = [&] {
    while (hole < old_refs.size() && kept[hole]) ++hole;
    return hole;
  };
  for (uint32_t j = 0; j < fresh.size(); ++j) {
    if (place[j] != kNone) continue;
    uint32_t at = next_free();
    if (at < old_refs.size()) {
      ++hole;
    } else {
      at = static_cast<uint32_t>(f.refs.size());
      f.refs.emplace_back();
    }
    f.refs[at] = std::move(fresh[j]);
    pending_.emplace_back(fi, at);
  }
  for (uint32_t at = next_free(); at < old_refs.size(); at = next_free()) {
    ++hole;
    Ref dead;
    dead.flags = kRefDead;
    f.refs[at] = std::move(dead);
  }
  FreeOrphanExternals(gone);
}

void Graph::Invalidate(const absl::flat_hash_set<StrId>& changed) {
  if (resolve_all_) return;  // everything is resolved again anyway
  // The files listed under any changed name, each read once.
  std::vector<uint32_t> files;
  for (StrId name : changed)
    if (auto it = lookup_files_.find(name); it != lookup_files_.end())
      files.insert(files.end(), it->second.begin(), it->second.end());
  if (files.empty()) return;
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  // Their references that looked a changed name up resolve again; (name,
  // file) for each name a file still looks up.
  std::vector<std::pair<StrId, uint32_t>> still;
  for (uint32_t fi : files) {
    const std::vector<Ref>& refs = Refs(fi);
    for (uint32_t ri = 0; ri < refs.size(); ++ri) {
      bool queued = false;
      for (StrId name : refs[ri].lookups) {
        if (!changed.contains(name)) continue;
        still.emplace_back(name, fi);
        if (!queued) pending_.emplace_back(fi, ri);
        queued = true;
      }
    }
  }
  // A file that no longer looks a name up leaves its list.
  std::sort(still.begin(), still.end());
  still.erase(std::unique(still.begin(), still.end()), still.end());
  for (StrId name : changed) {
    auto it = lookup_files_.find(name);
    if (it == lookup_files_.end()) continue;
    SmallList<uint32_t>& list = it->second;
    size_t keep = 0;
    for (uint32_t fi : list)
      if (std::binary_search(still.begin(), still.end(), std::pair{name, fi}))
        list[keep++] = fi;
    list.resize(keep);
    if (list.empty()) lookup_files_.erase(it);
  }
}

uint16_t Graph::CrateIndex(StrId crate) {
  auto [it, fresh] = crate_index_.try_emplace(crate, kNoCrate);
  if (fresh) {
    if (crate_names_.size() + 1 >= kNoCrate) return kNoCrate;  // sees all
    it->second = static_cast<uint16_t>(crate_names_.size());
    crate_names_.push_back(crate);
  }
  return it->second;
}

void Graph::UpdateVisibility(bool queue) {
  // Each crate's dependencies and dev-dependencies: the union of its live
  // files'; unknown if a file does not say.
  std::vector<uint8_t> present, known;
  std::vector<std::vector<uint16_t>> deps, dev_deps;
  auto fit = [&] {
    present.resize(crate_names_.size(), 0);
    known.resize(crate_names_.size(), 1);
    deps.resize(crate_names_.size());
    dev_deps.resize(crate_names_.size());
  };
  for (const File& f : files_) {
    if (!f.live) continue;
    const uint16_t c = CrateIndex(f.crate);
    if (c == kNoCrate) continue;
    fit();
    present[c] = 1;
    if (!f.deps_known) known[c] = 0;
    for (auto [names, into] : {std::pair{&f.deps, &deps}, {&f.dev_deps, &dev_deps}})
      for (StrId d : *names) {
        const uint16_t di = CrateIndex(d);
        fit();
        if (di != kNoCrate) (*into)[c].push_back(di);
      }
  }
  fit();
  // What each crate may use: itself, its dependencies and dev-dependencies,
  // and their dependencies, transitively (not theirs of dev). A crate
  // that does not say what it uses, reached that way, may use anything:
  // so may the crate (its set stays empty: every crate).
  const size_t n = crate_names_.size();
  const size_t words = (n + 63) / 64;
  std::vector<std::vector<uint64_t>> vis(n);
  std::vector<uint16_t> stack;
  for (size_t c = 0; c < n; ++c) {
    if (!present[c] || !known[c]) continue;
    std::vector<uint64_t> bits(words, 0);
    bits[c / 64] |= uint64_t{1} << (c % 64);
    bool all = false;
    auto reach = [&](const std::vector<uint16_t>& from) {
      for (uint16_t d : from) {
        uint64_t& word = bits[d / 64];
        if (word >> (d % 64) & 1) continue;
        word |= uint64_t{1} << (d % 64);
        if (present[d] && !known[d]) {
          all = true;
          return;
        }
        stack.push_back(d);
      }
    };
    stack.clear();
    reach(dev_deps[c]);  // the crate's own dev-dependencies, not theirs
    stack.push_back(static_cast<uint16_t>(c));
    while (!stack.empty() && !all) {
      const uint16_t x = stack.back();
      stack.pop_back();
      reach(deps[x]);
    }
    if (!all) vis[c] = std::move(bits);
  }
  if (queue) {
    // The files of every crate whose set changed resolve again.
    std::vector<uint8_t> changed(n, 0);
    for (size_t c = 0; c < n; ++c) {
      const std::vector<uint64_t> none;
      const std::vector<uint64_t>& old = c < visible_.size() ? visible_[c] : none;
      bool same = old.empty() == vis[c].empty();
      for (size_t w = 0; same && w < vis[c].size(); ++w)
        same = vis[c][w] == (w < old.size() ? old[w] : 0);
      changed[c] = !same;
    }
    for (uint32_t fi = 0; fi < files_.size(); ++fi) {
      const File& f = files_[fi];
      if (!f.live) continue;
      const uint16_t c = CrateIndex(f.crate);
      if (c != kNoCrate && changed[c])
        for (uint32_t r = 0; r < RefCount(f); ++r) pending_.emplace_back(fi, r);
    }
  }
  visible_ = std::move(vis);
}

void Graph::ResolvePending() {
  if (crates_dirty_) {
    crates_dirty_ = false;
    UpdateVisibility(/*queue=*/!resolve_all_);
  }
  if (resolve_all_) {
    resolve_all_ = false;
    pending_.clear();
    lookup_files_.clear();
    for (uint32_t fi = 0; fi < files_.size(); ++fi)
      for (uint32_t r = 0; r < RefCount(files_[fi]); ++r)
        pending_.emplace_back(fi, r);
  }
  std::sort(pending_.begin(), pending_.end());
  pending_.erase(std::unique(pending_.begin(), pending_.end()), pending_.end());
  // Structural references first: `contains` edges of modules are read by
  // nothing else, but resolve in a fixed order so the result is the same
  // whatever the order of edits.
  for (auto [fi, ri] : pending_)
    if (files_[fi].live || files_[fi].gen > 0) Resolve(fi, ri);
  pending_.clear();
  SettleLists();
  for (EntityIdx z : zombies_) free_.push_back(z);
  zombies_.clear();
  PackWarmFiles();
}

}  // namespace aim::graph
