// Graph images: saving. The layout is described in IMAGE_FORMAT.md; the
// loader is image_load.cc.
//
// What is stored and what is not: entities, adjacency lists, the files'
// references and registrations are stored as they are (slots, list
// orders, free lists). The lookup tables are not: the loader derives them
// (DeriveTables) and the image carries only the lists where the live
// tables differ from the derived ones. Each file's references, with the
// names they looked up, are stored in the bytes a graph holds them in
// (ref_pack.cc): a packed file's are copied as they are.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <tuple>

#include "engine/graph/image_internal.h"

namespace aim::graph {

void Graph::ImageSaver::Save(uint8_t format) {
  format_ = format;
  w_.U8(format);
  uint64_t offsets[image::kSectionCount];
  size_t i = 0;
  for (auto [tag, section] :
       {std::pair{image::kStrings, &ImageSaver::Strings},
        std::pair{image::kEntities, &ImageSaver::Entities},
        std::pair{image::kFiles, &ImageSaver::Files},
        std::pair{image::kEdges, &ImageSaver::Edges},
        std::pair{image::kTables, &ImageSaver::Tables},
        std::pair{image::kDeps, &ImageSaver::Deps},
        std::pair{image::kPending, &ImageSaver::Pending}}) {
    offsets[i++] = w_.size();
    w_.U8(tag);
    (this->*section)();
  }
  w_.U8(image::kEnd);
  for (uint64_t at : offsets) w_.U64(at);
  w_.Finish();
}

void Graph::SaveImage(std::string* out) const {
  RequireWhole("SaveImage");
  ImageSaver(*this, out).Save();
}
void Graph::SaveImage(ImageSink& sink) const {
  RequireWhole("SaveImage");
  ImageSaver(*this, &sink).Save();
}
void Graph::SaveImageForTesting(std::string* out, uint8_t format) const {
  RequireWhole("SaveImageForTesting");
  if (format < 2 || format > image::kFormat) std::abort();
  ImageSaver(*this, out).Save(format);
}

size_t Graph::ImageSaver::Expected(const Graph& g) {
  // About what the sections take; the writer grows past it if needed.
  size_t bytes =
      g.strings_.bytes() + 6 * g.strings_.size() + 40 * g.entities_.size();
  for (const File& f : g.files_) {
    bytes += 64 + 4 * f.entities.size() + 10 * RefCount(f) +
             12 * (f.member_regs.size() + f.assoc_regs.size() +
                   f.import_regs.size());
  }
  return bytes + bytes / 8 + 4096;
}

const std::vector<Graph::Ref>& Graph::ImageSaver::RefsOf(size_t fi) {
  const File& f = g_.files_[fi];
  if (f.warm) return f.refs;
  if (unpacked_.empty()) unpacked_.resize(g_.files_.size());
  std::vector<Ref>& refs = unpacked_[fi];
  if (refs.size() != f.ref_count) {
    refs.clear();
    refs.reserve(f.ref_count);
    g_.UnpackRefs(f, &refs);
  }
  return refs;
}

std::string_view Graph::ImageSaver::PackedRefs(size_t fi) {
  const File& f = g_.files_[fi];
  if (!f.warm)
    return {reinterpret_cast<const char*>(f.packed.data()), f.packed.size()};
  writer_.Reset();
  for (const Ref& r : f.refs) writer_.Add(r, r.made, r.lookups);
  return writer_.bytes();
}

void Graph::ImageSaver::Strings() {
  const model::StringPool& pool = g_.strings_;
  // Before format 7 an entity held its qualified path whole: those the
  // graph holds as parent and name are written whole after the pool's
  // strings (not indexed), and Entities() gives their ids.
  std::vector<std::string> joined;
  if (format_ < 7) {
    paths_.resize(g_.entities_.size());
    for (size_t e = 0; e < paths_.size(); ++e) {
      const Entity& en = g_.entities_[e];
      if (en.flags & kOwnPath) {
        paths_[e] = en.parent;
        continue;
      }
      paths_[e] = static_cast<StrId>(pool.size() + joined.size());
      joined.push_back(g_.qualified(en).str());
    }
  }
  auto get = [&](StrId i) -> std::string_view {
    return i < pool.size() ? pool.Get(i) : joined[i - pool.size()];
  };
  const size_t n = pool.size() + joined.size();
  size_t bytes = 0;
  for (StrId i = 1; i < n; ++i) bytes += get(i).size();
  w_.Varint(n);
  w_.Varint(bytes);
  for (StrId i = 1; i < n; ++i) w_.Varint(get(i).size());
  // Which strings are indexed (interned), and their index hashes.
  std::vector<uint8_t> indexed(n, 0);
  std::vector<uint32_t> hash_of(n, 0);
  pool.ForEachIndexed([&](StrId id, uint32_t hash) {
    indexed[id] = 1;
    hash_of[id] = hash;
  });
  size_t n_indexed = 0;
  uint8_t bits = 0;
  for (StrId i = 1; i < n; ++i) {
    const size_t k = i - 1;
    if (indexed[i]) {
      bits |= static_cast<uint8_t>(1u << (k % 8));
      ++n_indexed;
    }
    if (k % 8 == 7 || i + 1 == n) {
      w_.U8(bits);
      bits = 0;
    }
  }
  w_.Varint(n_indexed);
  for (StrId i = 1; i < n; ++i)
    if (indexed[i]) w_.U32(hash_of[i]);
  for (StrId i = 1; i < n; ++i) w_.Bytes(get(i));
}

void Graph::ImageSaver::Entities() {
  const auto& es = g_.entities_;
  w_.Varint(es.size());
  for (const Entity& e : es) w_.U64(e.id);
  if (format_ < 7)
    for (const Entity& e : es) w_.U64(g_.SigHash(e));
  for (const Entity& e : es) w_.U32(e.name);
  if (format_ >= 7) {
    for (const Entity& e : es) w_.U32(e.parent);
  } else {
    for (StrId path : paths_) w_.U32(path);
  }
  for (const Entity& e : es) w_.U32(e.sig);
  for (const Entity& e : es) w_.U32(e.vis);
  for (const Entity& e : es) w_.U32(e.file);
  for (const Entity& e : es) w_.U32(e.line);
  for (const Entity& e : es) w_.U32(e.end_line);
  for (const Entity& e : es) w_.U8(static_cast<uint8_t>(e.kind));
  const uint8_t flag_mask = format_ >= 7 ? 0xff : ~kHeldFlags & 0xff;
  for (const Entity& e : es) w_.U8(e.flags & flag_mask);
  if (format_ >= 7) {
    for (const Entity& e : es) {  // u16: change | text << 2
      const unsigned v = e.change | unsigned{e.text} << 2;
      w_.U8(static_cast<uint8_t>(v));
      w_.U8(static_cast<uint8_t>(v >> 8));
    }
  }
  for (const auto* list : {&g_.free_, &g_.zombies_}) {
    w_.Varint(list->size());
    for (EntityIdx e : *list) w_.U32(e);
  }
}

// A reference's optional fields, in the image's order.
std::array<uint32_t, image::kRefOptional> Graph::ImageSaver::Optional(
    const Ref& r) {
  return {r.fixed_source(), r.path, r.src_path(), r.self_type, r.scope};
}

void Graph::ImageSaver::Files() {
  const auto& fs = g_.files_;
  w_.Varint(fs.size());
  for (const File& f : fs) w_.U32(f.path);
  for (const File& f : fs) w_.U32(f.crate);
  for (const File& f : fs) w_.U32(f.module);
  for (const File& f : fs) w_.U64(f.hash);
  for (const File& f : fs) w_.U32(f.lines);
  for (const File& f : fs) w_.U32(f.gen);
  for (const File& f : fs) w_.U8(f.live ? 1 : 0);
  if (format_ >= 4) {
    // What each file's crate may use: 0 (unknown) or 1 + the number of its
    // dependencies, then the number of its dev-dependencies (0 when
    // unknown); then the crate names of each.
    for (const File& f : fs) w_.Varint(f.deps_known ? f.deps.size() + 1 : 0);
    for (const File& f : fs) w_.Varint(f.deps_known ? f.dev_deps.size() : 0);
    for (const File& f : fs)
      if (f.deps_known)
        for (StrId d : f.deps) w_.U32(d);
    for (const File& f : fs)
      if (f.deps_known)
        for (StrId d : f.dev_deps) w_.U32(d);
  }

  for (const File& f : fs) w_.Varint(f.entities.size());
  for (const File& f : fs)
    for (EntityIdx e : f.entities) w_.U32(e);

  for (const File& f : fs) w_.Varint(f.scopes.size());
  for (const File& f : fs)
    for (const auto& chain : f.scopes) w_.Varint(chain.size());
  for (const File& f : fs)
    for (const auto& chain : f.scopes)
      for (StrId s : chain) w_.U32(s);

  for (size_t fi = 0; fi < fs.size(); ++fi) w_.Varint(RefCount(fs[fi]));
  if (format_ >= 6) {
    // Each file's packed references: their size; the made entries they
    // hold, all told; then the bytes.
    std::vector<std::string> warm(fs.size());  // warm files', packed here
    std::vector<std::string_view> bytes(fs.size());
    uint64_t made = 0;
    for (size_t fi = 0; fi < fs.size(); ++fi) {
      const File& f = fs[fi];
      if (f.warm) {
        bytes[fi] = warm[fi] = PackedRefs(fi);
        for (const Ref& r : f.refs) made += r.made.size();
      } else {
        bytes[fi] = PackedRefs(fi);
        made += f.made_count;
      }
      w_.Varint(bytes[fi].size());
    }
    w_.Varint(made);
    for (std::string_view b : bytes) w_.Bytes(b);
  } else {
    RefsInColumns();
  }
  Registrations();
}

void Graph::ImageSaver::RefsInColumns() {
  const auto& fs = g_.files_;
  auto each_ref = [&](auto fn) {
    for (size_t fi = 0; fi < fs.size(); ++fi)
      for (const Ref& r : RefsOf(fi)) fn(r);
  };
  // A shape byte per reference: its kind, and which of the fields that are
  // often absent (kNoEntity or 0) it has; then a column per field, the
  // optional ones holding only the values present.
  each_ref([&](const Ref& r) { w_.U8(image::RefShape(r.kind, Optional(r))); });
  each_ref([&](const Ref& r) { w_.U8(r.flags); });
  each_ref([&](const Ref& r) { w_.U32(r.owner); });
  each_ref([&](const Ref& r) { w_.U32(r.line); });
  for (size_t k = 0; k < image::kRefOptional; ++k) {
    size_t n = 0;
    each_ref([&](const Ref& r) { n += Optional(r)[k] != image::kAbsent[k]; });
    w_.Varint(n);
    each_ref([&](const Ref& r) {
      if (Optional(r)[k] != image::kAbsent[k]) w_.U32(Optional(r)[k]);
    });
  }
  // Made entries: a code byte (confidence, and where the source is),
  // the sources that are neither the owner nor the fixed source, targets.
  auto from_code = [](const Ref& r, const Ref::Made& m) {
    return m.from == r.owner          ? kMadeFromOwner
           : m.from == r.fixed_source() ? kMadeFromFixed
                                      : kMadeFromColumn;
  };
  size_t n_from = 0;
  each_ref([&](const Ref& r) {
    w_.Varint(r.made.size());
    for (const Ref::Made& m : r.made)
      n_from += from_code(r, m) == kMadeFromColumn;
  });
  each_ref([&](const Ref& r) {
    for (const Ref::Made& m : r.made)
      w_.U8(static_cast<uint8_t>(static_cast<uint8_t>(m.confidence) |
                                 (from_code(r, m) << 2)));
  });
  w_.Varint(n_from);
  each_ref([&](const Ref& r) {
    for (const Ref::Made& m : r.made)
      if (from_code(r, m) == kMadeFromColumn) w_.U32(m.from);
  });
  each_ref([&](const Ref& r) {
    for (const Ref::Made& m : r.made) w_.U32(m.to);
  });
}

void Graph::ImageSaver::Registrations() {
  const auto& fs = g_.files_;
  // Registrations: (scope, name) -> entity, (scope, name) -> path,
  // scope -> path, path -> entity.
  // (Before format 7 the members filed as kMember are registrations too:
  // first, in the order of the file's entities.)
  const auto& es = g_.entities_;
  auto filed = [&](const File& f, auto fn) {
    if (format_ < 7)
      for (EntityIdx e : f.entities)
        if (es[e].flags & kMember) fn(ScopeName{es[e].parent, es[e].name}, e);
  };
  for (auto regs : {&File::member_regs, &File::assoc_regs}) {
    const bool members = regs == &File::member_regs;
    for (const File& f : fs) {
      size_t n = (f.*regs).size();
      if (members) filed(f, [&](ScopeName, EntityIdx) { ++n; });
      w_.Varint(n);
    }
    auto put = [&](ScopeName k, EntityIdx e) {
      w_.U32(k.scope);
      w_.U32(k.name);
      w_.U32(e);
    };
    for (const File& f : fs) {
      if (members) filed(f, put);
      for (const auto& [k, e] : f.*regs) put(k, e);
    }
  }
  for (const File& f : fs) w_.Varint(f.import_regs.size());
  for (const File& f : fs)
    for (const auto& [k, p] : f.import_regs) {
      w_.U32(k.scope);
      w_.U32(k.name);
      w_.U32(p);
    }
  for (const File& f : fs) w_.Varint(f.glob_regs.size());
  for (const File& f : fs)
    for (const auto& [s, p] : f.glob_regs) {
      w_.U32(s);
      w_.U32(p);
    }
  for (auto regs : {&File::module_regs, &File::crate_regs}) {
    for (const File& f : fs) w_.Varint((f.*regs).size());
    for (const File& f : fs)
      for (const auto& [m, e] : f.*regs) {
        w_.U32(m);
        w_.U32(e);
      }
  }
}

template <typename Key, typename List, typename PutKey>
void Graph::ImageSaver::ListExceptions(
    const absl::flat_hash_map<Key, List>& live,
    const absl::flat_hash_map<Key, List>& derived, PutKey put_key) {
  std::vector<Key> keys;
  for (const auto& [k, list] : live) {
    auto it = derived.find(k);
    if (it == derived.end() ||
        !std::equal(list.begin(), list.end(), it->second.begin(),
                    it->second.end()))
      keys.push_back(k);
  }
  for (const auto& [k, list] : derived)
    if (!live.contains(k)) keys.push_back(k);
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    if constexpr (std::is_same_v<Key, ScopeName>)
      return std::tie(a.scope, a.name) < std::tie(b.scope, b.name);
    else
      return a < b;
  });
  w_.Varint(keys.size());
  for (const Key& k : keys) {
    put_key(k);
    auto it = live.find(k);
    if (it == live.end()) {
      w_.Varint(0);  // the key is absent
      continue;
    }
    w_.Varint(it->second.size());
    for (auto v : it->second) w_.U32(v);
  }
}

template <typename Key, typename Value, typename PutKey>
void Graph::ImageSaver::ScalarExceptions(
    const absl::flat_hash_map<Key, Value>& live,
    const absl::flat_hash_map<Key, Value>& derived, PutKey put_key) {
  std::vector<std::pair<Key, uint32_t>> diff;
  for (const auto& [k, v] : live) {
    auto it = derived.find(k);
    if (it == derived.end() || it->second != v) diff.emplace_back(k, v);
  }
  for (const auto& [k, v] : derived)
    if (!live.contains(k)) diff.emplace_back(k, UINT32_MAX);  // absent
  WriteExceptions(diff, put_key);
}

void Graph::ImageSaver::IdExceptions(
    const absl::flat_hash_map<uint64_t, EntityIdx>& derived) {
  std::vector<std::pair<uint64_t, uint32_t>> diff;
  const auto id_of = g_.IdOf();
  g_.by_id_.ForEach([&](EntityIdx e) {
    const uint64_t k = id_of(e);
    auto it = derived.find(k);
    if (it == derived.end() || it->second != e) diff.emplace_back(k, e);
  });
  for (const auto& [k, v] : derived)
    if (g_.by_id_.Find(k, id_of) == kNoEntity)
      diff.emplace_back(k, UINT32_MAX);  // absent
  WriteExceptions(diff, [&](uint64_t k) { w_.U64(k); });
}

template <typename Key, typename PutKey>
void Graph::ImageSaver::WriteExceptions(
    std::vector<std::pair<Key, uint32_t>>& diff, PutKey put_key) {
  std::sort(diff.begin(), diff.end());
  w_.Varint(diff.size());
  for (const auto& [k, v] : diff) {
    put_key(k);
    w_.U32(v);
  }
}

void Graph::ImageSaver::Tables() {
  // The live tables' sizes: the loader reserves its tables with them.
  size_t sizes[] = {g_.by_id_.size(),     g_.by_name_.size(),
                    g_.members_.size(),   g_.assoc_.size(),
                    g_.imports_.size(),   g_.globs_.size(),
                    g_.modules_.size(),   g_.crates_.size(),
                    g_.externals_.size(), g_.file_index_.size()};
  if (format_ < 7) {
    // The members filed as kMember are in the table of a loader before
    // format 7 (Registrations()).
    absl::flat_hash_set<ScopeName> keys;
    for (const auto& [k, list] : g_.members_) keys.insert(k);
    for (const Entity& e : g_.entities_)
      if (e.flags & kMember) keys.insert({e.parent, e.name});
    sizes[2] = keys.size();
  }
  DerivedTables d;
  size_t i = 0;
  d.ForEach([&](auto& table) { table.reserve(sizes[i++]); });
  g_.DeriveTables(d);
  for (size_t n : sizes) w_.Varint(n);
  auto str_key = [&](StrId k) { w_.U32(k); };
  auto scope_key = [&](const ScopeName& k) {
    w_.U32(k.scope);
    w_.U32(k.name);
  };
  ListExceptions(g_.by_name_, d.by_name, str_key);
  // (None for the members: a lookup sorts what it finds, so the order of
  // a list of them is of no consequence. Before format 7 the loader
  // derives them from every registration.)
  ListExceptions(d.members, d.members, scope_key);
  ListExceptions(g_.assoc_, d.assoc, scope_key);
  ListExceptions(g_.imports_, d.imports, scope_key);
  ListExceptions(g_.globs_, d.globs, str_key);
  ListExceptions(g_.modules_, d.modules, str_key);
  ListExceptions(g_.crates_, d.crates, str_key);
  IdExceptions(d.by_id);
  ScalarExceptions(g_.externals_, d.externals, str_key);
  ScalarExceptions(g_.file_index_, d.file_index, str_key);
}

void Graph::ImageSaver::Deps() {
  if (format_ >= 6) return;  // (with the references)
  if (format_ < 5) return DepsByName();
  // Format 5: each reference's names, file by file: the count, then the
  // names ascending as deltas.
  for (size_t fi = 0; fi < g_.files_.size(); ++fi)
    for (const Ref& r : RefsOf(fi)) {
      w_.Varint(r.lookups.size());
      StrId prev = 0;
      for (StrId name : r.lookups) {
        w_.Varint(name - prev);
        prev = name;
      }
    }
}

void Graph::ImageSaver::DepsByName() {
  // References are numbered across files: file 0's first, then file 1's...
  std::vector<std::pair<StrId, uint32_t>> looked;  // (name, reference)
  uint32_t number = 0;
  for (size_t fi = 0; fi < g_.files_.size(); ++fi)
    for (const Ref& r : RefsOf(fi)) {
      for (StrId name : r.lookups) looked.emplace_back(name, number);
      ++number;
    }
  std::sort(looked.begin(), looked.end());
  size_t names = 0;
  for (size_t i = 0; i < looked.size(); ++i)
    names += i == 0 || looked[i].first != looked[i - 1].first;
  w_.Varint(names);
  for (size_t i = 0; i < looked.size();) {
    size_t end = i;
    while (end < looked.size() && looked[end].first == looked[i].first) ++end;
    w_.U32(looked[i].first);
    w_.Varint(end - i);
    uint32_t prev = 0;
    for (; i < end; ++i) {
      w_.Varint(looked[i].second - prev);
      prev = looked[i].second;
    }
  }
}

void Graph::ImageSaver::Pending() {
  w_.Varint(g_.pending_.size());
  for (auto [fi, ri] : g_.pending_) {
    w_.Varint(fi);
    w_.Varint(ri);
  }
  w_.U8((g_.batch_ ? 1 : 0) | (g_.resolve_all_ ? 2 : 0));
}

}  // namespace aim::graph
