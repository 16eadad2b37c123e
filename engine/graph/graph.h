// The Interface Signature Graph: entities and edges built from the facts of
// every file, with name resolution kept up to date incrementally.
//
// The unit of change is one file: UpsertFile replaces everything a file
// contributed, RemoveFile withdraws it. Resolution is a deterministic
// function of the set of all files' facts, so the result never depends on
// the order in which files were applied, and applying edits one by one
// gives the same graph (same Digest) as ingesting the final tree at once.
//
// How that holds: every reference remembers the names it looked up while it
// was resolved (a path's segments, import aliases, glob targets' members,
// ...). When an edit adds or removes anything a lookup can see under a name
// (an entity, an import alias, an impl), every reference that looked up that
// name is resolved again. Adding or removing a glob import re-resolves all.
//
// Not thread-safe: one writer. Readers see a consistent state only between
// mutations (snapshots for concurrent readers come with the live engine).
#ifndef AIM_ENGINE_GRAPH_GRAPH_H_
#define AIM_ENGINE_GRAPH_GRAPH_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "aim/facts.h"
#include "engine/graph/edge_lists.h"
#include "engine/graph/id_index.h"
#include "engine/graph/layout.h"
#include "engine/graph/small_list.h"
#include "engine/model/kinds.h"
#include "engine/model/strings.h"

namespace aim::graph {

class FrozenTables;  // frozen_tables.h

using model::Confidence;
using model::EdgeKind;
using model::EntityKind;
using model::StrId;

// Entity flags.
inline constexpr uint8_t kLive = 1;
inline constexpr uint8_t kInMacro = 2;
inline constexpr uint8_t kTest = 4;
inline constexpr uint8_t kBlanket = 8;     // impl<T: A> B for T
inline constexpr uint8_t kNegative = 16;   // impl !Send for X
// Entity::parent is the qualified path itself (modules, externals, and a
// path that does not end in its name).
inline constexpr uint8_t kOwnPath = 32;
// A member of the scope its parent path names, under its name: filed in
// the graph's member index, not in its table of members (resolution).
inline constexpr uint8_t kMember = 64;
// The flags that say how an entity is held, not what it is.
inline constexpr uint8_t kHeldFlags = kOwnPath | kMember;
// Edge flags.
inline constexpr uint8_t kEdgeInMacro = 1;
inline constexpr uint8_t kEdgeDerive = 2;
inline constexpr uint8_t kEdgeBlanket = 4;

// How the last update of an entity's file that changed the entity changed
// it (Entity::change). Best effort: the text hash is 14 bits (one edit in
// 16,384 goes unseen) and covers the whole last line of the item (an edit
// of another item on that line counts); after a restart, the updates
// replayed from the log since the last checkpoint count as one per file
// (recovery folds them), measured against the checkpoint.
enum class Change : uint8_t {
  kNone = 0,   // not since the graph first saw its file, or not known
  kAdded,      // the update added it
  kBody,       // its text changed, its signature and visibility did not
  kSignature,  // its signature or visibility changed
};
// "", "added", "body", "signature".
std::string_view ChangeName(Change c);

// (40 bytes. Its signature hash is a function of its kind, visibility
// and signature: Graph::SigHash.)
struct Entity {
  uint64_t id = 0;        // XXH3-64 of (kind, qualified path, file, occurrence)
  StrId name = 0;
  // Its qualified path (crate::module::Item::member) is `parent` "::"
  // `name`, or `name` alone when `parent` is 0 (""); with kOwnPath,
  // `parent` is the qualified path. So most entities share the text of
  // the path they are declared in. Graph::qualified reads it.
  StrId parent = 0;
  StrId sig = 0;
  StrId vis = 0;
  StrId file = 0;         // "" for externals
  uint32_t line = 0;
  uint32_t end_line = 0;
  EntityKind kind = EntityKind::kFn;
  uint8_t flags = 0;
  // How the last update of its file that changed it changed it (Change),
  // and 14 bits of its text hash (Item::text_hash; 0: unknown), which
  // tell an edit of its body from none.
  uint16_t change : 2 = 0;
  uint16_t text : 14 = 0;
};
static_assert(sizeof(Entity) == 40);

// A qualified path as an entity holds it: `head` "::" `leaf`, or `leaf`
// alone when `head` is empty. Compared as the joined text, without
// joining it.
struct QualifiedPath {
  std::string_view head, leaf;
  size_t size() const {
    return head.empty() ? leaf.size() : head.size() + 2 + leaf.size();
  }
  std::string str() const {
    std::string s;
    AppendTo(s);
    return s;
  }
  void AppendTo(std::string& out) const {
    if (!head.empty()) out.append(head).append("::");
    out.append(leaf);
  }
  // As std::string_view::compare of the joined texts.
  int compare(const QualifiedPath& o) const;
  int compare(std::string_view s) const { return compare({{}, s}); }
  bool operator==(const QualifiedPath& o) const {
    return size() == o.size() && compare(o) == 0;
  }
  bool operator==(std::string_view s) const {
    if (head.empty()) return leaf == s;
    return s.size() == size() && s.starts_with(head) &&
           s.substr(head.size(), 2) == "::" && s.ends_with(leaf);
  }
  bool ends_with(std::string_view s) const;
  // Byte i of the joined text (i < size()).
  char operator[](size_t i) const {
    if (head.empty()) return leaf[i];
    if (i < head.size()) return head[i];
    return i < head.size() + 2 ? ':' : leaf[i - head.size() - 2];
  }
};

// The path an external (an item outside the tree) is kept under, so that
// one item is one entity however it is written: `core::` and `alloc::`
// paths are the `std::` paths that re-export them, and a bare name of the
// prelude (or of a derive macro it brings: `Debug`, `Hash`) is the std
// item it names (`std::fmt::Debug`). Other paths are kept as they are.
std::string CanonicalExternalPath(std::string_view path);

// Runs every task and returns once all have finished. The engine makes no
// threads; a caller with threads to spare passes a runner that runs the
// tasks at once (tasks given together touch disjoint state).
using RunTasks = std::function<void(std::span<const std::function<void()>>)>;

// Receives a graph image as it is written (SaveImage to a sink), in
// pieces, in order.
class ImageSink {
 public:
  virtual ~ImageSink() = default;
  virtual void Write(std::string_view bytes) = 0;
};

// Where a file sits in the workspace.
struct FileInput {
  std::string path;    // relative to the workspace root, '/' separated
  std::string crate;   // crate name (hyphens as underscores)
  std::string module;  // module path inside the crate: "" (root), "a::b"
  FileFacts facts;
  // What the file's crate may use (layout.h's FileDeps: its package's
  // dependencies). Method calls and name matches then link only items of
  // the file's own crate, of these, and of their dependencies'
  // dependencies, transitively. Unset when unknown (no Cargo.toml, a text
  // dump, a record of an older build): the crate may use every crate.
  std::optional<CrateDeps> deps;
};

class Graph {
 public:
  Graph();
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // Replaces everything `input.path` contributed with its new facts.
  // (Only reads `input`: two copies of a graph can take the same facts.)
  void UpsertFile(const FileInput& input);
  // Withdraws a file; false if it was not there.
  bool RemoveFile(std::string_view path);
  // While a batch is open, resolution is deferred; EndBatch resolves every
  // pending reference once. The result equals applying the files one by one.
  void BeginBatch();
  void EndBatch();

  // ---- reading
  size_t slot_count() const { return entities_.size(); }
  const Entity& entity(EntityIdx e) const { return entities_[e]; }
  bool live(EntityIdx e) const {
    return e < entities_.size() && (entities_[e].flags & kLive);
  }
  // An entity's edges. Each list is in EdgeBefore order (so a list names
  // each other end in one run, least edge first, in the order of their ids:
  // a query of one hop reads its answer off in order).
  std::span<const Edge> out(EntityIdx e) const { return out_[e]; }
  std::span<const Edge> in(EntityIdx e) const { return in_[e]; }
  // The order of every adjacency list: by the other end's entity id, then
  // kind, line, confidence, flags and file path. A function of content
  // alone (not of slots or of the order of edits).
  bool EdgeBefore(const Edge& a, const Edge& b) const;
  // EdgeBefore without the other end: kind, line, confidence, flags, file
  // path. The order among edges to one entity (walks keep the least).
  bool EdgeFieldsBefore(const Edge& a, const Edge& b) const;
  // A hint that out(e) or in(e) is about to be asked for: a walk issues
  // it for many entities before reading their lists, so that the cache
  // misses on where the lists are overlap rather than follow one another.
  void PrefetchList(EntityIdx e, bool in_list) const {
    __builtin_prefetch(in_list ? in_.HeadOf(e) : out_.HeadOf(e));
  }
  std::string_view str(StrId s) const { return strings_.Get(s); }
  // An entity's qualified path (Entity::parent).
  QualifiedPath qualified(const Entity& e) const {
    if (e.flags & kOwnPath) return {{}, strings_.Get(e.parent)};
    return {strings_.Get(e.parent), strings_.Get(e.name)};
  }
  QualifiedPath qualified(EntityIdx e) const { return qualified(entities_[e]); }
  // An entity's signature hash: XXH3-64 of its kind, visibility and
  // signature. Unlike its id it changes when its interface changes, and
  // only then.
  uint64_t SigHash(const Entity& e) const;
  // Entities whose simple name is `name`.
  std::span<const EntityIdx> ByName(std::string_view name) const;
  EntityIdx ById(uint64_t id) const;
  // Live entities' slots, in slot order.
  std::vector<EntityIdx> LiveEntities() const;

  size_t entity_count() const { return live_entities_; }
  size_t edge_count() const { return edge_count_; }
  size_t file_count() const { return file_index_.size(); }
  // The content hash held for `path` (0: no such file). O(1).
  uint64_t FileHash(std::string_view path) const;
  // The files' paths and content hashes (for incremental ingest).
  std::vector<std::pair<std::string, uint64_t>> Files() const;
  // A hash of where a file sits: its crate, module and what its crate may
  // use (an incremental ingest redoes a file whose content or place
  // changed: a Cargo.toml edit moves files or changes what they see).
  static uint64_t PlaceHash(const FileInput& in);
  // The same for the file held at `path` (0: no such file).
  uint64_t PlaceHash(std::string_view path) const;
  // Bytes held by the graph's own structures, by part (approximate: what
  // the structures reserve, not what the allocator adds).
  struct MemoryUse {
    size_t entities = 0;      // the entity records
    size_t lists = 0;         // adjacency lists, both ways
    size_t strings = 0;       // string text and its views
    size_t string_index = 0;  // the string pool's hash index
    size_t tables = 0;        // by id, by name; files' paths and entities
    size_t resolution = 0;    // what edits need: references, scope tables,
                              // registrations, lookups (0 if query-only)
    size_t total() const {
      return entities + lists + strings + string_index + tables + resolution;
    }
  };
  MemoryUse Memory() const;
  size_t MemoryBytes() const { return Memory().total(); }

  // ---- change tracking (for indexes that follow the graph)
  // While on, every slot whose entity is created or freed is recorded
  // (possibly more than once) until TakeChangedSlots hands the record over.
  void set_track_changes(bool on) {
    track_changes_ = on;
    if (!on) changed_slots_.clear();
  }
  // Moves the recorded slots into *out (replacing its contents).
  void TakeChangedSlots(std::vector<EntityIdx>* out) {
    out->swap(changed_slots_);
    changed_slots_.clear();
  }

  // XXH3-64 over the sorted entities and edges: equal digests mean equal
  // graphs, whatever the order of the edits that built them.
  uint64_t Digest() const;

  // ---- images (image.cc, image_load.cc; layout in IMAGE_FORMAT.md)
  // Appends to *out a binary image of the whole graph: entities, edges, and
  // the resolution state that incremental updates need (each file's
  // references and registrations, what each reference looked up). No facts
  // are kept and nothing is resolved again on load. Uncompressed (the
  // caller compresses and checksums), little-endian, deterministic: the
  // same graph state gives the same bytes. May be called inside a batch.
  void SaveImage(std::string* out) const;
  // The same bytes, handed to `sink` piece by piece as they are written
  // (about 1 MiB at a time): no whole image is held in memory.
  void SaveImage(ImageSink& sink) const;
  // Tests of older readers: an image in format 2 (before lists kept their
  // order in the image: those out of E order are written out whole), or
  // in the current format. Aborts for any other format.
  void SaveImageForTesting(std::string* out, uint8_t format) const;
  // Rebuilds the graph an image was saved from: same entities and edges in
  // the same slots and list orders (same Digest), and every later edit
  // behaves as it would have on the saved graph. (Images of formats 1 and
  // 2 come from before lists were kept in EdgeBefore order: their lists
  // are sorted on load.) A list order stored in the image is trusted once
  // it is a permutation: damage that keeps it one (behind the checkpoint's
  // CRC) can only put one-hop answers out of order (or list an entity
  // twice), never read out of bounds.
  // Safe on any input: every size, count and index is checked before use,
  // and nothing larger than the remaining input can justify is allocated.
  // Errors: DataLoss for damaged bytes (the message names the field and
  // the byte offset); FailedPrecondition for a format version newer than
  // this build reads.
  // `run`, when given, may load parts of the image at once (see RunTasks).
  // With ImageParts::kQueries only what readers see is loaded (strings,
  // entities, files, adjacency lists, the name and id tables frozen in
  // flat arrays; of the string index, file paths), not the resolution
  // state: about half the work and memory. Such a graph answers
  // every query as the whole one would, and cannot change: UpsertFile,
  // RemoveFile, batches and SaveImage on it abort (a caller's bug).
  enum class ImageParts { kAll, kQueries };
  static absl::StatusOr<std::unique_ptr<Graph>> LoadImage(
      std::string_view bytes, const RunTasks& run = nullptr,
      ImageParts parts = ImageParts::kAll);
  // Whether this graph was loaded with ImageParts::kQueries.
  bool query_only() const { return query_only_; }

 private:
  struct Ref;
  struct File;
  struct ScopeName {
    StrId scope, name;
    bool operator==(const ScopeName&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const ScopeName& k) {
      return H::combine(std::move(h), k.scope, k.name);
    }
  };
  // Lists of entities in the name and scope tables: most hold one entry, so
  // two are stored inline (no allocation), in 12 bytes.
  using EntityList = SmallList<EntityIdx>;

  // Reads the id of the entity in a slot (for by_id_).
  auto IdOf() const {
    return [this](EntityIdx e) { return entities_[e].id; };
  }
  // The lookup tables that are a function of entities_ and the files'
  // registrations, in the order a fresh ingest builds them. An image
  // stores only where the live tables differ from these (image_tables.cc).
  struct DerivedTables;
  void DeriveTables(DerivedTables& t) const;
  // The two halves of DeriveTables: the tables of entities alone (by id,
  // by name, externals), then those of the files' registrations and paths.
  void DeriveEntityTables(DerivedTables& t) const;
  void DeriveFileTables(DerivedTables& t) const;
  class ImageSaver;   // image.cc
  class ImageLoader;  // image_load.cc

  // graph.cc
  // Aborts, naming `what`, if this graph is query-only.
  void RequireWhole(const char* what) const;
  EntityIdx NewEntity(const Entity& e);
  void FreeEntity(EntityIdx e);
  void AddEdge(EntityIdx from, EntityIdx to, EdgeKind kind, Confidence c,
               StrId file, uint32_t line, uint8_t flags);
  // Removes one edge equal to the given one in every field.
  void RemoveEdge(EntityIdx from, EntityIdx to, EdgeKind kind, Confidence c,
                  StrId file, uint32_t line, uint8_t flags);
  // Keeps the lists in EdgeBefore order. An edge goes into its place in
  // the list while the list has taken few in this update (a hub's list of
  // tens of thousands takes a few edges from a save); after that it is
  // appended, and the list is sorted once when the update ends.
  void InsertEdge(EdgeLists& lists, std::vector<uint8_t>& edits,
                  std::vector<EntityIdx>& touched, EntityIdx owner,
                  const Edge& ed);
  // Sorts the lists that took too many edges to place them one by one.
  void SettleLists();
  // Sorts one list into EdgeBefore order.
  void SortList(std::span<Edge> list) const;
  void Build(uint32_t file_idx, const FileInput& input,
             absl::flat_hash_set<StrId>& changed);
  // After Build made f.refs anew: every new reference equal to an old one
  // but for its line takes over the old one's place, edges and lookups (what
  // it resolves to cannot have changed unless a name it looked up did, and
  // then Invalidate queues it); the others go to pending_. See graph.cc.
  void KeepResolved(uint32_t file_idx, std::vector<Ref> old_refs,
                    const std::vector<std::vector<StrId>>& old_scopes);
  // Queues every reference that looked up one of `changed`.
  void Invalidate(const absl::flat_hash_set<StrId>& changed);
  void ResolvePending();

  // ref_pack.cc. A file's references are held packed (about a fifth of
  // their size) except while an update edits or resolves them.
  // Warms file `fi` (unpacks its references) and returns them.
  std::vector<Ref>& Refs(uint32_t fi);
  static size_t RefCount(const File& f);
  // Packs a warm file's references (and lets go of them) with `w`.
  class RefWriter;
  static void PackFile(File& f, RefWriter& w);
  // At the end of an update: packs the references of the files warmed
  // since the last call, but for those it edited if they are few.
  void PackWarmFiles();
  // Appends a cold file's references to *out.
  void UnpackRefs(const File& f, std::vector<Ref>* out) const;
  // Reads packed references one at a time.
  class RefReader;
  // Ends the process: a file's own packed references failed to read (a
  // bug, or memory damage).
  [[noreturn]] static void OwnRefsDamaged(const File& f, const RefReader& in);
  // Files that look up `name` (some perhaps no longer do) take `fi`.
  void NoteLookup(StrId name, uint32_t fi);

  // resolve.cc
  struct Lookup;
  struct Cursor;
  void Resolve(uint32_t file_idx, uint32_t ref_idx);
  void Unresolve(Ref& r, StrId file);
  // Unresolve for every reference of `f`, with one pass over each
  // adjacency list that loses edges (a hub's in-list can hold tens of
  // thousands, and a file often has several edges into it).
  void UnresolveFile(File& f);
  // Removes the edges the given references made (each still in both lists
  // unless an end was freed), with one pass per adjacency list.
  void RemoveMade(std::span<const Ref* const> refs, StrId file);
  // Frees the externals among the ends of `refs`' edges that nothing refers
  // to any more, in the order Unresolve would have dropped them.
  void FreeOrphanExternals(std::span<const Ref* const> refs);
  EntityIdx External(StrId path);
  // Follows a path from a scope chain (innermost first). Fills `out` with
  // the entities named, or `external` with the path as expanded; returns
  // false when the path entered the tree but could not be followed.
  bool Walk(std::vector<std::string_view> segs,
            const std::vector<StrId>& chain, StrId self_type, Lookup& lookup,
            std::vector<EntityIdx>& out, std::string& external);
  // Follows segments i.. of `segs` from `cur` (Walk's rest).
  bool Follow(Cursor cur, const std::vector<std::string_view>& segs, size_t i,
              Lookup& lookup, std::vector<EntityIdx>& out,
              std::string& external);
  bool Step(Cursor& cur, std::string_view seg, Lookup& lookup,
            const std::vector<std::string_view>& segs, size_t i,
            std::vector<EntityIdx>& out, std::string& external, bool& done);
  // Looks segment `i` of `segs` up through the glob imports of `scope`
  // (their paths resolved from `chain`); fills `cur` when found.
  bool ThroughGlobs(StrId scope, const std::vector<StrId>& chain,
                    StrId self_type, const std::vector<std::string_view>& segs,
                    size_t i, Lookup& lookup, Cursor& cur);
  // The members of `scope` named `name` (the member index's and the
  // table's), ascending; false if there are none.
  bool Members(StrId scope, StrId name, std::vector<EntityIdx>& out) const;
  bool HasMembers(StrId scope, StrId name) const;
  // The key a kMember entity is filed under in member_index_: its parent
  // path and its name.
  static uint64_t MemberKey(StrId scope, StrId name) {
    return uint64_t{scope} << 32 | name;
  }
  auto MemberKeyOf() const {
    return [this](EntityIdx e) {
      return MemberKey(entities_[e].parent, entities_[e].name);
    };
  }
  // Files or unfiles entity e as a kMember member.
  void SetMember(EntityIdx e, bool member);

  // Crate visibility (FileInput::deps; graph.cc). Crates are numbered as
  // they are first seen (the numbers never show in a result).
  static constexpr uint16_t kNoCrate = UINT16_MAX;
  uint16_t CrateIndex(StrId crate);
  // Recomputes every crate's visible set from the live files; queues the
  // references of the files of each crate whose set changed (`queue`).
  void UpdateVisibility(bool queue);
  // Whether code of crate `from` may use entity `e`.
  bool Visible(uint16_t from, EntityIdx e) const {
    const uint16_t c = e < entity_crate_.size() ? entity_crate_[e] : kNoCrate;
    if (from == kNoCrate || c == kNoCrate || c == from) return true;
    const std::vector<uint64_t>& v = visible_[from];
    return v.empty() ||
           (c / 64u < v.size() && (v[c / 64] >> (c % 64) & 1) != 0);
  }
  // Associated items named `name` of impls of (or a trait named) `type`,
  // a simple name.
  const EntityList* Assoc(StrId type, StrId name) const;
  StrId FirstImport(StrId scope, StrId name) const;

  model::StringPool strings_;
  std::vector<Entity> entities_;
  EdgeLists out_, in_;
  // Per slot, edges placed into its out- or in-list in this update
  // (kListUnsorted: appended, to sort), and the slots that took any.
  std::vector<uint8_t> out_edits_, in_edits_;
  std::vector<EntityIdx> out_touched_, in_touched_;
  std::vector<EntityIdx> free_;
  std::vector<EntityIdx> zombies_;  // freed during an update, reusable after
  size_t live_entities_ = 0;
  size_t edge_count_ = 0;

  std::vector<File> files_;  // by file index; removed files stay as tombstones
  absl::flat_hash_map<StrId, uint32_t> file_index_;  // path -> file index

  IdIndex by_id_;
  absl::flat_hash_map<StrId, EntityList> by_name_;
  // Scope tables. A scope is a module or a fn body, named by its qualified
  // path; traits are scopes of their items. A member whose scope is its
  // parent path (most: kMember) is filed in member_index_ alone, in 8
  // bytes; the others in members_.
  IdIndex member_index_;
  absl::flat_hash_map<ScopeName, EntityList> members_;
  // Associated items of impls and traits: (self type or trait simple name,
  // member name).
  absl::flat_hash_map<ScopeName, EntityList> assoc_;
  // `use` imports: (scope, alias or leaf name) -> full paths.
  absl::flat_hash_map<ScopeName, SmallList<StrId>> imports_;
  absl::flat_hash_map<StrId, SmallList<StrId>> globs_;
  absl::flat_hash_map<StrId, EntityList> modules_;  // by path
  absl::flat_hash_map<StrId, EntityList> crates_;   // roots
  absl::flat_hash_map<StrId, EntityIdx> externals_;

  // Each slot's crate (kNoCrate: an external, or none), the crates by
  // number, and what each may use: a bit per crate, or empty for every
  // crate (its files do not all say). Set by UpdateVisibility when
  // crates_dirty_ (a file's crate or deps changed, or it came or went).
  std::vector<uint16_t> entity_crate_;
  absl::flat_hash_map<StrId, uint16_t> crate_index_;
  std::vector<StrId> crate_names_;
  std::vector<std::vector<uint64_t>> visible_;
  bool crates_dirty_ = false;

  // Names references looked up -> the files they are in, ascending: a
  // superset (a file leaves a list when Invalidate finds none of its
  // references looking the name up any more).
  absl::flat_hash_map<StrId, SmallList<uint32_t>> lookup_files_;
  // Files whose references are unpacked (File::warm), and those this
  // update edited (PackWarmFiles leaves a few of them unpacked).
  std::vector<uint32_t> warm_files_, edited_;
  std::vector<std::pair<uint32_t, uint32_t>> pending_;  // (file, ref)
  bool batch_ = false;
  bool resolve_all_ = false;
  bool query_only_ = false;  // see ImageParts::kQueries
  // A query-only graph's name and id tables (by_name_ and by_id_ are then
  // empty); null in a whole graph.
  std::unique_ptr<FrozenTables> frozen_;
  bool track_changes_ = false;
  std::vector<EntityIdx> changed_slots_;
};

}  // namespace aim::graph

#endif  // AIM_ENGINE_GRAPH_GRAPH_H_
