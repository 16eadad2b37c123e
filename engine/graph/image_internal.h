// The graph image's writer and reader classes, shared by image.cc (saving),
// image_load.cc and image_files.cc (loading), and image_edges.cc (the
// adjacency lists, both ways). The layout is described in IMAGE_FORMAT.md.
#ifndef AIM_ENGINE_GRAPH_IMAGE_INTERNAL_H_
#define AIM_ENGINE_GRAPH_IMAGE_INTERNAL_H_

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/graph/graph.h"
#include "engine/graph/graph_internal.h"
#include "engine/graph/image_format.h"

namespace aim::graph {

// How a reference's made-edge source is stored: as the reference's owner,
// its fixed source, or written out.
inline constexpr uint8_t kMadeFromOwner = 0;
inline constexpr uint8_t kMadeFromFixed = 1;
inline constexpr uint8_t kMadeFromColumn = 2;

inline bool SameEdge(const Edge& a, const Edge& b) {
  return a.other == b.other && a.file == b.file && a.line == b.line &&
         a.kind == b.kind && a.confidence == b.confidence && a.flags == b.flags;
}

class Graph::ImageSaver {
 public:
  ImageSaver(const Graph& g, std::string* out) : g_(g), w_(out, Expected(g)) {}
  ImageSaver(const Graph& g, ImageSink* sink) : g_(g), w_(sink) {}
  // Writes format `format` (2 or image::kFormat).
  void Save(uint8_t format = image::kFormat);

 private:
  void Strings();
  void Entities();
  void Files();
  void RefsInColumns();  // formats before 6
  void Registrations();
  void Edges();  // image_edges.cc
  void Tables();
  void Deps();
  void DepsByName();  // formats before 5
  void Pending();
  static std::array<uint32_t, image::kRefOptional> Optional(const Ref& r);
  static size_t Expected(const Graph& g);
  // File fi's references (unpacked for the save if packed).
  const std::vector<Ref>& RefsOf(size_t fi);
  // File fi's packed references (packed for the save if warm; valid
  // until the next call).
  std::string_view PackedRefs(size_t fi);
  // Calls fn(source, edge as its out-list holds it) for every made entry,
  // in E order (IMAGE_FORMAT.md), unpacking a file at a time.
  template <typename Fn>
  void ForEachMade(Fn fn) {
    for (size_t fi = 0; fi < g_.files_.size(); ++fi) {
      const File& f = g_.files_[fi];
      if (f.warm || format_ < 6) {  // (older formats unpack them all anyway)
        for (const Ref& r : RefsOf(fi))
          for (const Ref::Made& m : r.made) fn(m.from, r.OutEdge(m, f.path));
        continue;
      }
      RefReader in(f.packed, f.ref_count, g_.entities_.size(),
                   g_.strings_.size());
      while (in.Next())
        for (const Ref::Made& m : in.made()) fn(m.from, in.OutEdge(m, f.path));
      if (!in.error().empty()) OwnRefsDamaged(f, in);
    }
  }

  template <typename Key, typename List, typename PutKey>
  void ListExceptions(const absl::flat_hash_map<Key, List>& live,
                      const absl::flat_hash_map<Key, List>& derived,
                      PutKey put_key);
  template <typename Key, typename Value, typename PutKey>
  void ScalarExceptions(const absl::flat_hash_map<Key, Value>& live,
                        const absl::flat_hash_map<Key, Value>& derived,
                        PutKey put_key);
  // The same for the live id table.
  void IdExceptions(const absl::flat_hash_map<uint64_t, EntityIdx>& derived);
  // Writes (key, value) exceptions in key order.
  template <typename Key, typename PutKey>
  void WriteExceptions(std::vector<std::pair<Key, uint32_t>>& diff,
                       PutKey put_key);

  const Graph& g_;
  image::Writer w_;
  uint8_t format_ = image::kFormat;
  // Packed files' references, unpacked once for the formats before 6
  // (their sections read them in several passes).
  std::vector<std::vector<Ref>> unpacked_;
  RefWriter writer_;  // PackedRefs'
  // Formats before 7: each entity's qualified path, whole (Strings()).
  std::vector<StrId> paths_;
};

class Graph::ImageLoader {
 public:
  ImageLoader(std::string_view bytes, ImageParts parts)
      : bytes_(bytes), top_(bytes), r_(&top_),
        owned_(std::make_unique<Graph>()), g_(owned_.get()),
        queries_only_(parts == ImageParts::kQueries) {}
  absl::StatusOr<std::unique_ptr<Graph>> Load(const RunTasks& run);

 private:
  // A loader for sections that load beside this one's (format 2 on): it
  // builds the same graph and reads with its own reader.
  ImageLoader(const ImageLoader& parent, image::Reader* r)
      : bytes_(parent.bytes_), top_(""), r_(r), g_(parent.g_),
        queries_only_(parent.queries_only_), version_(parent.version_),
        n_str_(parent.n_str_),
        n_slots_(parent.n_slots_), n_files_(parent.n_files_),
        run_(parent.run_) {}
  // Format 1: every section in turn, from top_.
  void LoadInOrder();
  // Format 2 on: finds the sections, then loads them in two rounds of tasks
  // given to `run`: the entities, the tables they derive and the strings
  // beside the files, then the edges beside the tables, pending and deps
  // (query-only: the edges beside the tables).
  void LoadSections(const RunTasks& run);

  void Strings();
  void Entities();
  void Files();  // image_files.cc
  void FileRefs(const std::vector<uint32_t>& ref_count);
  // The references' columns (IMAGE_FORMAT.md, 'F').
  struct RefColumns {
    uint64_t total = 0, n_made = 0;
    image::Column<uint8_t> shape, flags;
    image::Column<uint32_t> owner, line;
    image::Column<uint32_t> opt[image::kRefOptional];
    std::vector<uint32_t> made_count;
    image::Column<uint8_t> code;
    image::Column<uint32_t> from, to;
  };
  // Reads the columns and sizes the per-reference tables; false on error.
  bool ReadRefColumns(const std::vector<uint32_t>& ref_count, RefColumns& c);
  // Made entry m of a reference with the given sources into `md` (`k`:
  // the next value of the `from` column), counted in out_n_/in_n_.
  bool ReadMade(const RefColumns& c, size_t m, EntityIdx owner,
                EntityIdx fixed_source, size_t& k, Ref::Made& md);
  // Lists file fi under `name` (files in order), unless `listed` (per
  // name, 1 + the last file listed) says it is already.
  void ListLookup(std::vector<uint32_t>& listed, StrId name, uint32_t fi) {
    if (listed[name] == fi + 1) return;
    listed[name] = fi + 1;
    g_->lookup_files_[name].push_back(fi);
  }
  // Format 6: each file's packed references, checked and kept; their made
  // entries' edges into made_edges_; each name's files.
  void PackedRefs(const std::vector<uint32_t>& ref_count);
  // Query-only: the made entries' edges into made_edges_, no references.
  void MadeEdges(const std::vector<uint32_t>& ref_count, const RefColumns& c);
  // Checks that the references used every stored value.
  void EndRefs(const RefColumns& c, size_t j,
               const size_t (&at)[image::kRefOptional], size_t k);
  void FileRegs();
  void Edges();  // image_edges.cc
  // Reads one explicitly stored adjacency list into `list` (image_edges.cc).
  void ExplicitList(EntityIdx slot, bool out, std::vector<Edge>& list);
  // Puts the canonical lists (filled in E order) in their stored orders
  // (format 3 on). `written`: per slot, bit 1 for an explicit out-list,
  // bit 2 for an explicit in-list.
  void ListOrders(const std::vector<uint8_t>& written);
  // How many made entries the references hold.
  uint64_t MadeCount() const {
    return made_edges_.size();
  }
  // Calls fn(from, edge) for every made entry in E order, `edge` as its
  // source's out-list holds it (image_edges.cc).
  template <typename Fn>
  void ForEachMade(Fn fn) const;
  void Tables();
  void Deps();
  void DepsByName();  // formats before 5
  void Pending();
  // Each entity's crate and what each crate may use (not stored: they
  // follow from the files). After Files; a whole load only.
  void Crates();

  // `n` varint counts (one per file, or per ref, ...); their sum.
  std::vector<uint32_t> Counts(size_t n, std::string_view what, uint64_t& sum);
  // Whether `v` < `limit` (or `v` == `none`); else records an error naming
  // what[i] at `offset`.
  bool Check(uint64_t v, uint64_t limit, size_t offset, std::string_view what,
             size_t i, std::string_view noun, uint64_t none = UINT64_MAX);
  bool Str(uint64_t v, size_t offset, std::string_view what, size_t i) {
    return v < n_str_ || Check(v, n_str_, offset, what, i, "string id");
  }
  bool Slot(uint64_t v, size_t offset, std::string_view what, size_t i) {
    return v < n_slots_ || Check(v, n_slots_, offset, what, i, "entity slot");
  }
  // Reads a table's exceptions into `map`: a list (or value) replacing the
  // one derived, or an erasure, which with keep_erasures is kept as an
  // empty list (UINT32_MAX) rather than done.
  template <typename Map>
  void ListExceptions(Map& map, bool scope_key, bool entity_values,
                      std::string_view what, bool keep_erasures = false);
  template <typename Map>
  void ScalarExceptions(Map& map, bool wide_key, uint64_t value_limit,
                        std::string_view what, bool keep_erasures = false);

  std::string_view bytes_;
  image::Reader top_;  // the whole image
  image::Reader* r_;   // what the section being loaded reads from
  std::unique_ptr<Graph> owned_;  // null in a loader beside another
  Graph* g_;
  // ImageParts::kQueries: no references, scopes, registrations, scope
  // tables, deps or pending are kept; the made entries' edges are kept in
  // made_edges_ (E order) for the adjacency lists, and then dropped (as
  // they are in a whole load, which packs the references as it reads them).
  bool queries_only_ = false;
  uint8_t version_ = 0;  // the image's format version
  // The bytes an entity takes in the entities section's columns (before
  // format 7: a signature hash, 8 more, and no change column, 2 less).
  size_t EntityBytes() const { return version_ < 7 ? 46 : 40; }
  size_t n_str_ = 0, n_slots_ = 0, n_files_ = 0;
  // Runs tasks at once where LoadSections was given a runner; else in turn.
  void RunAll(std::span<const std::function<void()>> tasks) const;
  const RunTasks* run_ = nullptr;
  // Tables derived before the tables section is read (LoadSections: the
  // entities' own), which Tables completes; null: Tables derives them all.
  DerivedTables* derived_ = nullptr;
  // The loader whose reference numbering (below) Deps reads.
  const ImageLoader* refs_ = this;
  // References are numbered across files (file 0's first): set by
  // FileRefs for a whole load.
  std::vector<uint32_t> ref_base_;  // per file, and the total at the end
  // Made entries per source and per target slot (counted by FileRefs).
  std::vector<uint32_t> out_n_, in_n_;
  struct MadeEdge {
    EntityIdx from;
    Edge edge;  // as the source's out-list holds it
  };
  std::vector<MadeEdge> made_edges_;
};

}  // namespace aim::graph

#endif  // AIM_ENGINE_GRAPH_IMAGE_INTERNAL_H_
