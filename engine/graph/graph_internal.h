// Graph internals shared by graph.cc and resolve.cc.
#ifndef AIM_ENGINE_GRAPH_GRAPH_INTERNAL_H_
#define AIM_ENGINE_GRAPH_GRAPH_INTERNAL_H_

#include <algorithm>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/graph/graph.h"
#include "engine/graph/small_list.h"

namespace aim::graph {

// Ref flags.
inline constexpr uint8_t kRefMethod = 1;        // `.m(..)`: resolve by name
inline constexpr uint8_t kRefInMacro = 2;
inline constexpr uint8_t kRefDerive = 4;
inline constexpr uint8_t kRefFixedSource = 8;   // source is `fixed_source`
inline constexpr uint8_t kRefTargetOwner = 16;  // target is the owner
inline constexpr uint8_t kRefBlanket = 32;
// A place in File::refs no reference holds (the file lost references since
// the places were handed out); it makes no edges and looks nothing up.
inline constexpr uint8_t kRefDead = 64;
// With kRefMethod: the receiver is `self` (`self.m(..)`), so the methods
// of `self_type` come first.
inline constexpr uint8_t kRefOnSelf = 128;

// Edges one adjacency list takes in place in one update before it is
// sorted instead (Graph::InsertEdge); the mark of a list to sort.
inline constexpr uint8_t kPlaceBudget = 16;
inline constexpr uint8_t kListUnsorted = UINT8_MAX;

// The flags of the edges a reference makes.
inline uint8_t EdgeFlags(uint8_t ref_flags) {
  return ((ref_flags & kRefInMacro) ? kEdgeInMacro : 0) |
         ((ref_flags & kRefDerive) ? kEdgeDerive : 0) |
         ((ref_flags & kRefBlanket) ? kEdgeBlanket : 0);
}

// The most entity slots a graph holds (Ref::Made::to is 30 bits).
inline constexpr uint32_t kMaxSlots = 1u << 30;

// The most scope chains a file holds (Ref::scope is 24 bits).
inline constexpr uint32_t kMaxScopes = 1u << 24;

// One reference written in a file, the edges it currently resolves to and
// the names its resolution looked up. (48 bytes; a file's references are
// held so only while it is warm, else packed: ref_pack.cc.)
struct Graph::Ref {
  EntityIdx owner = kNoEntity;  // the entity that wrote it
  // With kRefFixedSource, the source's slot (kNoEntity: none); else a
  // path whose resolution is the source, or 0 (the owner is).
  uint32_t source = 0;
  StrId path = 0;      // target path as written ("a::b::C", "Self::new")
  StrId self_type = 0;  // what `Self` stands for, as a path
  // Its edges' line: at most kMaxEdgeLine (SetLine clamps, as Edge does).
  uint32_t line : 24 = 0;
  EdgeKind kind : 8 = EdgeKind::kCalls;
  uint32_t scope : 24 = 0;  // index into File::scopes
  uint8_t flags : 8 = 0;
  void SetLine(uint32_t l) { line = l < kMaxEdgeLine ? l : kMaxEdgeLine; }
  EntityIdx fixed_source() const {
    return (flags & kRefFixedSource) ? source : kNoEntity;
  }
  StrId src_path() const { return (flags & kRefFixedSource) ? 0 : source; }
  void SetFixedSource(EntityIdx e) {
    flags |= kRefFixedSource;
    source = e;
  }
  // Edges made by the last resolution. (8 bytes: a slot fits in 30 bits,
  // kMaxSlots.)
  struct Made {
    EntityIdx from;
    EntityIdx to : 30;
    Confidence confidence : 2;
    static Made Of(EntityIdx from, EntityIdx to, Confidence c) {
      Made m;
      m.from = from;
      m.to = to;  // (< kMaxSlots)
      m.confidence = c;
      return m;
    }
  };
  static_assert(sizeof(Made) == 8);
  SmallList<Made> made;  // 12 bytes, one inline
  // The names the last resolution looked up, ascending: an edit that adds
  // or removes anything under one of them resolves the reference again
  // (Graph::Invalidate).
  SmallList<StrId> lookups;

  // The edge made entry `m` stands for, as its source's out-list holds it
  // (`other` is the target); `file` is the path of the reference's file.
  Edge OutEdge(const Made& m, StrId file) const {
    return {m.to, file, line, kind, m.confidence, EdgeFlags(flags)};
  }
};

// A file's references as bytes (ref_pack.cc has the layout). A reference
// repeats, by number, the key (kind, flags, source, path, self type,
// scope) of an earlier one with the same; its made entries' targets and
// its lookups may repeat that one's too.
class Graph::RefWriter {
 public:
  RefWriter();
  ~RefWriter();
  // The next reference, with its made entries and lookups (`r.made` and
  // `r.lookups` are not read).
  void Add(const Ref& r, std::span<const Ref::Made> made,
           std::span<const StrId> lookups);
  // Copies the bytes written since the last Reset into `out`, an
  // allocation of their size.
  void CopyTo(std::vector<uint8_t>& out) const {
    out.assign(buf_.data(), buf_.data() + size_);
  }
  std::string_view bytes() const {
    return {reinterpret_cast<const char*>(buf_.data()), size_};
  }
  // Starts anew (keeping the buffers).
  void Reset();

 private:
  // Where n more bytes may be written.
  uint8_t* Room(size_t n);
  std::vector<uint8_t> buf_;
  size_t size_ = 0;
  uint32_t owner_ = 0, line_ = 0;
  StrId self_type_ = 0;
  struct Keys;  // each key's number and its last made entries and lookups
  std::unique_ptr<Keys> keys_;
};

// Reads the bytes RefWriter wrote, one reference at a time, checking every
// field: an image's bytes are read with the checks the graph's own are.
class Graph::RefReader {
 public:
  // `count` references in `bytes`; entity slots below `n_slots` and
  // string ids below `n_str`.
  RefReader(std::span<const uint8_t> bytes, uint32_t count, size_t n_slots,
            size_t n_str);
  ~RefReader();
  // Reads the next reference: false at the end (all `count` read, every
  // byte used) or on damage (then error() says what, at offset()).
  bool Next();
  // The reference read (`made` and `lookups` empty: see made(), lookups(),
  // valid until the next call).
  Ref ref() const;
  // The edge made entry `m` of it stands for (Ref::OutEdge).
  Edge OutEdge(const Ref::Made& m, StrId file) const {
    return {m.to, file, cur_.line, static_cast<EdgeKind>(cur_.key.kind),
            m.confidence, EdgeFlags(cur_.key.flags)};
  }
  std::span<const Ref::Made> made() const;
  std::span<const StrId> lookups() const;
  const std::string& error() const { return error_; }
  size_t offset() const { return error_at_; }

 private:
  [[gnu::cold, gnu::noinline]] bool Fail(const uint8_t* at, std::string what);
  // A varint of at most 32 bits at p_ (false past the end or too long).
  bool Get(uint32_t& v, const char* what) {
    if (p_ != end_ && *p_ < 0x80) [[likely]] {
      v = *p_++;
      return true;
    }
    return GetLong(v, what);
  }
  [[gnu::noinline]] bool GetLong(uint32_t& v, const char* what);

  const uint8_t* const begin_;
  const uint8_t* p_;
  const uint8_t* const end_;
  uint32_t left_;
  const size_t n_slots_, n_str_;
  // The reference's fields (in words of their own: a Ref's bit-fields,
  // written a byte at a time and read as words, would stall the reads).
  struct KeyFields {
    uint32_t kind = 0, flags = 0, source = 0;
    StrId path = 0, self_type = 0;
    uint32_t scope = 0;
  };
  struct Fields {
    KeyFields key;
    EntityIdx owner = 0;
    uint32_t line = 0;
  };
  Fields cur_;
  struct Key {
    KeyFields fields;
    uint32_t made_begin = 0, made_n = 0, lookups_begin = 0, lookups_n = 0;
  };
  std::vector<Key> keys_;
  uint32_t key_ = 0;  // the key of the reference read
  std::vector<Ref::Made> made_;
  std::vector<StrId> lookups_;
  uint32_t made_begin_ = 0, made_n_ = 0;  // the reference's own made entries
  std::string error_;
  size_t error_at_ = 0;
};

struct Graph::File {
  StrId path = 0;
  StrId crate = 0;
  StrId module = 0;  // qualified module path: crate[::a::b]
  uint64_t hash = 0;
  uint32_t lines = 0;
  uint32_t gen = 0;  // bumped each time the file lets go of its references
  bool live = false;
  // Whether `refs` holds the references (Graph::Refs warmed the file in
  // this update); else they are in `packed` (ref_pack.cc), `ref_count` of
  // them, and `refs` is empty.
  bool warm = false;
  uint32_t ref_count = 0;
  uint32_t made_count = 0;  // made entries in `packed`
  std::vector<EntityIdx> entities;
  // What its crate may use (FileInput::deps), sorted; meaningful only
  // with deps_known.
  bool deps_known = false;
  std::vector<StrId> deps, dev_deps;
  std::vector<Ref> refs;
  std::vector<uint8_t> packed;
  // Scope chains, innermost first: fn bodies, then the module.
  std::vector<std::vector<StrId>> scopes;
  // What was registered in the scope tables, to withdraw it again (of
  // the members, those not filed as kMember).
  std::vector<std::pair<ScopeName, EntityIdx>> member_regs, assoc_regs;
  std::vector<std::pair<ScopeName, StrId>> import_regs;
  std::vector<std::pair<StrId, StrId>> glob_regs;
  std::vector<std::pair<StrId, EntityIdx>> module_regs, crate_regs;
};

struct Graph::DerivedTables {
  // Calls fn(table) for each table, in a fixed order (the image's).
  template <typename Fn>
  void ForEach(Fn fn) {
    fn(by_id), fn(by_name), fn(members), fn(assoc), fn(imports), fn(globs),
        fn(modules), fn(crates), fn(externals), fn(file_index);
  }
  absl::flat_hash_map<uint64_t, EntityIdx> by_id;
  // When set, DeriveEntityTables files the entities by id here, not in
  // by_id (a whole load derives the graph's own table), and the kMember
  // entities in member_index.
  IdIndex* ids = nullptr;
  IdIndex* member_index = nullptr;
  absl::flat_hash_map<StrId, EntityList> by_name;
  absl::flat_hash_map<ScopeName, EntityList> members, assoc;
  absl::flat_hash_map<ScopeName, SmallList<StrId>> imports;
  absl::flat_hash_map<StrId, SmallList<StrId>> globs;
  absl::flat_hash_map<StrId, EntityList> modules, crates;
  absl::flat_hash_map<StrId, EntityIdx> externals;
  absl::flat_hash_map<StrId, uint32_t> file_index;
};

// Removes the first `value` from the list at `key`, and the key if its list
// becomes empty.
template <typename Map, typename K, typename V>
void EraseOne(Map& map, const K& key, const V& value) {
  auto it = map.find(key);
  if (it == map.end()) return;
  auto& v = it->second;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == value) {
      v.erase(v.begin() + i);
      break;
    }
  }
  if (v.empty()) map.erase(it);
}

// Brings `table` from one file's registrations `old_regs` to its
// `new_regs` (each a multiset of (key, value) pairs, ordered by `less`):
// appends the pairs only `new_regs` has (in its order), erases those only
// `old_regs` has, and leaves those both have where they are in their
// lists, so that a save which changes little touches little.
template <typename Map, typename K, typename V, typename Less>
void Reregister(Map& table, std::vector<std::pair<K, V>> old_regs,
                const std::vector<std::pair<K, V>>& new_regs, Less less) {
  std::sort(old_regs.begin(), old_regs.end(), less);
  std::vector<bool> kept(old_regs.size(), false);
  for (const std::pair<K, V>& reg : new_regs) {
    size_t i = static_cast<size_t>(
        std::lower_bound(old_regs.begin(), old_regs.end(), reg, less) -
        old_regs.begin());
    while (i < old_regs.size() && !less(reg, old_regs[i]) && kept[i]) ++i;
    if (i < old_regs.size() && !less(reg, old_regs[i])) {
      kept[i] = true;  // registered already
      continue;
    }
    table[reg.first].push_back(reg.second);
  }
  for (size_t i = 0; i < old_regs.size(); ++i)
    if (!kept[i]) EraseOne(table, old_regs[i].first, old_regs[i].second);
}

}  // namespace aim::graph

#endif  // AIM_ENGINE_GRAPH_GRAPH_INTERNAL_H_
