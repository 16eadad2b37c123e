// Graph images: loading (the writer is image.cc, the layout IMAGE_FORMAT.md).
//
// Every count is checked against the bytes that remain before anything is
// allocated, and every stored index (string ids, entity slots, file
// indices, kinds) is checked before the graph could use it: the graph's own
// code indexes with them unchecked. Invariants that only matter for the
// graph's answers, not its memory safety (e.g. that a file's entities are
// live), are not all checked: the image's checksum is the guard for those.
#include <algorithm>
#include <bit>
#include <iterator>
#include <string>

#include "engine/graph/frozen_tables.h"
#include "engine/graph/image_internal.h"

namespace aim::graph {

absl::StatusOr<std::unique_ptr<Graph>> Graph::LoadImage(std::string_view bytes,
                                                        const RunTasks& run,
                                                        ImageParts parts) {
  return ImageLoader(bytes, parts).Load(run);
}

namespace {

struct SectionInfo {
  image::Tag tag;
  const char* name;  // in errors: "<name> tag", "<name> length"
};
constexpr SectionInfo kSections[] = {
    {image::kStrings, "strings"}, {image::kEntities, "entities"},
    {image::kFiles, "files"},     {image::kEdges, "edges"},
    {image::kTables, "tables"},   {image::kDeps, "deps"},
    {image::kPending, "pending"}};
constexpr size_t kSectionCount = std::size(kSections);
static_assert(kSectionCount == image::kSectionCount);

}  // namespace

absl::StatusOr<std::unique_ptr<Graph>> Graph::ImageLoader::Load(
    const RunTasks& run) {
  const uint8_t version = top_.U8("format version");
  if (top_.ok() && version > image::kFormat)
    top_.Fail(absl::FailedPreconditionError(
        "graph image: format version " + std::to_string(version) +
        " is newer than this build reads (" + std::to_string(image::kFormat) +
        ")"));
  if (top_.ok() && version < image::kFirstFormat)
    top_.FailAt(0, "format version",
                std::to_string(version) + " is not a version");
  if (!top_.ok()) return top_.status();
  version_ = version;
  if (version == 1) {
    queries_only_ = false;  // (an old format, read in order: all of it)
    LoadInOrder();
    if (!top_.ok()) return top_.status();
  } else {
    LoadSections(run);
    if (!top_.ok()) return top_.status();
  }
  g_->query_only_ = queries_only_;
  return std::move(owned_);
}

void Graph::ImageLoader::LoadInOrder() {
  auto step = [this](size_t i, void (ImageLoader::*load)()) {
    if (!top_.ok()) return;
    top_.Expect(kSections[i].tag, std::string(kSections[i].name) + " tag");
    if (top_.ok()) (this->*load)();
  };
  step(0, &ImageLoader::Strings);
  step(1, &ImageLoader::Entities);
  step(2, &ImageLoader::Files);
  step(3, &ImageLoader::Edges);
  step(4, &ImageLoader::Tables);
  step(5, &ImageLoader::Deps);
  step(6, &ImageLoader::Pending);
  if (top_.ok()) Crates();
  top_.Expect(image::kEnd, "end tag");
  if (top_.ok() && top_.remaining() > 0)
    top_.Fail("end", std::to_string(top_.remaining()) + " trailing bytes");
}

void Graph::ImageLoader::LoadSections(const RunTasks& run) {
  // The directory: the end tag, then each section's offset (of its tag).
  const size_t size = bytes_.size();
  if (size < 2 + image::kDirectoryBytes)
    return top_.FailAt(size, "section directory",
                       "truncated: the image is " + std::to_string(size) +
                           " bytes");
  const size_t end_at = size - image::kDirectoryBytes - 1;
  image::Reader dir(bytes_, end_at, size);
  dir.Expect(image::kEnd, "end tag");
  uint64_t at[kSectionCount + 1];
  for (size_t i = 0; i < kSectionCount; ++i) {
    const size_t field = dir.offset();
    at[i] = dir.U64("section directory");
    const uint64_t low = i == 0 ? 1 : at[i - 1] + 1;
    if (dir.ok() && (at[i] < low || at[i] >= end_at || (i == 0 && at[i] != 1)))
      dir.FailAt(field, "section directory",
                 std::string(kSections[i].name) + " at " + std::to_string(at[i]) +
                     " is out of place (after " + std::to_string(low - 1) +
                     ", before the end tag at " + std::to_string(end_at) + ")");
  }
  if (!dir.ok()) return top_.Fail(dir.status());
  at[kSectionCount] = end_at;
  // Each section's reader starts at its tag and ends where the next begins.
  std::vector<image::Reader> readers;
  readers.reserve(kSectionCount);
  for (size_t i = 0; i < kSectionCount; ++i) {
    readers.emplace_back(bytes_, at[i], at[i + 1]);
    readers.back().Expect(kSections[i].tag, std::string(kSections[i].name) + " tag");
  }

  // Loads section i with its reader into `loader`; a section must use all
  // of its bytes.
  auto section = [&](ImageLoader& loader, size_t i, void (ImageLoader::*load)()) {
    image::Reader& r = readers[i];
    if (!r.ok()) return;
    loader.r_ = &r;
    (loader.*load)();
    if (r.ok() && r.remaining() > 0)
      r.Fail(kSections[i].name,
             std::to_string(r.remaining()) + " bytes left unread in the section");
  };
  // The first error in section order is the image's.
  auto first_error = [&](size_t end) {
    for (size_t i = 0; i < end; ++i)
      if (!readers[i].ok()) {
        top_.Fail(readers[i].status());
        return true;
      }
    return false;
  };
  if (run) run_ = &run;  // (for this call only: tasks end before it returns)

  // Round 1: the entities, the tables they alone derive, and the strings,
  // beside the files (which only check string ids and slots against the
  // counts the strings and entities sections start with). A query-only
  // load has far less to do for the files (their edges, no references):
  // there the strings go beside the entities and files, and the entities'
  // tables derive with the rest in round 2.
  {
    image::Reader peek = readers[0];
    n_str_ = peek.Varint("strings.count");
    image::Reader peek_entities = readers[1];  // (bounded by the section)
    n_slots_ = peek_entities.Count(EntityBytes(), "entities.count");
  }
  const bool early_tables = !queries_only_;
  ImageLoader strings(*this, nullptr);
  ImageLoader entities(*this, nullptr);
  DerivedTables derived;
  auto entity_tables = [&] {
    if (!readers[1].ok()) return;
    // Reserved as Tables would: for the sizes the tables section starts
    // with (DerivedTables::ForEach order), at most one entry per live
    // entity. (Tables reports a damaged size.)
    image::Reader peek = readers[4];
    uint64_t hint[10];
    for (uint64_t& h : hint) h = peek.Varint("tables.size");
    if (peek.ok()) {
      const uint64_t live = g_->live_entities_;
      g_->by_id_.Reserve(std::min(hint[0], live));
      derived.by_name.reserve(std::min(hint[1], live));
      derived.externals.reserve(std::min(hint[8], live));
    }
    derived.ids = &g_->by_id_;  // (filed straight into the graph's)
    derived.member_index = &g_->member_index_;
    g_->DeriveEntityTables(derived);
    derived_ = &derived;
  };
  const std::function<void()> round1[] = {
      [&] {
        if (early_tables) {
          section(entities, 1, &ImageLoader::Entities);
          entity_tables();
        }
        section(strings, 0, &ImageLoader::Strings);
      },
      [&] {
        if (!early_tables) section(entities, 1, &ImageLoader::Entities);
        section(*this, 2, &ImageLoader::Files);
      }};
  RunAll(round1);
  if (first_error(3)) return;
  if (strings.n_str_ != n_str_)  // (Strings checked the count it read)
    return top_.Fail("strings.count", "differs from the pool loaded");

  // Round 2: the adjacency lists (from the made entries the files kept
  // aside), then what each crate may use, beside the tables, pending and
  // deps. Each writes its own parts of the graph (the deps each file's
  // packed lookups; the crates read other fields of the files). A
  // query-only load has no crates, deps or pending to load.
  ImageLoader edges(*this, nullptr);
  edges.ref_base_ = std::move(ref_base_);
  edges.out_n_ = std::move(out_n_);
  edges.in_n_ = std::move(in_n_);
  edges.made_edges_ = std::move(made_edges_);
  refs_ = &edges;
  const std::function<void()> round2[] = {
      [&] {
        section(edges, 3, &ImageLoader::Edges);
        if (!queries_only_) Crates();
      },
      [&] {
        section(*this, 4, &ImageLoader::Tables);
        if (queries_only_ || !readers[4].ok()) return;
        section(*this, 6, &ImageLoader::Pending);
        section(*this, 5, &ImageLoader::Deps);
      }};
  RunAll(round2);
  first_error(queries_only_ ? 5 : kSectionCount);
}

void Graph::ImageLoader::RunAll(
    std::span<const std::function<void()>> tasks) const {
  if (run_) {
    (*run_)(tasks);
  } else {
    for (const auto& t : tasks) t();
  }
}

bool Graph::ImageLoader::Check(uint64_t v, uint64_t limit, size_t offset,
                               std::string_view what, size_t i,
                               std::string_view noun, uint64_t none) {
  if (v < limit || v == none) return true;
  r_->FailAt(offset, std::string(what) + "[" + std::to_string(i) + "]",
            std::string(noun) + " " + std::to_string(v) + " out of range (" +
                std::to_string(limit) + ")");
  return false;
}

std::vector<uint32_t> Graph::ImageLoader::Counts(size_t n,
                                                 std::string_view what,
                                                 uint64_t& sum) {
  sum = 0;
  std::vector<uint32_t> counts;
  if (n > r_->remaining()) {  // one byte at least per count
    r_->Fail(what, std::to_string(n) + " counts cannot fit in the " +
                      std::to_string(r_->remaining()) + " bytes left");
    return counts;
  }
  counts.resize(n);
  for (size_t i = 0; i < n && r_->ok(); ++i) {
    counts[i] = r_->Varint32(what);
    sum += counts[i];
  }
  if (!r_->ok()) counts.assign(n, 0);
  return counts;
}

void Graph::ImageLoader::Strings() {
  const size_t n = r_->Count(1, "strings.count");
  if (!r_->ok()) return;
  if (n == 0) return r_->Fail("strings.count", "0 (id 0 must be \"\")");
  const uint64_t bytes = r_->Varint("strings.bytes");
  if (r_->ok() && bytes > r_->remaining())
    return r_->Fail("strings.bytes", std::to_string(bytes) + " exceeds the " +
                                        std::to_string(r_->remaining()) +
                                        " bytes left");
  if (r_->ok() && bytes > model::StringPool::kMaxTextBytes)
    return r_->Fail("strings.bytes",
                    std::to_string(bytes) + " exceeds what a pool holds");
  uint64_t sum = 0;
  std::vector<uint32_t> lengths = Counts(n - 1, "strings.length", sum);
  if (r_->ok() && sum != bytes)
    return r_->Fail("strings.length", "lengths add up to " +
                                         std::to_string(sum) + ", not " +
                                         std::to_string(bytes));
  std::string_view bits = r_->Bytes((n - 1 + 7) / 8, "strings.indexed");
  const size_t n_hashes = r_->Count(4, "strings.hash_count");
  auto hash = r_->Fixed<uint32_t>(n_hashes, "strings.hash");
  std::string_view text = r_->Bytes(bytes, "strings.bytes");
  if (!r_->ok()) return;
  size_t n_indexed = 0;
  for (char b : bits) n_indexed += std::popcount(static_cast<uint8_t>(b));
  if (n_indexed != n_hashes)
    return r_->FailAt(hash.offset(0), "strings.hash_count",
                     std::to_string(n_hashes) + " hashes for " +
                         std::to_string(n_indexed) + " indexed strings");
  std::vector<uint32_t> hashes(n_hashes);
  for (size_t i = 0; i < n_hashes; ++i) hashes[i] = hash[i];
  // A query-only graph looks no string up by its text but file paths
  // (names go through its frozen name table): Tables files the paths
  // alone once it has them.
  if (queries_only_) {
    bits = {};
    hashes.clear();
  }
  if (!g_->strings_.AppendPacked(
          text, lengths,
          {reinterpret_cast<const uint8_t*>(bits.data()), bits.size()},
          hashes))
    return r_->FailAt(hash.offset(0), "strings.hash",
                     "hashes cluster beyond what real ones do");
  n_str_ = g_->strings_.size();
}

void Graph::ImageLoader::Crates() {
  Graph& g = *g_;
  g.entity_crate_.assign(g.entities_.size(), kNoCrate);
  for (const File& f : g.files_) {
    if (!f.live) continue;
    const uint16_t c = g.CrateIndex(f.crate);
    for (EntityIdx e : f.entities) g.entity_crate_[e] = c;
  }
  g.UpdateVisibility(/*queue=*/false);
}

void Graph::ImageLoader::Entities() {
  // (Before format 7 the qualified path whole, and a signature hash:
  // computed now, Graph::SigHash.)
  const bool whole_paths = version_ < 7;
  const size_t n = r_->Count(EntityBytes(), "entities.count");
  if (r_->ok() && n > kMaxSlots)
    return r_->Fail("entities.count", std::to_string(n) +
                                          " slots: more than 2^30 (kMaxSlots)");
  auto id = r_->Fixed<uint64_t>(n, "entities.id");
  if (whole_paths) r_->Fixed<uint64_t>(n, "entities.sig_hash");
  auto name = r_->Fixed<uint32_t>(n, "entities.name");
  const char* parent_what =
      whole_paths ? "entities.qualified" : "entities.parent";
  auto parent = r_->Fixed<uint32_t>(n, parent_what);
  auto sig = r_->Fixed<uint32_t>(n, "entities.sig");
  auto vis = r_->Fixed<uint32_t>(n, "entities.vis");
  auto file = r_->Fixed<uint32_t>(n, "entities.file");
  auto line = r_->Fixed<uint32_t>(n, "entities.line");
  auto end_line = r_->Fixed<uint32_t>(n, "entities.end_line");
  auto kind = r_->Fixed<uint8_t>(n, "entities.kind");
  auto flags = r_->Fixed<uint8_t>(n, "entities.flags");
  // (Format 7: how each was last changed, and its text tag.)
  auto change = r_->Fixed<uint16_t>(whole_paths ? 0 : n, "entities.change");
  if (!r_->ok()) return;
  n_slots_ = n;
  auto& es = g_->entities_;
  es.resize(n);
  size_t live = 0;
  for (size_t i = 0; i < n; ++i) {
    Entity& e = es[i];
    e.id = id[i];
    e.name = name[i];
    e.parent = parent[i];
    e.sig = sig[i];
    e.vis = vis[i];
    e.file = file[i];
    e.line = line[i];
    e.end_line = end_line[i];
    const uint8_t k = kind[i];
    e.kind = static_cast<EntityKind>(k);
    // (Before format 7 nothing was filed as kMember either.)
    e.flags = whole_paths ? (flags[i] & ~kMember) | kOwnPath : flags[i];
    if (!whole_paths) {
      e.change = change[i] & 3;
      e.text = change[i] >> 2;
    }
    live += e.flags & kLive;
    if (std::max({e.name, e.parent, e.sig, e.vis, e.file}) >= n_str_ ||
        k >= model::kEntityKindCount) {
      if (!Str(e.name, name.offset(i), "entities.name", i) ||
          !Str(e.parent, parent.offset(i), parent_what, i) ||
          !Str(e.sig, sig.offset(i), "entities.sig", i) ||
          !Str(e.vis, vis.offset(i), "entities.vis", i) ||
          !Str(e.file, file.offset(i), "entities.file", i))
        return;
      Check(k, model::kEntityKindCount, kind.offset(i), "entities.kind", i,
            "kind");
      return;
    }
    // A live module's and external's path is a key (of its scope, of the
    // externals): held whole.
    if ((e.kind == EntityKind::kMod || e.kind == EntityKind::kExternal) &&
        (e.flags & (kLive | kOwnPath)) == kLive)
      return r_->FailAt(flags.offset(i), "entities.flags",
                        "entity " + std::to_string(i) +
                            ": a module's or an external's path not whole");
    // A member filed under its parent path is live and has one.
    if ((e.flags & kMember) && (e.flags & (kLive | kOwnPath)) != kLive)
      return r_->FailAt(flags.offset(i), "entities.flags",
                        "entity " + std::to_string(i) +
                            ": a member filed under its parent path, " +
                            ((e.flags & kLive) ? "held whole" : "not live"));
  }
  g_->live_entities_ = live;
  for (auto [list, what] : {std::pair{&g_->free_, "entities.free"},
                            std::pair{&g_->zombies_, "entities.zombies"}}) {
    const size_t m = r_->Count(4, what);
    auto col = r_->Fixed<uint32_t>(m, what);
    if (!r_->ok()) return;
    list->resize(m);
    for (size_t i = 0; i < m; ++i) {
      EntityIdx e = (*list)[i] = col[i];
      if (!Slot(e, col.offset(i), what, i)) return;
      if (es[e].flags & kLive)
        return r_->FailAt(col.offset(i), what,
                         "slot " + std::to_string(e) + " is live");
    }
  }
}

template <typename Map>
void Graph::ImageLoader::ListExceptions(Map& map, bool scope_key,
                                        bool entity_values,
                                        std::string_view what,
                                        bool keep_erasures) {
  const size_t key_bytes = scope_key ? 8 : 4;
  const size_t n = r_->Count(key_bytes + 1, what);
  for (size_t i = 0; i < n && r_->ok(); ++i) {
    auto key = r_->Fixed<uint32_t>(key_bytes / 4, what);
    const size_t len = r_->Count(4, what);
    auto vals = r_->Fixed<uint32_t>(len, what);
    if (!r_->ok()) return;
    for (size_t k = 0; k < key.size(); ++k)
      if (!Str(key[k], key.offset(k), what, i)) return;
    typename Map::key_type k;
    if constexpr (std::is_same_v<typename Map::key_type, ScopeName>)
      k = {key[0], key[1]};
    else
      k = key[0];
    if (len == 0) {
      if (keep_erasures) {
        map[k].clear();
      } else {
        map.erase(k);
      }
      continue;
    }
    auto& list = map[k];
    list.resize(len);
    for (size_t v = 0; v < len; ++v) {
      list[v] = vals[v];
      if (!(entity_values ? Slot(vals[v], vals.offset(v), what, i)
                          : Str(vals[v], vals.offset(v), what, i)))
        return;
    }
  }
}

template <typename Map>
void Graph::ImageLoader::ScalarExceptions(Map& map, bool wide_key,
                                          uint64_t value_limit,
                                          std::string_view what,
                                          bool keep_erasures) {
  const size_t n = r_->Count(wide_key ? 12 : 8, what);
  for (size_t i = 0; i < n && r_->ok(); ++i) {
    const size_t key_at = r_->offset();
    const uint64_t key = wide_key ? r_->U64(what) : r_->U32(what);
    const size_t value_at = r_->offset();
    const uint32_t value = r_->U32(what);
    if (!r_->ok()) return;
    if (!wide_key && !Str(key, key_at, what, i)) return;
    if (value == UINT32_MAX) {
      if (keep_erasures) {
        map[static_cast<typename Map::key_type>(key)] = UINT32_MAX;
      } else {
        map.erase(static_cast<typename Map::key_type>(key));
      }
      continue;
    }
    if (!Check(value, value_limit, value_at, what, i, "value")) return;
    map[static_cast<typename Map::key_type>(key)] = value;
  }
}

void Graph::ImageLoader::Tables() {
  // Reserve each table for its size in the saved graph, but never beyond
  // the number of entries deriving it can insert.
  size_t live = g_->live_entities_, regs[6] = {0, 0, 0, 0, 0, 0};
  for (const File& f : g_->files_) {
    regs[0] += f.member_regs.size();
    regs[1] += f.assoc_regs.size();
    regs[2] += f.import_regs.size();
    regs[3] += f.glob_regs.size();
    regs[4] += f.module_regs.size();
    regs[5] += f.crate_regs.size();
  }
  const size_t bound[] = {live,    live,    regs[0], regs[1], regs[2],
                          regs[3], regs[4], regs[5], live,    n_files_};
  DerivedTables own;
  DerivedTables& d = derived_ ? *derived_ : own;
  // A whole graph's id table derives into the graph's own (in round 1
  // when loading by sections); the map takes just the exceptions.
  if (!queries_only_) {
    d.ids = &g_->by_id_;
    d.member_index = &g_->member_index_;
  }
  size_t i = 0;
  d.ForEach([&](auto& table) {
    const uint64_t hint = r_->Varint("tables.size");
    // (Query-only, the entity tables (by id, by name, externals) hold just
    // their exceptions: see below.)
    const bool entity_table = i == 0 || i == 1 || i == 8;
    const uint64_t want =
        (queries_only_ && entity_table) || (i == 0 && d.ids) ? 0 : hint;
    if (i == 0 && d.ids && !derived_)
      d.ids->Reserve(static_cast<size_t>(std::min<uint64_t>(hint, bound[0])));
    table.reserve(static_cast<size_t>(std::min<uint64_t>(want, bound[i++])));
  });
  if (!r_->ok()) return;
  // (Query-only: no registrations were loaded, so the scope tables derive
  // empty, and take only their exceptions, which are then dropped.)
  if (!derived_ && !queries_only_) g_->DeriveEntityTables(d);
  g_->DeriveFileTables(d);
  ListExceptions(d.by_name, false, true, "tables.by_name", queries_only_);
  ListExceptions(d.members, true, true, "tables.members");
  ListExceptions(d.assoc, true, true, "tables.assoc");
  ListExceptions(d.imports, true, false, "tables.imports");
  ListExceptions(d.globs, false, false, "tables.globs");
  ListExceptions(d.modules, false, true, "tables.modules");
  ListExceptions(d.crates, false, true, "tables.crates");
  ScalarExceptions(d.by_id, true, n_slots_, "tables.by_id",
                   queries_only_ || d.ids);
  ScalarExceptions(d.externals, false, n_slots_, "tables.externals");
  ScalarExceptions(d.file_index, false, n_files_, "tables.file_index");
  if (!r_->ok()) return;
  g_->file_index_ = std::move(d.file_index);
  if (queries_only_) {
    // The name and id tables, derived frozen into flat arrays with their
    // exceptions (held in d: an empty list or kNoEntity for an erasure);
    // no externals (only resolution reads them); and the string index
    // holds the files' paths alone (FileHash looks them up).
    std::vector<std::pair<StrId, std::span<const EntityIdx>>> names;
    names.reserve(d.by_name.size());
    for (const auto& [name, list] : d.by_name) names.emplace_back(name, list);
    const std::vector<std::pair<uint64_t, EntityIdx>> ids(d.by_id.begin(),
                                                          d.by_id.end());
    const Graph& g = *g_;
    g_->frozen_ =
        std::make_unique<FrozenTables>(g.entities_, g.strings_, names, ids);
    std::vector<StrId> paths;
    paths.reserve(g_->file_index_.size());
    for (const auto& [path, file] : g_->file_index_) paths.push_back(path);
    g_->strings_.IndexStored(paths);
    return;
  }
  for (const auto& [id, slot] : d.by_id) {  // the exceptions
    if (slot == kNoEntity) {
      g_->by_id_.Erase(id, g_->IdOf());
    } else {
      g_->by_id_.Insert(id, slot, g_->IdOf());
    }
  }
  g_->by_name_ = std::move(d.by_name);
  g_->externals_ = std::move(d.externals);
  g_->members_ = std::move(d.members);
  g_->assoc_ = std::move(d.assoc);
  g_->imports_ = std::move(d.imports);
  g_->globs_ = std::move(d.globs);
  g_->modules_ = std::move(d.modules);
  g_->crates_ = std::move(d.crates);
}

void Graph::ImageLoader::Deps() {
  if (version_ >= 6) return;  // (the files section holds them)
  if (version_ < 5) return DepsByName();
  // Each reference's names, file by file: the count, then the names
  // ascending as deltas; and each name its files. The references, held
  // unpacked since the files section, are then packed.
  const std::vector<uint32_t>& ref_base = refs_->ref_base_;
  // Per name, 1 + the last file listed under it.
  std::vector<uint32_t> listed(n_str_, 0);
  RefWriter w;
  for (uint32_t fi = 0; fi < n_files_; ++fi) {
    File& f = g_->files_[fi];
    for (uint32_t ref = ref_base[fi]; ref < ref_base[fi + 1]; ++ref) {
      const size_t n = r_->Count(1, "deps.count");
      SmallList<StrId>& lookups = f.refs[ref - ref_base[fi]].lookups;
      lookups.resize(n);
      uint64_t name = 0;
      for (size_t k = 0; k < n; ++k) {
        const size_t at = r_->offset();
        const uint64_t delta = r_->Varint("deps.name");
        if (!r_->ok()) return;
        if (k > 0 && delta == 0)
          return r_->FailAt(at, "deps.name", "a name listed twice");
        if (delta >= n_str_ - name)
          return r_->FailAt(at, "deps.name",
                            "string id past " + std::to_string(name) +
                                " by " + std::to_string(delta) +
                                " out of range (" + std::to_string(n_str_) +
                                ")");
        name += delta;
        lookups.begin()[k] = static_cast<StrId>(name);
        ListLookup(listed, static_cast<StrId>(name), fi);
      }
    }
    if (!r_->ok()) return;
    PackFile(f, w);
  }
}

void Graph::ImageLoader::DepsByName() {
  const std::vector<uint32_t>& ref_base = refs_->ref_base_;
  const uint64_t n_refs = ref_base.empty() ? 0 : ref_base.back();
  // (Only images of these formats need each reference's file.)
  std::vector<uint32_t> file_of_ref(n_refs);
  for (uint32_t fi = 0; fi + 1 < ref_base.size(); ++fi)
    std::fill(file_of_ref.begin() + ref_base[fi],
              file_of_ref.begin() + ref_base[fi + 1], fi);
  const size_t n = r_->Count(5, "deps.count");
  g_->lookup_files_.reserve(n);
  // How many names each reference looked up (at start[ref + 1]); the
  // references of each name in turn, and each name's count of them.
  std::vector<uint32_t> start(n_refs + 1, 0);
  std::vector<uint32_t> refs;
  std::vector<std::pair<StrId, uint32_t>> runs;
  StrId last = 0;
  for (size_t i = 0; i < n && r_->ok(); ++i) {
    auto name = r_->Fixed<uint32_t>(1, "deps.name");
    const size_t len = r_->Count(1, "deps.length");
    if (!r_->ok() || !Str(name[0], name.offset(0), "deps.name", i)) return;
    // (Ascending: each reference's lookups are then ascending too.)
    if (i > 0 && name[0] <= last)
      return r_->FailAt(name.offset(0), "deps.name",
                        "name " + std::to_string(name[0]) +
                            " is not past the one before (" +
                            std::to_string(last) + ")");
    last = name[0];
    runs.emplace_back(name[0], static_cast<uint32_t>(len));
    SmallList<uint32_t>& files = g_->lookup_files_[name[0]];
    uint64_t ref = 0;
    for (size_t k = 0; k < len; ++k) {
      const size_t at = r_->offset();
      const uint64_t delta = r_->Varint("deps.ref");
      if (!r_->ok()) return;
      if (k > 0 && delta == 0)
        return r_->FailAt(at, "deps.ref", "a reference listed twice");
      ref += delta;
      if (ref >= n_refs)
        return r_->FailAt(at, "deps.ref",
                         "reference " + std::to_string(ref) +
                             " out of range (" + std::to_string(n_refs) + ")");
      ++start[ref + 1];
      refs.push_back(static_cast<uint32_t>(ref));
      const uint32_t fi = file_of_ref[ref];
      if (files.empty() || files[files.size() - 1] != fi) files.push_back(fi);
    }
  }
  if (!r_->ok()) return;
  // Each reference's names, in order (the checks above passed).
  for (size_t i = 0; i < n_refs; ++i) start[i + 1] += start[i];
  std::vector<StrId> names(start[n_refs]);
  {
    std::vector<uint32_t> next(start.begin(), start.end() - 1);
    size_t k = 0;
    for (const auto& [name, len] : runs)
      for (uint32_t x = 0; x < len; ++x, ++k) names[next[refs[k]]++] = name;
  }
  // Each file's references take their lookups, and are packed.
  RefWriter w;
  for (uint32_t fi = 0; fi < n_files_; ++fi) {
    File& f = g_->files_[fi];
    for (uint32_t ref = ref_base[fi]; ref < ref_base[fi + 1]; ++ref)
      f.refs[ref - ref_base[fi]].lookups.assign(std::span<const StrId>(
          names.data() + start[ref], start[ref + 1] - start[ref]));
    PackFile(f, w);
  }
}

void Graph::ImageLoader::Pending() {
  const size_t n = r_->Count(2, "pending.count");
  if (!r_->ok()) return;
  g_->pending_.resize(n);
  for (size_t i = 0; i < n && r_->ok(); ++i) {
    const size_t at = r_->offset();
    uint32_t fi = r_->Varint32("pending.file");
    uint32_t ri = r_->Varint32("pending.ref");
    if (r_->ok() && fi >= n_files_)
      return r_->FailAt(at, "pending.file",
                       std::to_string(fi) + " out of range (" +
                           std::to_string(n_files_) + ")");
    g_->pending_[i] = {fi, ri};
  }
  const size_t at = r_->offset();
  const uint8_t flags = r_->U8("pending.flags");
  if (r_->ok() && flags > 3)
    return r_->FailAt(at, "pending.flags",
                     "unknown bits in " + std::to_string(flags));
  g_->batch_ = flags & 1;
  g_->resolve_all_ = flags & 2;
}

}  // namespace aim::graph
