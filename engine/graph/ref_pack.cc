// A file's references, packed while no update edits or resolves them.
//
// References are what edits need and queries never read: as many as there
// are edges, 48 bytes each unpacked. A file's references are packed into
// bytes (about 18 a reference, with the names it looked up) when an update
// ends, and unpacked when a later one touches the file: an edit of it, or
// a resolution of one of its references (Graph::Refs). The bytes are
// decoded without checks: `packed` is this process's own, and
// `packed_lookups`, which an image's deps section also holds, is checked
// field by field when an image is loaded.
//
// Layout: the references in File::packed, their lookups in
// File::packed_lookups (an image's loader packs the one as it reads the
// references and the other from the deps section). Each field is a
// LEB128 varint unless said.
//   packed, per reference:
//     u8 head   kind (bits 0-2) | made count, 7 = 7 or more (bits 3-5) |
//               has source (bit 6) | self type as the previous one's (bit 7)
//     u8 flags
//     owner     zigzag of (owner - previous owner), mod 2^32
//     source    if bit 6 (a zero source is left out)
//     path
//     self_type unless bit 7
//     line      zigzag of (line - previous line)
//     scope
//     made - 7  if the head's count is 7
//     made      each: to << 2 | confidence, zigzag of (from - owner)
//   packed_lookups, per reference: the count, then the names ascending,
//   as deltas
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/graph/graph.h"
#include "engine/graph/graph_internal.h"

namespace aim::graph {
namespace {

inline void Put(uint8_t*& p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
}

inline uint64_t Get(const uint8_t*& p) {
  uint64_t v = *p & 0x7f;
  for (int shift = 7; *p++ >= 0x80; shift += 7)
    v |= static_cast<uint64_t>(*p & 0x7f) << shift;
  return v;
}

// Zigzag of a difference mod 2^32: small either way is small.
inline uint32_t Zig(uint32_t now, uint32_t before) {
  const int32_t d = static_cast<int32_t>(now - before);
  return (static_cast<uint32_t>(d) << 1) ^ static_cast<uint32_t>(d >> 31);
}
inline uint32_t Zag(uint32_t z, uint32_t before) {
  return before + ((z >> 1) ^ (0u - (z & 1)));
}

constexpr uint8_t kHasSource = 64;
constexpr uint8_t kSameSelf = 128;
constexpr uint32_t kManyMade = 7;

}  // namespace

uint8_t* Graph::RefWriter::Room(size_t n) {
  if (size_ + n > buf_.size())
    buf_.resize(std::max(buf_.size() * 2, size_ + n));
  return buf_.data() + size_;
}

void Graph::RefWriter::Add(const Ref& r, std::span<const Ref::Made> made) {
  const uint32_t n_made = static_cast<uint32_t>(made.size());
  // (At most 2 bytes, 7 varints of 32 bits, and two varints a made entry.)
  uint8_t* p = Room(2 + 7 * 5 + n_made * (5 + 5));
  uint8_t* const begin = p;
  *p++ = static_cast<uint8_t>(
      static_cast<uint8_t>(r.kind) | std::min(n_made, kManyMade) << 3 |
      (r.source != 0 ? kHasSource : 0) |
      (r.self_type == self_type_ ? kSameSelf : 0));
  *p++ = r.flags;
  Put(p, Zig(r.owner, owner_));
  owner_ = r.owner;
  if (r.source != 0) Put(p, r.source);
  Put(p, r.path);
  if (r.self_type != self_type_) Put(p, r.self_type);
  self_type_ = r.self_type;
  Put(p, Zig(r.line, line_));
  line_ = r.line;
  Put(p, r.scope);
  if (n_made >= kManyMade) Put(p, n_made - kManyMade);
  for (const Ref::Made& m : made) {
    Put(p, uint64_t{m.to} << 2 | static_cast<uint8_t>(m.confidence));
    Put(p, Zig(m.from, r.owner));
  }
  size_ += static_cast<size_t>(p - begin);
}

void Graph::RefWriter::Lookups(std::span<const StrId> names) {
  uint8_t* p = Room(5 + names.size() * 5);
  uint8_t* const begin = p;
  Put(p, names.size());
  StrId prev = 0;
  for (StrId l : names) {
    Put(p, l - prev);
    prev = l;
  }
  size_ += static_cast<size_t>(p - begin);
}

void Graph::RefWriter::Reset() {
  size_ = 0;
  owner_ = line_ = 0;
  self_type_ = 0;
}

void Graph::PackFile(File& f) {
  if (!f.warm) return;
  RefWriter w;
  for (const Ref& r : f.refs) w.Add(r, r.made);
  w.CopyTo(f.packed);
  w.Reset();
  for (const Ref& r : f.refs) w.Lookups(r.lookups);
  w.CopyTo(f.packed_lookups);
  f.ref_count = static_cast<uint32_t>(f.refs.size());
  std::vector<Ref>().swap(f.refs);
  f.warm = false;
}

void Graph::UnpackRefs(const File& f, std::vector<Ref>* out) {
  const size_t count = f.ref_count;
  const uint8_t* p = f.packed.data();
  const size_t first = out->size();
  uint32_t owner = 0, line = 0;
  StrId self_type = 0;
  for (size_t i = 0; i < count; ++i) {
    Ref& r = out->emplace_back();
    const uint8_t head = *p++;
    r.kind = static_cast<EdgeKind>(head & 7);
    r.flags = *p++;
    owner = r.owner = Zag(static_cast<uint32_t>(Get(p)), owner);
    if (head & kHasSource) r.source = static_cast<uint32_t>(Get(p));
    r.path = static_cast<StrId>(Get(p));
    if (!(head & kSameSelf)) self_type = static_cast<StrId>(Get(p));
    r.self_type = self_type;
    line = Zag(static_cast<uint32_t>(Get(p)), line);
    r.line = line;
    r.scope = static_cast<uint32_t>(Get(p));
    uint32_t n_made = head >> 3 & 7;
    if (n_made == kManyMade) n_made += static_cast<uint32_t>(Get(p));
    r.made.resize(n_made);
    for (uint32_t k = 0; k < n_made; ++k) {
      const uint64_t to = Get(p);
      const EntityIdx from = Zag(static_cast<uint32_t>(Get(p)), r.owner);
      r.made[k] = Ref::Made::Of(from, static_cast<EntityIdx>(to >> 2),
                                static_cast<Confidence>(to & 3));
    }
  }
  p = f.packed_lookups.data();
  for (size_t i = 0; i < count; ++i) {
    SmallList<StrId>& lookups = (*out)[first + i].lookups;
    lookups.resize(static_cast<size_t>(Get(p)));
    StrId l = 0;
    for (StrId& name : lookups) name = l += static_cast<StrId>(Get(p));
  }
}

size_t Graph::RefCount(const File& f) {
  return f.warm ? f.refs.size() : f.ref_count;
}

std::vector<Graph::Ref>& Graph::Refs(uint32_t fi) {
  File& f = files_[fi];
  if (!f.warm) {
    f.refs.reserve(f.ref_count);
    UnpackRefs(f, &f.refs);
    std::vector<uint8_t>().swap(f.packed);
    std::vector<uint8_t>().swap(f.packed_lookups);
    f.warm = true;
    warm_files_.push_back(fi);
  }
  return f.refs;
}

void Graph::PackWarmFiles() {
  // The files an update edits stay unpacked until an update edits others
  // (a file is most often saved again and again), unless it edited many.
  constexpr size_t kKeepEdited = 4;
  std::sort(edited_.begin(), edited_.end());
  edited_.erase(std::unique(edited_.begin(), edited_.end()), edited_.end());
  const bool keep = edited_.size() <= kKeepEdited;
  size_t kept = 0;
  for (uint32_t fi : warm_files_) {
    if (keep && std::binary_search(edited_.begin(), edited_.end(), fi)) {
      warm_files_[kept++] = fi;
    } else {
      PackFile(files_[fi]);
    }
  }
  warm_files_.resize(kept);
  edited_.clear();
}

void Graph::NoteLookup(StrId name, uint32_t fi) {
  SmallList<uint32_t>& files = lookup_files_[name];
  // (Pending references resolve in file order: most often fi is the last.)
  if (!files.empty() && files[files.size() - 1] >= fi) {
    const uint32_t* at = std::lower_bound(files.begin(), files.end(), fi);
    if (*at != fi) files.insert(at, fi);
    return;
  }
  files.push_back(fi);
}

}  // namespace aim::graph
