// A file's references, packed while no update edits or resolves them.
//
// References are what edits need and queries never read: as many as there
// are edges, 48 bytes each unpacked. A file's references are packed into
// bytes (about 15 a reference) when an update ends, and unpacked when a
// later one touches the file: an edit of it, or a resolution of one of its
// references (Graph::Refs). The bytes are this process's own (never stored
// or received), so they are decoded without checks.
//
// Layout, reference by reference, each field a LEB128 varint unless said:
//   u8 head     kind (bits 0-2) | made count, 7 = 7 or more (bits 3-5) |
//               has source (bit 6) | self type as the previous one's (bit 7)
//   u8 flags
//   owner       zigzag of (owner - previous owner), mod 2^32
//   source      if bit 6 (a zero source is left out)
//   path
//   self_type   unless bit 7
//   line        zigzag of (line - previous line)
//   scope
//   made - 7    if the head's count is 7
//   made        each: to << 2 | confidence, zigzag of (from - owner)
//   lookups     count, then ascending names as deltas
#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "engine/graph/graph.h"
#include "engine/graph/graph_internal.h"

namespace aim::graph {
namespace {

inline void Put(std::vector<uint8_t>& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
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

void Graph::PackRefs(const std::vector<Ref>& refs, std::vector<uint8_t>& out) {
  out.clear();
  out.reserve(refs.size() * 16);
  uint32_t owner = 0, line = 0;
  StrId self_type = 0;
  for (const Ref& r : refs) {
    const uint32_t n_made = static_cast<uint32_t>(r.made.size());
    out.push_back(static_cast<uint8_t>(
        static_cast<uint8_t>(r.kind) | std::min(n_made, kManyMade) << 3 |
        (r.source != 0 ? kHasSource : 0) |
        (r.self_type == self_type ? kSameSelf : 0)));
    out.push_back(r.flags);
    Put(out, Zig(r.owner, owner));
    owner = r.owner;
    if (r.source != 0) Put(out, r.source);
    Put(out, r.path);
    if (r.self_type != self_type) Put(out, r.self_type);
    self_type = r.self_type;
    Put(out, Zig(r.line, line));
    line = r.line;
    Put(out, r.scope);
    if (n_made >= kManyMade) Put(out, n_made - kManyMade);
    for (const Ref::Made& m : r.made) {
      Put(out, uint64_t{m.to} << 2 | static_cast<uint8_t>(m.confidence));
      Put(out, Zig(m.from, r.owner));
    }
    Put(out, r.lookups.size());
    StrId prev = 0;
    for (StrId l : r.lookups) {
      Put(out, l - prev);
      prev = l;
    }
  }
  out.shrink_to_fit();
}

void Graph::UnpackRefs(const std::vector<uint8_t>& packed,
                       std::vector<Ref>* out) {
  const uint8_t* p = packed.data();
  const uint8_t* const end = p + packed.size();
  uint32_t owner = 0, line = 0;
  StrId self_type = 0;
  while (p < end) {
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
    for (uint32_t i = 0; i < n_made; ++i) {
      const uint64_t to = Get(p);
      const EntityIdx from = Zag(static_cast<uint32_t>(Get(p)), r.owner);
      r.made[i] = Ref::Made::Of(from, static_cast<EntityIdx>(to >> 2),
                                static_cast<Confidence>(to & 3));
    }
    const uint32_t n_lookups = static_cast<uint32_t>(Get(p));
    r.lookups.resize(n_lookups);
    StrId l = 0;
    for (uint32_t i = 0; i < n_lookups; ++i)
      r.lookups[i] = l += static_cast<StrId>(Get(p));
  }
}

size_t Graph::RefCount(const File& f) {
  return f.warm ? f.refs.size() : f.ref_count;
}

std::vector<Graph::Ref>& Graph::Refs(uint32_t fi) {
  File& f = files_[fi];
  if (!f.warm) {
    f.refs.reserve(f.ref_count);
    UnpackRefs(f.packed, &f.refs);
    std::vector<uint8_t>().swap(f.packed);
    f.warm = true;
    warm_files_.push_back(fi);
  }
  return f.refs;
}

void Graph::PackFile(File& f) {
  if (!f.warm) return;
  PackRefs(f.refs, f.packed);
  f.ref_count = static_cast<uint32_t>(f.refs.size());
  std::vector<Ref>().swap(f.refs);
  f.warm = false;
}

void Graph::PackWarmFiles() {
  for (uint32_t fi : warm_files_) PackFile(files_[fi]);
  warm_files_.clear();
}

void Graph::PackAllFiles(const RunTasks& run) {
  warm_files_.clear();
  auto pack = [this](size_t begin, size_t end) {
    for (size_t fi = begin; fi < end; ++fi) PackFile(files_[fi]);
  };
  const size_t n = files_.size();
  if (!run) return pack(0, n);
  // Two shares of about as many references (files differ a hundredfold).
  size_t total = 0;
  for (const File& f : files_) total += f.refs.size();
  size_t half = 0;
  for (size_t seen = 0; half < n && seen * 2 < total; ++half)
    seen += files_[half].refs.size();
  const std::function<void()> tasks[] = {[&] { pack(0, half); },
                                         [&] { pack(half, n); }};
  run(tasks);
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
